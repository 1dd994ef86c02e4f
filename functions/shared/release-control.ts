import { ReleaseLockedError, ReleaseQueuedError, RollbackError } from './domain/errors.js';
import type { ReleaseCause, ReleaseInput, ReleaseRecord, ReleaseStatus, Targets } from './domain/release.js';
import { TERMINAL_STATUSES } from './domain/release.js';
import { restoredWeights, weightsMatch } from './domain/traffic.js';
import { log } from './log.js';
import type { ExecutionStatus, ListenerRef, LockOwner, Ports } from './ports/index.js';

/**
 * Puts all traffic back on the live group and proves it by reading the listener back.
 * Idempotent: restoring a listener that is already 100/0 on the live group writes nothing.
 * Returns whether it had to write.
 */
export async function restoreTraffic(
  ports: Pick<Ports, 'trafficRouter'>,
  listener: ListenerRef,
  targets: Targets,
): Promise<boolean> {
  const router = ports.trafficRouter(listener);
  const wanted = restoredWeights(targets);
  if (weightsMatch(wanted, await router.readWeights())) return false;
  try {
    await router.shift(wanted);
  } catch (error) {
    throw new RollbackError(`restoring all traffic to ${targets.live} failed: ${(error as Error).message}`, {
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
  return !holder || (holder.releaseId === owner.releaseId && holder.executionName === owner.executionName);
}

export function isTerminal(record: ReleaseRecord | undefined): boolean {
  return record !== undefined && TERMINAL_STATUSES.includes(record.status);
}

/**
 * Ends a running release from outside its state machine (alarm event, abort, a newer push):
 * marks its record first, so a Task still in flight sees it and undoes its own write; stops the
 * execution; restores traffic; releases the lock. Every step is idempotent, so a retry finishes it.
 */
export async function stopRelease(
  ports: StopPorts,
  owner: LockOwner & { environment: string },
  listener: ListenerRef,
  status: Extract<ReleaseStatus, 'rolled_back' | 'aborted' | 'superseded' | 'failed'>,
  cause: ReleaseCause,
): Promise<{ record: ReleaseRecord | undefined; restored: boolean }> {
  const store = ports.releases();
  const before = await store.get(owner.releaseId, owner.environment);
  if (before && !isTerminal(before)) {
    await store.update(
      owner.releaseId,
      owner.environment,
      { status, cause, endedAt: ports.now().toISOString() },
      { event: status, detail: cause.message },
    );
  }
  await ports.orchestrator().stopExecution(owner.executionName, cause.error ?? status, cause.message);

  let restored = false;
  let record = before;
  const targets = before?.targets;
  // A release that succeeded is the known-good version now: its lock is stale, its traffic stays.
  if (targets && before?.status !== 'succeeded') {
    await restoreTraffic(ports, listener, targets);
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

/**
 * Takes the environment's lock for a release, applying the environment's policy when another
 * release holds it: supersede (stop the older, roll it back, then run), queue (retry later), reject.
 */
export async function acquireEnvironment(input: ReleaseInput, ports: StopPorts): Promise<void> {
  const { environment } = input;
  const store = ports.releases();
  const owner: LockOwner = { releaseId: input.release.id, executionName: input.executionName };
  const first = await store.acquireLock(environment.name, owner);
  if (first.acquired) return;

  const holder = first.holder;
  const holding = await store.get(holder.releaseId, environment.name);
  // A holder whose execution no longer runs will never free the lock itself: its end event
  // went astray (the guard's dead-letter queue) or it crashed before recording an outcome.
  const ended =
    holding && !isTerminal(holding) ? await endedExecution(ports, holder.executionName) : undefined;
  if (holding && ended) {
    await takeOverLock(
      ports,
      { ...holder, environment: environment.name },
      environment,
      holding,
      ended,
      input,
    );
    const taken = await store.acquireLock(environment.name, owner);
    if (taken.acquired) return;
    throw new ReleaseQueuedError(
      `environment ${environment.name} was taken by release ${taken.holder.releaseId} while clearing a stale lock`,
    );
  }
  const stale = holding === undefined || isTerminal(holding);
  if (!stale && environment.concurrency === 'reject') {
    throw new ReleaseLockedError(
      `environment ${environment.name} is busy with release ${holder.releaseId}; policy is reject`,
    );
  }
  if (!stale && environment.concurrency === 'queue') {
    throw new ReleaseQueuedError(
      `environment ${environment.name} is busy with release ${holder.releaseId}; queued`,
    );
  }
  await stopRelease(ports, { ...holder, environment: environment.name }, environment, 'superseded', {
    trigger: 'superseded',
    error: 'ReleaseSuperseded',
    message: stale
      ? `lock of ended release ${holder.releaseId} cleared`
      : `superseded by release ${input.release.id} (${input.release.sha.slice(0, 7)})`,
  });
  const second = await store.acquireLock(environment.name, owner);
  if (!second.acquired) {
    throw new ReleaseQueuedError(
      `environment ${environment.name} was taken by release ${second.holder.releaseId} while superseding`,
    );
  }
}

/** How a lock holder's execution ended, or undefined while it still runs. */
type Ended = { status: Exclude<ExecutionStatus, 'RUNNING'> | 'MISSING'; error?: string; cause?: string };

async function endedExecution(
  ports: Pick<Ports, 'orchestrator'>,
  executionName: string,
): Promise<Ended | undefined> {
  const execution = await ports.orchestrator().describeExecution(executionName);
  if (!execution) return { status: 'MISSING' };
  if (execution.status === 'RUNNING') return undefined;
  return { ...execution, status: execution.status };
}

/**
 * Clears the lock of a release whose execution ended without recording an outcome, as the
 * release guard would have on the execution's end event: a release that passed its watch
 * (only its final write failed) is recorded as succeeded and keeps its traffic; any other is
 * ended with its cause in words and its traffic restored to its live group.
 */
async function takeOverLock(
  ports: StopPorts,
  holder: LockOwner & { environment: string },
  listener: ListenerRef,
  record: ReleaseRecord,
  ended: Ended,
  by: ReleaseInput,
): Promise<void> {
  const how =
    ended.status === 'MISSING'
      ? `execution ${holder.executionName} does not exist`
      : `execution ${holder.executionName} ended ${ended.status}${ended.error ? ` with ${ended.error}` : ''}${ended.cause ? ` (${ended.cause.slice(0, 300)})` : ''}`;
  const message = `${how}, and release ${holder.releaseId} never recorded an outcome; its lock was taken over by release ${by.release.id} (${by.release.sha.slice(0, 7)})`;
  const store = ports.releases();
  // Another release may have taken it over meanwhile and own the listener now: leave it alone.
  const current = await store.lockHolder(holder.environment);
  if (current?.releaseId !== holder.releaseId || current.executionName !== holder.executionName) return;
  const passed =
    ended.status === 'SUCCEEDED' || (record.status === 'promoted' && ended.error === 'ReleaseNotRecorded');
  if (passed) {
    await store.update(
      holder.releaseId,
      holder.environment,
      { status: 'succeeded', endedAt: ports.now().toISOString() },
      { event: 'succeeded', detail: message },
    );
    await store.releaseLock(holder.environment, holder);
    return;
  }
  const status = ended.status === 'ABORTED' ? 'aborted' : record.steps.length > 0 ? 'rolled_back' : 'failed';
  await stopRelease(ports, holder, listener, status, {
    trigger: ended.status === 'TIMED_OUT' ? 'timeout' : ended.status === 'ABORTED' ? 'manual' : 'crash',
    error: 'StaleLock',
    message,
  });
}
