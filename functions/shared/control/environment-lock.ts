import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../domain/duration.js';
import {
  ContentionError,
  isCause,
  ReleaseLockedError,
  ReleaseQueuedError,
  ReleaseStoppedError,
  ReleaseSupersededError,
} from '../domain/errors.js';
import { QUEUE_WAIT_SECONDS } from '../domain/limits.js';
import { byReceipt, orderPushes, type PushOrder, type PushRef, shortSha } from '../domain/push-order.js';
import { PUSH_POLL_MS, PUSH_WAIT_MS, PushWaitBudget } from '../domain/push-wait.js';
import { isTerminal, type ReleaseInput, type ReleaseRecord, type Targets } from '../domain/release.js';
import type { ExecutionStatus, ListenerRef, LockOwner, Ports } from '../ports/index.js';
import {
  isOwner,
  MANUAL_LOCK_TTL_MS,
  manualLockSince,
  type StopPorts,
  stopRelease,
} from './release-control.js';

/*
 * Taking an environment for a release: one lock per environment (a conditional write), given in
 * the order of the pushes (domain/push-order.ts), with the environment's concurrency policy
 * applied to a newer push's predecessor and stale locks taken over. BeginRelease is the one caller.
 */

/** What taking an environment for a release touches: ending others, and the push log to order them. */
export type AcquirePorts = StopPorts & Pick<Ports, 'pushes'>;

/** Rounds of finding the lock taken by yet another release before handing the retry to the state machine. */
const LOCK_ROUNDS = 5;

/**
 * Takes the environment's lock for a release. Pushes are ordered by the pushes themselves (the
 * branch's push chain, domain/push-order.ts), never by which execution reached the lock first:
 * a release older than the one holding the environment, or than the newest one of its branch
 * that already began there, ends `superseded` at once and moves nothing. A newer one applies the
 * environment's policy to the holder: supersede (stop it, roll it back, then run), queue (retry
 * later), reject. A holder of another branch is met by `otherBranches` (ADR 0006): by default an
 * older push waits its turn. Losing a race for the lock is contention (ContentionError, retried),
 * never a failure.
 */
export async function acquireEnvironment(
  input: ReleaseInput,
  ports: AcquirePorts,
): Promise<{ superseded?: Targets }> {
  const { environment } = input;
  const store = ports.releases();
  const owner: LockOwner = { releaseId: input.release.id, executionName: input.executionName };
  const wait = new PushWaitBudget(ports.now().getTime(), async () => {
    const own = await ports.pushes().get(input.release.branch, input.release.sha);
    return own ? Date.parse(own.receivedAt) : undefined;
  });
  let superseded: Targets | undefined;
  for (let round = 1; round <= LOCK_ROUNDS; round++) {
    const attempt = await store.acquireLock(environment.name, owner);
    if (attempt.acquired) {
      if (await advanceBranchHead(input, ports, wait)) return superseded ? { superseded } : {};
      continue;
    }
    superseded = (await contend(input, attempt.holder, ports, wait)) ?? superseded;
  }
  throw new ContentionError(
    `environment ${environment.name} changed hands ${LOCK_ROUNDS} times while release ${input.release.id} tried to take it; retrying`,
  );
}

/**
 * Applies the order of pushes and the environment's policy to the release holding the lock.
 * Returns the targets of a holder it superseded that had begun (its traffic is restored).
 */
async function contend(
  input: ReleaseInput,
  holder: LockOwner,
  ports: AcquirePorts,
  wait: PushWaitBudget,
): Promise<Targets | undefined> {
  const { environment } = input;
  const store = ports.releases();
  // An operator's rollback holds the lock for the seconds it takes to restore and read back: a
  // release waits for it rather than clearing it (one left by a crashed CLI is stale after a while).
  const manualSince = manualLockSince(holder);
  if (manualSince !== undefined && ports.now().getTime() - manualSince < MANUAL_LOCK_TTL_MS) {
    throw new ReleaseQueuedError(
      `an operator's rollback holds ${environment.name} since ${new Date(manualSince).toISOString()}; the release waits for it`,
    );
  }
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
    return undefined;
  }
  if (holding === undefined || isTerminal(holding)) {
    await stopRelease(ports, { ...holder, environment: environment.name }, environment, 'superseded', {
      trigger: 'superseded',
      error: 'ReleaseSuperseded',
      message: `lock of ended release ${holder.releaseId} cleared`,
    });
    return undefined;
  }
  const order = await orderAgainst(input, { branch: holding.branch, sha: holding.sha }, ports, wait);
  // Across branches an older push is not contained in the newer one (only a branch's push chain
  // says that), so by default it waits its turn rather than being dropped (ADR 0006).
  const policy = environment.otherBranches ?? 'newer-first';
  if (
    holding.branch !== input.release.branch &&
    (policy === 'first-come' || (policy === 'newer-first' && order.order === 'older'))
  ) {
    throw new ReleaseQueuedError(
      `release ${holder.releaseId} of ${holding.branch} holds ${environment.name}${order.order === 'older' ? ` (${order.how})` : ''}; a release of another branch waits for it to end, for up to ${formatDuration(QUEUE_WAIT_SECONDS)}, and fails if it has not (otherBranches: ${policy})`,
    );
  }
  if (order.order === 'older') {
    await endSuperseded(
      input,
      ports,
      `release ${holder.releaseId} of a newer push holds ${environment.name}: ${order.how}; nothing moved`,
    );
  }
  const how = order.order === 'newer' ? order.how : `an earlier attempt of ${shortSha(holding.sha)}`;
  if (environment.concurrency === 'reject') {
    throw new ReleaseLockedError(
      `environment ${environment.name} is busy with release ${holder.releaseId}; policy is reject`,
    );
  }
  if (environment.concurrency === 'queue') {
    throw new ReleaseQueuedError(
      `environment ${environment.name} is busy with release ${holder.releaseId}; queued`,
    );
  }
  // The order may have taken seconds to learn: stop the holder only if it still holds the lock.
  const still = await store.lockHolder(environment.name);
  if (!still || !isOwner(still, holder)) return undefined;
  await stopRelease(ports, { ...holder, environment: environment.name }, environment, 'superseded', {
    trigger: 'superseded',
    error: 'ReleaseSuperseded',
    message: `superseded by release ${input.release.id} (${shortSha(input.release.sha)}): ${how}`,
  });
  return holding.targets;
}

