import { setTimeout as sleep } from 'node:timers/promises';
import { acquireEnvironment } from '../shared/control/environment-lock.js';
import { restoreTraffic } from '../shared/control/release-control.js';
import { type AccessScope, accessScope } from '../shared/domain/accounts.js';
import {
  ListenerStateError,
  ReleaseQueuedError,
  ReleaseStoppedError,
  StickinessError,
} from '../shared/domain/errors.js';
import { newAttempt, newRecord } from '../shared/domain/records.js';
import { isTerminal, type ReleaseInput, type Targets } from '../shared/domain/release.js';
import { stickinessProblem } from '../shared/domain/stickiness.js';
import { describeWeights, readListener, restoredWeights } from '../shared/domain/traffic.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

/** The ports BeginRelease uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type BeginReleasePorts = Pick<Ports, 'trafficRouter' | 'releases' | 'pushes' | 'orchestrator' | 'now'>;

/**
 * Records the release (pending while it waits), takes the environment's lock in the order of
 * the pushes, and derives the live group from the listener; attaches the idle group at weight 0
 * where the listener forwards to the live one alone.
 */
export const createBeginReleaseHandler = (ports: BeginReleasePorts) =>
  lambdaHandler<{ input: ReleaseInput }, Targets, BeginReleasePorts>(
    'BeginRelease',
    ports,
    async ({ input }, p) => {
      const { environment } = input;
      const releases = p.releases();
      const owner = { releaseId: input.release.id, executionName: input.executionName };
      const stopped = async (status: string) => {
        await releases.releaseLock(environment.name, owner);
        return new ReleaseStoppedError(
          `release ${input.release.id} ended (${status}) before it began in ${environment.name}; nothing was changed`,
        );
      };

      // The record comes first: a release waiting for the lock is visible, and a newer push that
      // supersedes it meanwhile has a record to end.
      const existing = await releases.get(input.release.id, environment.name);
      const sameAttempt = existing?.executionName === input.executionName;
      // Ended (superseded, aborted) while this task waited or ran past its timeout: never revive it.
      // An earlier attempt's ended record (another execution name) is what a new attempt replaces.
      if (existing && sameAttempt && isTerminal(existing)) throw await stopped(existing.status);
      // The same commit released here by another execution still running (pushed to a branch of
      // another route, R6): one record per commit and environment, so this one waits for it.
      if (existing && !sameAttempt && !isTerminal(existing)) {
        const other = await p.orchestrator().describeExecution(existing.executionName);
        if (other?.status === 'RUNNING') {
          throw new ReleaseQueuedError(
            `commit ${input.release.sha.slice(0, 7)} is being released in ${environment.name} by execution ${existing.executionName} (branch ${existing.branch}); this release waits for it to end`,
          );
        }
      }
      if (!existing) {
        await releases.create({ ...newRecord(input, p.now()), status: 'pending' });
      } else if (!sameAttempt) {
        await releases.update(
          input.release.id,
          environment.name,
          { ...newAttempt(input, p.now()), status: 'pending' },
          {
            event: 'started',
            detail: `attempt ${input.release.attempt ?? 1}, pushed by ${input.release.pusher}`,
          },
        );
      }

      const { superseded } = await acquireEnvironment(input, p);
      const current = await releases.get(input.release.id, environment.name);
      if (current && isTerminal(current)) throw await stopped(current.status);
      // A retried BeginRelease of the same execution: the first reading stands.
      if (current?.targets) return current.targets;

      const router = p.trafficRouter(environment, accessScope(environment.name, input.release.id));
      const { weights, reading } = await settledListener(
        p,
        environment,
        accessScope(environment.name, input.release.id),
        superseded,
      );
      if (reading.kind === 'split') {
        throw new ListenerStateError(
          `listener is split (${describeWeights(reading.weights, environment.targetGroups)}); restore it with \`sluice rollback --env ${environment.name}\` first`,
        );
      }
      if (reading.kind === 'foreign') {
        throw new ListenerStateError(
          `listener forwards to target groups outside environment ${environment.name}: ${reading.groups.join(', ')}`,
        );
      }
      // Before anything is written: the forward action's stickiness read now is what the release runs with.
      const sticky = stickinessProblem(environment, await router.stickinessSeconds());
      if (sticky) throw new StickinessError(sticky);
      // A target group that no listener or rule forwards to reports its targets `unused`, never
      // healthy, so the health gate before the first step could never pass: a listener that
      // forwards to the live group alone gets the idle group beside it at weight 0 (read back).
      const attach = !(reading.targets.idle in weights);
      if (attach) await router.shift(restoredWeights(reading.targets));
      await releases.update(
        input.release.id,
        environment.name,
        { targets: reading.targets, status: 'in_progress' },
        { event: 'began', detail: `holds ${environment.name}; ${reading.targets.live} serves 100%` },
        // Superseded meanwhile (a newer push took the lock): stay ended; the guard checks the listener.
        { whileRunning: true },
      );
      if (attach) {
        await releases.update(
          input.release.id,
          environment.name,
          {},
          { event: 'idle_attached', detail: `${reading.targets.idle} added to the listener at weight 0` },
        );
      }
      return reading.targets;
    },
  );

/** Reads of a split listener before it counts as split: a stopped release undoes its last write itself. */
const SPLIT_READS = 5;
const SPLIT_READ_INTERVAL_MS = 200;

/**
 * Reads the listener once it is no longer split by a release that just ended. A release this one
 * superseded is restored again here (this one holds the lock, and that one's live group is the
 * known-good version): its canary write may have landed after the restore that ended it. Any other
 * split gets a few more reads, for a stopped release to undo its own last write, then counts.
 */
async function settledListener(
  p: BeginReleasePorts,
  environment: ReleaseInput['environment'],
  scope: AccessScope,
  superseded?: Targets,
) {
  const router = p.trafficRouter(environment, scope);
  for (let read = 1; ; read++) {
    const weights = await router.readWeights();
    const reading = readListener(weights, environment.targetGroups);
    if (reading.kind !== 'split' || read >= SPLIT_READS) return { weights, reading };
    if (superseded) await restoreTraffic(p, environment, superseded, scope);
    else await sleep(SPLIT_READ_INTERVAL_MS);
  }
}
