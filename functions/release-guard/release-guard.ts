import { listenerIsOurs, restoreTraffic } from '../shared/control/release-control.js';
import { accessScope } from '../shared/domain/accounts.js';
import { causeErrorOf, InvalidInputError, isCause } from '../shared/domain/errors.js';
import { ExecutionStatusChangeSchema, parseEvent } from '../shared/domain/events.js';
import { isTerminal, type ReleaseInput, type ReleaseRecord } from '../shared/domain/release.js';
import { readListener } from '../shared/domain/traffic.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import { log } from '../shared/log.js';
import type { Ports } from '../shared/ports/index.js';

export type GuardResult = { action: 'none'; reason: string } | { action: 'restored'; releaseId: string };

/** The ports ReleaseGuard uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type ReleaseGuardPorts = Pick<Ports, 'trafficRouter' | 'releases' | 'now'>;

/**
 * The last line of defence: runs when a release execution ends FAILED, TIMED_OUT or ABORTED,
 * the endings where the state machine's own Rollback may not have run (a timeout, a stop, a
 * failed rollback). Makes sure the listener is 100/0 on the live group, the record says why,
 * and the lock is free. Idempotent: after a clean rollback it reads the listener and writes nothing.
 */
export const createReleaseGuardHandler = (ports: ReleaseGuardPorts) =>
  lambdaHandler<unknown, GuardResult, ReleaseGuardPorts>('ReleaseGuard', ports, async (raw, p) => {
    const event = parseEvent(ExecutionStatusChangeSchema, raw, 'Step Functions Execution Status Change');
    const { status, input: rawInput, error, cause } = event.detail;
    if (status === 'SUCCEEDED' || status === 'RUNNING')
      return { action: 'none', reason: `execution ${status}` };
    if (!rawInput) throw new InvalidInputError('execution status event carries no input');
    const input = JSON.parse(rawInput) as ReleaseInput;
    const { release, environment } = input;
    const store = p.releases();
    const record = await store.get(release.id, environment.name);

    if (record?.status === 'succeeded') return { action: 'none', reason: 'release succeeded' };
    const owner = { releaseId: release.id, executionName: input.executionName };
    if (isCause(error ?? undefined, 'ReleaseNotRecorded') && record?.status === 'promoted') {
      // The watch passed and traffic is on the new version; only the final write failed.
      await store.update(
        release.id,
        environment.name,
        { status: 'succeeded', endedAt: p.now().toISOString() },
        { event: 'succeeded', detail: 'recorded by the release guard' },
      );
      await store.releaseLock(environment.name, owner);
      return { action: 'none', reason: 'release succeeded; recorded by the guard' };
    }
    if (record?.targets && (await listenerIsOurs(p, environment.name, owner))) {
      // A split listener with no release holding the environment is never right, whatever the
      // record says (a stopped release's late canary write): put it back on this one's live group.
      const scope = accessScope(environment.name, owner.releaseId);
      const split = async () =>
        readListener(await p.trafficRouter(environment, scope).readWeights(), environment.targetGroups)
          .kind === 'split';
      if (needsRestore(record) || (await split()))
        await restoreTraffic(p, environment, record.targets, scope);
    }
    if (record && !isTerminal(record)) {
      const now = p.now().toISOString();
      const trigger = status === 'TIMED_OUT' ? 'timeout' : status === 'ABORTED' ? 'manual' : 'crash';
      await store.update(
        release.id,
        environment.name,
        {
          status: status === 'ABORTED' ? 'aborted' : record.steps.length > 0 ? 'rolled_back' : 'failed',
          cause: {
            trigger,
            error: causeErrorOf(error ?? status),
            message: cause ?? `execution ended ${status} without recording an outcome`,
          },
          endedAt: now,
          ...(record.targets ? { restoredAt: now } : {}),
        },
        { event: 'guard', detail: `execution ${status}; traffic verified on the live group` },
      );
    }
    await store.releaseLock(environment.name, owner);
    log.info('release guard ran', { releaseId: release.id, environment: environment.name, status });
    return { action: 'restored', releaseId: release.id };
  });

/**
 * Whether the guard must put this release's traffic back. A record that ended was ended by a
 * path that restored and read back the listener (the state machine's Rollback, an alarm, an
 * abort, a newer push superseding it) and said so in `restoredAt`, or had moved no traffic.
 * End events can arrive long after that, when a newer release may own the listener, with the
 * lock already free again: restoring then would flip the newer release back.
 */
function needsRestore(record: ReleaseRecord): boolean {
  if (!isTerminal(record)) return true;
  return record.status !== 'succeeded' && record.steps.length > 0 && !record.restoredAt;
}
