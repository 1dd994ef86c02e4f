import { accessScope } from '../domain/accounts.js';
import { messageOf } from '../domain/caught.js';
import { ContentionError, ReleaseStoppedError, RollbackError } from '../domain/errors.js';
import type { ReleaseCause, ReleaseRecord, ReleaseStatus, Targets } from '../domain/release.js';
import { isTerminal } from '../domain/release.js';
import { restoredWeights, weightsMatch } from '../domain/traffic.js';
import { log } from '../log.js';
import type { AccessScope, ListenerRef, LockOwner, Ports } from '../ports/index.js';

/**
 * Puts all traffic back on the live group and proves it by reading the listener back.
 * Idempotent: restoring a listener that is already 100/0 on the live group writes nothing.
 * Returns whether it had to write.
 */
export async function restoreTraffic(
  ports: Pick<Ports, 'trafficRouter'>,
  listener: ListenerRef,
  targets: Targets,
  scope: AccessScope,
): Promise<boolean> {
  const router = ports.trafficRouter(listener, scope);
  const wanted = restoredWeights(targets);
  if (weightsMatch(wanted, await router.readWeights())) return false;
  try {
    await router.shift(wanted);
  } catch (error) {
    throw new RollbackError(`restoring all traffic to ${targets.live} failed: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return true;
}

/** What ending a release from outside its state machine touches. */
export type StopPorts = Pick<Ports, 'releases' | 'orchestrator' | 'trafficRouter' | 'now'>;

/**
 * True when no other release holds the environment: only then may an ended release touch the
 * listener again (a newer release that superseded it owns the listener now).
 */
export async function listenerIsOurs(
  ports: Pick<Ports, 'releases'>,
  environment: string,
  owner: LockOwner,
): Promise<boolean> {
  const holder = await ports.releases().lockHolder(environment);
  return !holder || isOwner(holder, owner);
}

/** Whether two lock owners are the same release execution. */
export const isOwner = (holder: LockOwner, owner: LockOwner) =>
  holder.releaseId === owner.releaseId && holder.executionName === owner.executionName;

/**
 * True when a release that was ended while its write was in flight may undo that write: no other
 * release holds the environment, or the one holding it has not read the listener yet (it has no
 * targets), so it will begin from the restored listener rather than find it split.
 */
export async function mayUndoOwnWrite(
  ports: Pick<Ports, 'releases'>,
  environment: string,
  owner: LockOwner,
): Promise<boolean> {
  const holder = await ports.releases().lockHolder(environment);
  if (!holder || isOwner(holder, owner)) return true;
  const holding = await ports.releases().get(holder.releaseId, environment);
  return holding?.executionName !== holder.executionName || holding.targets === undefined;
}

/**
 * Whether a stop from outside has (still) something to do: the release runs, or it ended but
 * still holds its environment's lock, which only a stop that did not finish leaves (stopRelease
 * marks the record first and frees the lock last). While it holds the lock no newer release can
 * have moved the listener, so finishing the stop cannot flip anyone else's traffic. A retried
 * abort (Lambda retries a failed asynchronous invocation) finishes the stop it started.
 */
export async function stopUnfinished(
  ports: Pick<StopPorts, 'releases'>,
  record: ReleaseRecord,
): Promise<boolean> {
  if (!isTerminal(record)) return true;
  const holder = await ports.releases().lockHolder(record.environment);
  return holder !== undefined && isOwner(holder, record);
}

/** The lock owner of an operator's action (a manual rollback): no record, the time it began in its name. */
export const MANUAL_LOCK_RELEASE_ID = 'manual-rollback';
/** A manual action takes seconds; a manual lock older than this was left by a crashed CLI, and is stale. */
export const MANUAL_LOCK_TTL_MS = 10 * 60_000;

export const manualLockOwner = (now: Date): LockOwner => ({
  releaseId: MANUAL_LOCK_RELEASE_ID,
  executionName: `manual-${now.getTime()}`,
});

/** When an operator's action took the lock, or undefined for a release's lock. */
export function manualLockSince(holder: LockOwner): number | undefined {
  if (holder.releaseId !== MANUAL_LOCK_RELEASE_ID) return undefined;
  const since = Number(holder.executionName.replace(/^manual-/, ''));
  return Number.isFinite(since) ? since : 0;
}

/** Attempts of a stop from outside that loses conditional writes to the release's own steps. */
const CONTENTION_ATTEMPTS = 3;

/**
 * Runs a stop from outside again when it lost a conditional write (ContentionError): every step
 * of stopRelease is idempotent, and an alarm's rollback or an operator's abort must not fail
 * because the release was busy writing its own record.
 */
export async function despiteContention<T>(stop: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stop();
    } catch (error) {
      if (!(error instanceof ContentionError) || attempt >= CONTENTION_ATTEMPTS) throw error;
    }
  }
}

/** How a release ended from outside its state machine ends. */
export type StopStatus = Extract<ReleaseStatus, 'rolled_back' | 'aborted' | 'superseded' | 'failed'>;

/**
 * The first half of every stop from outside: marks the record ended, so a Task still in flight
 * sees it and undoes its own write, then stops the execution. stopRelease goes on to restore
 * traffic and free the lock; an operator's rollback of a split listener, which holds the lock
 * and restores to the group it is told, calls only this. Returns the record as it now stands
 * and whether it had ended before.
 */
export async function endRelease(
  ports: Pick<StopPorts, 'releases' | 'orchestrator' | 'now'>,
  owner: LockOwner & { environment: string },
  status: StopStatus,
  cause: ReleaseCause,
): Promise<{ before: ReleaseRecord | undefined; endedBefore: boolean }> {
  const store = ports.releases();
  let before = await store.get(owner.releaseId, owner.environment);
  const endedBefore = isTerminal(before);
  if (before && !endedBefore) {
    // Conditional on the record still running: of two enders at once (an alarm, a newer push),
    // the first one's status and cause stand; the second carries on stopping and freeing.
    before = await store
      .update(
        owner.releaseId,
        owner.environment,
        { status, cause, endedAt: ports.now().toISOString() },
        { event: status, detail: cause.message },
        { whileRunning: true },
      )
      .catch(async (error: unknown) => {
        if (!(error instanceof ReleaseStoppedError)) throw error;
        return store.get(owner.releaseId, owner.environment);
      });
  }
  await ports.orchestrator().stopExecution(owner.executionName, cause.error ?? status, cause.message);
  return { before, endedBefore };
}

/**
 * Ends a running release from outside its state machine (alarm event, abort from the CLI, the
 * local API or Slack, an operator's rollback, a newer push, a stale lock): endRelease, then
 * restores traffic and releases the lock. Every step is idempotent, so a retry finishes it.
 */
export async function stopRelease(
  ports: StopPorts,
  owner: LockOwner & { environment: string },
  listener: ListenerRef,
  status: StopStatus,
  cause: ReleaseCause,
  /** The human who stops it (a manual action), for the role session's SourceIdentity. */
  actor?: string,
): Promise<{ record: ReleaseRecord | undefined; restored: boolean }> {
  const store = ports.releases();
  const { before, endedBefore } = await endRelease(ports, owner, status, cause);

  let restored = false;
  let record = before;
  const targets = before?.targets;
  // A release that succeeded is the known-good version now: its lock is stale, its traffic stays.
  // One that already ended and was restored may no longer own the listener: a newer release can
  // have taken it since, so restoring again could flip that one back.
  const restoredAlready = endedBefore && before?.restoredAt !== undefined;
  if (targets && before?.status !== 'succeeded' && !restoredAlready) {
    await restoreTraffic(ports, listener, targets, accessScope(owner.environment, owner.releaseId, actor));
    restored = true;
    record = await store.update(
      owner.releaseId,
      owner.environment,
      { restoredAt: ports.now().toISOString() },
      { event: 'traffic_restored', detail: `all traffic on ${targets.live}` },
    );
  }
  await store.releaseLock(owner.environment, owner);
  log.info('release stopped', {
    releaseId: owner.releaseId,
    environment: owner.environment,
    status,
    restored,
  });
  return { record, restored };
}
