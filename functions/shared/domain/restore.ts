import { isTerminal, type ReleaseRecord, type Weights } from './release.js';
import { describeWeights, restoredWeights, stepWeights, weightsMatch } from './traffic.js';

export type Side = 'blue' | 'green';

/** Which group a rollback puts all traffic on when the listener is split and no release holds it. */
export type RestoreChoice =
  | { kind: 'restore'; side: Side; group: string; why: string }
  | { kind: 'ask'; why: string };

const sideOf = (groups: { blue: string; green: string }, group: string): Side | undefined =>
  group === groups.blue ? 'blue' : group === groups.green ? 'green' : undefined;

/**
 * The group the last succeeded release of the environment made live, from its records (newest
 * first). The records cannot say when no release succeeded there, or when a newer release began
 * from the other group (a change the records did not see); then the operator names it.
 */
export function groupToRestore(
  records: readonly ReleaseRecord[],
  groups: { blue: string; green: string },
  to?: Side,
): RestoreChoice {
  if (to) return { kind: 'restore', side: to, group: groups[to], why: `--to ${to}` };
  const touched = records.filter((r) => r.targets);
  const index = touched.findIndex((r) => r.status === 'succeeded');
  const last = touched[index];
  if (!last?.targets)
    return { kind: 'ask', why: 'no succeeded release in the records says which group is live' };
  const live = last.targets.idle;
  const side = sideOf(groups, live);
  if (!side)
    return {
      kind: 'ask',
      why: `release ${last.releaseId} made ${live} live, not one of the environment's groups`,
    };
  const other = touched.slice(0, index).find((r) => r.targets?.live !== live);
  if (other) {
    return {
      kind: 'ask',
      why: `release ${last.releaseId} made ${side} live, but the newer release ${other.releaseId} began with ${other.targets?.live} live`,
    };
  }
  return { kind: 'restore', side, group: live, why: `release ${last.releaseId} made it live` };
}

/**
 * What the newest release record that touched the listener says it serves, where the record can
 * say: a promotion, a restore read back, or an ending before any shift. Undefined while a release
 * moves traffic, or when it ended without proving where traffic went.
 */
export function recordedWeights(
  records: readonly ReleaseRecord[],
): { weights: Weights; releaseId: string } | undefined {
  const last = records.find((r) => r.targets);
  if (!last?.targets) return undefined;
  const { targets } = last;
  const on = (group: string) => ({ [group]: 100, [group === targets.live ? targets.idle : targets.live]: 0 });
  if (last.restoredAt) return { weights: on(last.restoredTo ?? targets.live), releaseId: last.releaseId };
  if (last.status === 'succeeded') return { weights: stepWeights(targets, 100), releaseId: last.releaseId };
  if (isTerminal(last) && last.steps.length === 0)
    return { weights: restoredWeights(targets), releaseId: last.releaseId };
  return undefined;
}

/** Why the listener's weights differ from what the last record says, or undefined where they agree. */
export function listenerDrift(
  observed: Weights,
  records: readonly ReleaseRecord[],
  groups: { blue: string; green: string },
): string | undefined {
  const recorded = recordedWeights(records);
  if (!recorded) return undefined;
  if (weightsMatch(recorded.weights, observed)) return undefined;
  return `the listener serves ${describeWeights(observed, groups)}, but release ${recorded.releaseId} recorded ${describeWeights(recorded.weights, groups)}: something else — Terraform, CloudFormation — may own this listener`;
}
