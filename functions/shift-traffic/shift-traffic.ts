import { mayUndoOwnWrite, restoreTraffic } from '../shared/control/release-control.js';
import { accessScope } from '../shared/domain/accounts.js';
import { NotEnoughHealthyTargetsError, ReleaseStoppedError } from '../shared/domain/errors.js';
import {
  isTerminal,
  type ReleaseInput,
  type StepInput,
  type Targets,
  type Weights,
} from '../shared/domain/release.js';
import { stepWeights } from '../shared/domain/traffic.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets: Targets;
  step: StepInput;
};

/** The ports ShiftTraffic uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type ShiftTrafficPorts = Pick<Ports, 'trafficRouter' | 'releases' | 'now'>;

/**
 * One canary step: gate on the idle group's healthy targets, set the weights, and read them back
 * from the load balancer. If the release was stopped meanwhile, the write is undone.
 */
export const createShiftTrafficHandler = (ports: ShiftTrafficPorts) =>
  lambdaHandler<Input, { observed: Weights }, ShiftTrafficPorts>('ShiftTraffic', ports, async (input, p) => {
    const { release, environment, targets, step } = input;
    const store = p.releases();
    const router = p.trafficRouter(environment, accessScope(environment.name, release.id));
    const current = () => store.get(release.id, environment.name);

    if (isTerminal(await current()))
      throw new ReleaseStoppedError(`release ${release.id} has ended; not shifting`);
    const healthy = await router.healthyTargets(targets.idle);
    if (healthy < environment.minHealthyTargets) {
      throw new NotEnoughHealthyTargetsError(
        `${healthy} healthy target(s) in ${targets.idle}, ${environment.minHealthyTargets} required before shifting to ${step.weight}%`,
      );
    }

    // A failed write is rethrown only after the stop check below: a stop wins over a retry.
    const shifted = await router.shift(stepWeights(targets, step.weight)).then(
      (observed) => ({ observed }),
      (error: unknown) => ({ error }),
    );

    // Marked stopped while we wrote (alarm, abort, newer push): our write may have landed after
    // the restore, so restore again. Whoever stops a release marks it before restoring.
    const record = await current();
    if (isTerminal(record)) {
      const owner = { releaseId: release.id, executionName: input.executionName };
      // The release that superseded this one may hold the lock already; until it has read the
      // listener, the split this write may have left is still ours to undo.
      const undo = await mayUndoOwnWrite(p, environment.name, owner);
      if (undo) await restoreTraffic(p, environment, targets, accessScope(environment.name, release.id));
      throw new ReleaseStoppedError(
        `release ${release.id} was stopped during step ${step.index}; ${undo ? 'traffic restored' : 'the release holding the environment now owns the listener'}`,
      );
    }
    if ('error' in shifted) throw shifted.error;
    const { observed } = shifted;
    await store.update(
      release.id,
      environment.name,
      {
        steps: [
          ...(record?.steps ?? []).filter((s) => s.index !== step.index),
          { index: step.index, weight: step.weight, observed, at: p.now().toISOString() },
        ],
      },
      { event: 'shifted', detail: `${step.weight}% on the new version` },
    );
    return { observed };
  });