/**
 * With the lock held: a release older than the newest push of its branch that already began in
 * the environment ends superseded; otherwise it becomes that newest push. False when another
 * release moved the head meanwhile (it superseded this one): the caller tries again.
 */
async function advanceBranchHead(
  input: ReleaseInput,
  ports: AcquirePorts,
  wait: PushWaitBudget,
): Promise<boolean> {
  const { environment, release } = input;
  const owner: LockOwner = { releaseId: release.id, executionName: input.executionName };
  const head = await ports.pushes().head(environment.name, release.branch);
  if (head && head.sha !== release.sha) {
    const order = await orderAgainst(input, { branch: head.branch, sha: head.sha }, ports, wait);
    if (order.order === 'older') {
      await ports.releases().releaseLock(environment.name, owner);
      await endSuperseded(
        input,
        ports,
        `release ${head.releaseId} of a newer push already began in ${environment.name}: ${order.how}; nothing moved`,
      );
    }
  }
  const moved = await ports
    .pushes()
    .advanceHead(
      { environment: environment.name, branch: release.branch, sha: release.sha, ...owner },
      head?.sha,
    );
  if (!moved) await ports.releases().releaseLock(environment.name, owner);
  return moved;
}

/**
 * Orders this release's push against another's by the push log, waiting (within the release's
 * PushWaitBudget) for a push between them that has not been received yet. GitHub does not redeliver a
 * failed delivery by itself, so one that never comes does not hold the environment: then the
 * push received later counts as newer, and the record says so.
 */
async function orderAgainst(
  input: ReleaseInput,
  other: { branch: string; sha: string },
  ports: Pick<Ports, 'pushes' | 'now'>,
  wait: PushWaitBudget,
): Promise<Exclude<PushOrder, { order: 'unknown' }>> {
  const { release } = input;
  const log = ports.pushes();
  const own = await log.get(release.branch, release.sha);
  const me: PushRef = {
    branch: release.branch,
    sha: release.sha,
    ...(release.before ? { before: release.before } : {}),
    ...(release.pushedAt !== undefined ? { pushedAt: release.pushedAt } : {}),
    ...(own?.receivedAt ? { receivedAt: own.receivedAt } : {}),
  };
  const recorded = await log.get(other.branch, other.sha);
  const them: PushRef = { ...recorded, ...other };
  const beforeOf = async (sha: string) => {
    const push = await log.get(release.branch, sha);
    return push ? (push.before ?? NO_PARENT) : undefined;
  };
  for (;;) {
    const order = await orderPushes(me, them, beforeOf);
    if (order.order !== 'unknown') return order;
    if (await wait.exhausted(ports.now().getTime())) {
      return byReceipt(
        me,
        them,
        `push ${shortSha(order.missing)} between ${shortSha(me.sha)} and ${shortSha(them.sha)} was not received within ${PUSH_WAIT_MS / 1000} s (or its record expired)`,
      );
    }
    wait.spend();
    await sleep(PUSH_POLL_MS);
  }
}

const NO_PARENT = '0'.repeat(40);

/** Ends this release as superseded by a newer push, before it moved anything. */
async function endSuperseded(input: ReleaseInput, ports: AcquirePorts, message: string): Promise<never> {
  const { release, environment } = input;
  const store = ports.releases();
  const record = await store.get(release.id, environment.name);
  if (record && !isTerminal(record)) {
    await store
      .update(
        release.id,
        environment.name,
        {
          status: 'superseded',
          cause: { trigger: 'superseded', error: 'ReleaseSuperseded', message },
          endedAt: ports.now().toISOString(),
        },
        { event: 'superseded', detail: message },
        { whileRunning: true },
      )
      .catch((error: unknown) => {
        // Ended meanwhile by someone else (an abort): that end and its cause stand.
        if (!(error instanceof ReleaseStoppedError)) throw error;
      });
  }
  throw new ReleaseSupersededError(message);
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
  if (!current || !isOwner(current, holder)) return;
  const passed =
    ended.status === 'SUCCEEDED' ||
    (record.status === 'promoted' && isCause(ended.error, 'ReleaseNotRecorded'));
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
