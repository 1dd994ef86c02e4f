import { MemoryPushLog } from '../../embedded/adapters/memory-push-log.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalTrafficRouter } from '../../embedded/adapters/traffic-router.js';
import { LocalAlb } from '../../embedded/alb.js';
import { createBeginReleaseHandler } from '../../functions/begin-release/begin-release.js';
import { MANUAL_LOCK_TTL_MS, manualLockOwner } from '../../functions/shared/control/release-control.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import {
  type ExecutionDescription,
  type Orchestrator,
  systemClock,
} from '../../functions/shared/ports/index.js';
import { fixedClock, NOW, taskContext } from '../support/ports.js';
import { recordOf, releaseInput, shaOf } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const shortOf = (input: ReleaseInput) => input.release.sha.slice(0, 7);

const unused = async (): Promise<never> => {
  throw new Error('not used by BeginRelease');
};

/**
 * The Orchestrator port as BeginRelease reaches it: every other release's execution is still
 * running unless a test ends it; stops and descriptions are recorded.
 */
class RecordingOrchestrator implements Orchestrator {
  readonly stops: { executionName: string; error: string; cause: string }[] = [];
  readonly described: string[] = [];
  readonly ended = new Map<string, ExecutionDescription>();
  startRelease = unused;
  startPipeline = unused;
  sendTaskSuccess = unused;
  sendTaskFailure = unused;
  executionStatus = unused;

  async stopExecution(executionName: string, error: string, cause: string): Promise<void> {
    this.stops.push({ executionName, error, cause });
  }

  async describeExecution(executionName: string): Promise<ExecutionDescription> {
    this.described.push(executionName);
    return this.ended.get(executionName) ?? { status: 'RUNNING' };
  }
}

describe('Handler: begin-release', () => {
  let store: MemoryReleaseStore;
  let pushes: MemoryPushLog;
  let lb: FakeLoadBalancer;
  let orchestrator: RecordingOrchestrator;
  let input: ReleaseInput;
  let blue: string;
  let green: string;

  const begin = (release: ReleaseInput = input) =>
    createBeginReleaseHandler({
      trafficRouter: lb.router,
      releases: () => store,
      pushes: () => pushes,
      orchestrator: () => orchestrator,
      now: fixedClock,
    })({ input: release }, taskContext);

  const record = (releaseId: string) => store.get(releaseId, 'dev');
  const lock = () => store.lockHolder('dev');

  /** An older release of dev, recorded and holding the lock. */
  async function olderHolding(executionName: string, overrides: Parameters<typeof recordOf>[1] = {}) {
    const older = releaseInput('dev');
    older.release.id = 'checkout-0123456789ab';
    older.executionName = executionName;
    await store.create(recordOf(older, overrides));
    await store.acquireLock('dev', { releaseId: older.release.id, executionName });
    return older;
  }

  beforeEach(() => {
    store = new MemoryReleaseStore(fixedClock);
    pushes = new MemoryPushLog();
    orchestrator = new RecordingOrchestrator();
    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 0, [green]: 100 });
  });

  it('derives the live group from the listener, takes the lock and records the release', async () => {
    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(lb.reads).toEqual([input.environment.listenerArn]);
    expect(await lock()).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    expect(await record(input.release.id)).toMatchObject({
      status: 'in_progress',
      targets: { live: green, idle: blue },
      executionName: input.executionName,
      sha: input.release.sha,
      steps: [],
    });
    expect(lb.writes).toHaveLength(0);
  });

  // A target whose group no listener or rule uses is `unused` ("Target.NotInUse - The target
  // group is not used by any load balancer", ELBv2 API reference, TargetHealth), so the idle group
  // of a listener that forwards to the live group alone could never pass the health gate. How the
  // ELBv2 adapter writes that forward action: test/aws/elbv2-traffic-router.test.ts.
  it('attaches the idle group at weight 0 where the listener forwards to the live group alone', async () => {
    // Prepare: the listener forwards to green alone
    lb.serve(input.environment, { [green]: 100 });

    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(lb.writes).toEqual([
      { target: input.environment.listenerArn, weights: { [green]: 100, [blue]: 0 } },
    ]);
    expect(lb.serving(input.environment)).toEqual({ [green]: 100, [blue]: 0 });
    expect((await record(input.release.id))?.history.map((h) => h.event)).toEqual([
      'started',
      'began',
      'idle_attached',
    ]);
  });

  it('keeps the first reading when BeginRelease is retried', async () => {
    // Prepare
    await begin();
    lb.serve(input.environment, { [blue]: 100, [green]: 0 });

    // Act
    const again = await begin();

    // Assess
    expect(again).toEqual({ live: green, idle: blue });
  });

  it('fails with ListenerStateError when the listener is split between the groups', async () => {
    // Prepare
    lb.serve(input.environment, { [blue]: 90, [green]: 10 });

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({
      name: 'ListenerStateError',
      message: expect.stringContaining('listener is split (blue 90 / green 10)'),
    });
    // Recorded while it waited for the lock; RecordNotStarted ends it with this error.
    expect(await record(input.release.id)).toMatchObject({ status: 'pending', steps: [] });
    expect((await record(input.release.id))?.targets).toBeUndefined();
  });

  describe('target group stickiness', () => {
    // "Stickiness takes precedence over adjusting Weight … ALB keeps forwarding to the target
    // group due to the stickiness and this will result in 503 errors … until sticky session
    // expires" (AWS re:Post, "ALB to automatically redirect traffic"); TargetGroupStickinessConfig
    // DurationSeconds is 1–604,800 (ELBv2 API reference).
    const scaledDown = (previousDesiredCount?: number) => {
      input.environment.watchSeconds = 300;
      input.environment.deploy = {
        provider: 'ecs',
        cluster: 'checkout-dev',
        services: { blue: 'checkout-dev-blue', green: 'checkout-dev-green' },
        timeoutSeconds: 600,
        ...(previousDesiredCount === undefined ? {} : { previousDesiredCount }),
      };
    };

    it('refuses with StickinessError, before writing anything, stickiness that outlasts the watch before a scale-down', async () => {
      // Prepare: the listener forwards to green alone, so BeginRelease would attach blue
      scaledDown(0);
      lb.serve(input.environment, { [green]: 100 }).stick(input.environment, 3600);

      // Act + Assess
      await expect(begin()).rejects.toMatchObject({
        name: 'StickinessError',
        message: expect.stringContaining("stickiness lasts 3600s, longer than dev's watch (300s)"),
      });
      expect(lb.writes).toEqual([]);
      expect((await record(input.release.id))?.targets).toBeUndefined();
    });

    it.each<[string, number | undefined, number]>([
      ['stickiness no longer than the watch', 0, 300],
      ['no scale-down of the previous version', undefined, 604_800],
    ])('begins with %s', async (_case, previousDesiredCount, durationSeconds) => {
      // Prepare
      scaledDown(previousDesiredCount);
      lb.stick(input.environment, durationSeconds);

      // Act + Assess
      await expect(begin()).resolves.toEqual({ live: green, idle: blue });
    });
  });

  it('fails with ListenerStateError when the listener forwards to a group outside the environment', async () => {
    // Prepare
    const foreign =
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/someone-else/0123456789abcdef';
    lb.serve(input.environment, { [foreign]: 100 });

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({
      name: 'ListenerStateError',
      message: expect.stringContaining(foreign),
    });
  });

  it('supersedes a running older release: marks it, stops its execution, restores its traffic', async () => {
    // Prepare: an older release of dev is at its 10% step
    const older = await olderHolding(`dev-acme-checkout-${'0123456789ab'.padEnd(40, '0')}`, {
      targets: { live: green, idle: blue },
    });
    lb.serve(input.environment, { [green]: 90, [blue]: 10 });

    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(lb.serving(input.environment)).toEqual({ [green]: 100, [blue]: 0 });
    expect(await record(older.release.id)).toMatchObject({
      status: 'superseded',
      cause: { trigger: 'superseded' },
      restoredAt: expect.any(String),
    });
    expect(orchestrator.stops.map((s) => s.executionName)).toEqual([older.executionName]);
    expect(await lock()).toEqual({ releaseId: input.release.id, executionName: input.executionName });
  });

  describe('a lock whose holder no longer runs', () => {
    const olderExecution = `dev-acme-checkout-${'0123456789ab'.padEnd(40, '0')}`;

    it('takes over a stale lock even under the reject policy: restores traffic and ends the holder with its cause in words', async () => {
      // Prepare: the older release crashed at its 10% step; its end event never reached the guard
      const step = {
        index: 0,
        weight: 10,
        observed: { [green]: 90, [blue]: 10 },
        at: '2026-01-01T00:05:00.000Z',
      };
      const older = await olderHolding(olderExecution, {
        targets: { live: green, idle: blue },
        steps: [step],
      });
      orchestrator.ended.set(older.executionName, {
        status: 'FAILED',
        error: 'RollbackError',
        cause: 'Restoring the live target group failed.',
      });
      lb.serve(input.environment, { [green]: 90, [blue]: 10 });
      input.environment.concurrency = 'reject';

      // Act
      const targets = await begin();

      // Assess
      expect(orchestrator.described[0]).toBe(older.executionName);
      expect(lb.serving(input.environment)).toEqual({ [green]: 100, [blue]: 0 });
      expect(targets).toEqual({ live: green, idle: blue });
      expect(await record(older.release.id)).toMatchObject({
        status: 'rolled_back',
        restoredAt: expect.any(String),
        cause: {
          trigger: 'crash',
          error: 'StaleLock',
          message: `execution ${older.executionName} ended FAILED with RollbackError (Restoring the live target group failed.), and release ${older.release.id} never recorded an outcome; its lock was taken over by release ${input.release.id} (${input.release.sha.slice(0, 7)})`,
        },
      });
      expect(await lock()).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    });

    it('records a holder that passed its watch but failed only its final write as succeeded, keeping its traffic', async () => {
      // Prepare: promoted to green, watch passed, Complete could not write (ReleaseNotRecorded)
      const older = await olderHolding(olderExecution, {
        status: 'promoted',
        targets: { live: blue, idle: green },
      });
      orchestrator.ended.set(older.executionName, { status: 'FAILED', error: 'ReleaseNotRecorded' });
      input.environment.concurrency = 'queue';

      // Act
      const targets = await begin();

      // Assess
      expect(lb.writes).toHaveLength(0);
      expect(targets).toEqual({ live: green, idle: blue });
      expect(await record(older.release.id)).toMatchObject({ status: 'succeeded' });
      expect(await lock()).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    });

    it('ends a holder whose execution timed out with a timeout cause', async () => {
      // Prepare: the release had not moved traffic yet
      const older = await olderHolding(olderExecution, { targets: { live: green, idle: blue } });
      orchestrator.ended.set(older.executionName, { status: 'TIMED_OUT', error: 'States.Timeout' });
      input.environment.concurrency = 'queue';

      // Act
      await begin();

      // Assess
      expect(await record(older.release.id)).toMatchObject({
        status: 'failed',
        cause: {
          trigger: 'timeout',
          message: expect.stringContaining('ended TIMED_OUT with States.Timeout'),
        },
      });
      expect((await lock())?.releaseId).toBe(input.release.id);
    });
  });

  it('fails with ReleaseLockedError when another release runs and the policy is reject', async () => {
    // Prepare
    await olderHolding('dev-older');
    input.environment.concurrency = 'reject';

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({ name: 'ReleaseLockedError' });
    expect(orchestrator.stops).toHaveLength(0);
  });

  describe('a lock an operator’s rollback holds', () => {
    it('waits for it (ReleaseQueuedError) instead of clearing it, whatever the policy', async () => {
      // Prepare: `sluice rollback` took dev's lock a minute ago and is restoring the listener
      const owner = manualLockOwner(new Date(fixedClock().getTime() - 60_000));
      await store.acquireLock('dev', owner);

      // Act + Assess
      await expect(begin()).rejects.toMatchObject({ name: 'ReleaseQueuedError' });
      expect(await lock()).toEqual(owner);
      expect(lb.writes).toEqual([]);
    });

    it('clears one a crashed CLI left behind, once it is older than a manual action can take', async () => {
      const owner = manualLockOwner(new Date(fixedClock().getTime() - MANUAL_LOCK_TTL_MS - 1_000));
      await store.acquireLock('dev', owner);

      await begin();

      expect(await lock()).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    });
  });

  it('fails with ReleaseQueuedError, for the state machine to retry, when the policy is queue', async () => {
    // Prepare
    await olderHolding('dev-older');
    input.environment.concurrency = 'queue';

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({ name: 'ReleaseQueuedError' });
    expect(orchestrator.described).toEqual(['dev-older']);
  });
});

/*
 * GitHub's push payload: `before` is "the SHA of the most recent commit on ref before the push".
 * The webhook records each push on receipt (PushLog); BeginRelease orders a release against the
 * lock holder and the branch's newest push in the environment by that chain, since deliveries
 * (and so executions) reach the lock in no particular order.
 */
describe('Handler: begin-release, in the order of the pushes', () => {
  let store: MemoryReleaseStore;
  let pushes: MemoryPushLog;
  let lb: FakeLoadBalancer;
  let orchestrator: RecordingOrchestrator;
  let clock: () => Date;
  const ZERO = '0'.repeat(40);

  /** A release of a push of `label` on top of `before` (a label, or the branch's creation). */
  function pushOf(label: string, before?: string): ReleaseInput {
    const input = releaseInput('dev');
    const sha = shaOf(label);
    input.release = {
      ...input.release,
      id: `checkout-${sha.slice(0, 12)}`,
      sha,
      version: sha,
      before: before ? shaOf(before) : ZERO,
      pushedAt: 1_795_000_000,
    };
    input.executionName = `dev-acme-checkout-${sha}`;
    return input;
  }

  const received = (input: ReleaseInput, receivedAt = NOW) =>
    pushes.record({
      branch: input.release.branch,
      sha: input.release.sha,
      before: input.release.before!,
      pushedAt: input.release.pushedAt!,
      receivedAt,
    });
  const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

  const begin = (input: ReleaseInput) =>
    createBeginReleaseHandler({
      trafficRouter: lb.router,
      releases: () => store,
      pushes: () => pushes,
      orchestrator: () => orchestrator,
      now: clock,
    })({ input }, taskContext);

  /** A release that took dev's lock and began, as BeginRelease leaves it. */
  async function holding(input: ReleaseInput) {
    await received(input);
    await begin(input);
  }

  beforeEach(() => {
    store = new MemoryReleaseStore(fixedClock);
    pushes = new MemoryPushLog();
    orchestrator = new RecordingOrchestrator();
    clock = fixedClock;
    const env = releaseInput('dev').environment;
    lb = new FakeLoadBalancer().serve(env, { [env.targetGroups.blue]: 100, [env.targetGroups.green]: 0 });
  });

  it('ends an older push superseded at once, moving nothing, when a newer push of its branch holds the environment', async () => {
    // Prepare: b was pushed on top of a; b's delivery reached the lock first
    const a = pushOf('a');
    const b = pushOf('b', 'a');
    await received(a);
    await holding(b);
    const writes = lb.writes.length;

    // Act
    const caught = await begin(a).catch((error: unknown) => error);

    // Assess
    const message = `release ${b.release.id} of a newer push holds dev: ${shortOf(b)} was pushed to ${b.release.branch} after ${shortOf(a)} (the next push); nothing moved`;
    expect(caught).toMatchObject({ name: 'ReleaseSupersededError', message });
    expect(await store.get(a.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      steps: [],
      cause: { trigger: 'superseded', error: 'ReleaseSuperseded', message },
    });
    expect(await store.get(b.release.id, 'dev')).toMatchObject({ status: 'in_progress' });
    expect(await store.lockHolder('dev')).toEqual({
      releaseId: b.release.id,
      executionName: b.executionName,
    });
    expect(orchestrator.stops).toEqual([]);
    expect(lb.writes).toHaveLength(writes);
  });

  it('supersedes the older push that holds the environment, saying in words which push is newer', async () => {
    // Prepare
    const a = pushOf('a');
    const b = pushOf('b', 'a');
    await holding(a);
    await received(b);

    // Act
    await begin(b);

    // Assess
    expect(await store.get(a.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      cause: {
        trigger: 'superseded',
        message: `superseded by release ${b.release.id} (${shortOf(b)}): ${shortOf(b)} was pushed to ${b.release.branch} after ${shortOf(a)} (the next push)`,
      },
    });
    expect(orchestrator.stops.map((stop) => stop.executionName)).toEqual([a.executionName]);
    expect(await store.lockHolder('dev')).toEqual({
      releaseId: b.release.id,
      executionName: b.executionName,
    });
  });

  it('ends an older push superseded when a newer push of its branch already began here, though the lock is free again', async () => {
    // Prepare: c (three pushes after a) began and ended; a's delivery comes last
    const a = pushOf('a');
    await received(a);
    await received(pushOf('b', 'a'));
    const c = pushOf('c', 'b');
    await holding(c);
    await store.releaseLock('dev', { releaseId: c.release.id, executionName: c.executionName });

    // Act + Assess
    await expect(begin(a)).rejects.toMatchObject({
      name: 'ReleaseSupersededError',
      message: expect.stringContaining(
        `already began in dev: ${shortOf(c)} was pushed to ${c.release.branch} after ${shortOf(a)} (2 pushes later)`,
      ),
    });
    expect(await store.lockHolder('dev')).toBeUndefined();
    expect(await pushes.head('dev', a.release.branch)).toMatchObject({ sha: c.release.sha });
  });

  it('waits for a push between it and the holder that has not been received yet, then orders by it', async () => {
    // Prepare: a holds dev; c was pushed on top of b, whose delivery is still on its way
    const a = pushOf('a');
    const b = pushOf('b', 'a');
    const c = pushOf('c', 'b');
    await holding(a);
    await received(c);
    setTimeout(() => void received(b), 300);

    // Act
    await begin(c);

    // Assess
    expect(await store.get(a.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      cause: { message: expect.stringContaining('(2 pushes later)') },
    });
    expect((await store.lockHolder('dev'))?.releaseId).toBe(c.release.id);
  });

  it('goes by receipt time, and says so, when the push in between never arrives within the wait', async () => {
    // Prepare: b's delivery failed for good (GitHub does not redeliver by itself); the clock runs 6 s per reading
    const a = pushOf('a');
    const c = pushOf('c', 'b');
    await holding(a);
    await received(c, later(1_000));
    let t = Date.parse(NOW);
    clock = () => {
      t += 6_000;
      return new Date(t);
    };

    // Act
    await begin(c);

    // Assess
    expect(await store.get(a.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      cause: {
        message: `superseded by release ${c.release.id} (${shortOf(c)}): push ${shaOf('b').slice(0, 7)} between ${shortOf(c)} and ${shortOf(a)} was not received within 10 s (or its record expired); the webhook received ${shortOf(c)} (${c.release.branch}) 1000 ms after ${shortOf(a)} (${a.release.branch})`,
      },
    });
  });

  it('does not wait again for a missing push once its own push was received more than 10 s ago (a retried BeginRelease)', async () => {
    // Prepare: c's push came 60 s ago; b (between a and c) never arrived; the clock stands still
    const a = pushOf('a');
    const c = pushOf('c', 'b');
    await received(a, new Date(Date.parse(NOW) - 120_000).toISOString());
    await begin(a);
    await pushes.record({
      branch: c.release.branch,
      sha: c.release.sha,
      before: c.release.before!,
      pushedAt: c.release.pushedAt!,
      receivedAt: new Date(Date.parse(NOW) - 60_000).toISOString(),
    });
    const get = pushes.get.bind(pushes);
    let lookups = 0;
    pushes.get = (branch, sha) => {
      lookups++;
      return get(branch, sha);
    };

    // Act
    await begin(c);

    // Assess: ordered by receipt at once, without polling for b
    expect(await store.get(a.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      cause: { message: expect.stringContaining('was not received within 10 s') },
    });
    expect(lookups).toBeLessThan(10);
  });

  it('puts back a superseded release’s canary write that landed after its restore, then begins', async () => {
    // Prepare: a is at its 25% step when c supersedes it; a's in-flight write lands just after
    // the restore that ended it. StopExecution ends the execution, not a Lambda invocation it
    // already started, which runs to its end (I found no AWS page that says so either way; the
    // code is safe whether or not the late write can happen)
    const a = pushOf('a');
    const c = pushOf('c', 'a');
    await holding(a);
    const { blue, green } = a.environment.targetGroups;
    await store.update(
      a.release.id,
      'dev',
      { steps: [{ index: 0, weight: 25, observed: {}, at: NOW }] },
      { event: 'shifted' },
    );
    lb.serve(a.environment, { [blue]: 75, [green]: 25 });
    await received(c);
    const release = store.releaseLock.bind(store);
    store.releaseLock = async (environment, owner) => {
      await release(environment, owner);
      if (owner.releaseId === a.release.id) lb.serve(a.environment, { [blue]: 75, [green]: 25 });
    };

    // Act
    const targets = await begin(c);

    // Assess
    expect(targets).toEqual({ live: blue, idle: green });
    expect(lb.serving(a.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect(await store.get(c.release.id, 'dev')).toMatchObject({ status: 'in_progress' });
  });

  describe('against a release of another branch (otherBranches, ADR 0006)', () => {
    /** A push of `label` to `branch`, received `ms` after NOW, all in the same second of push time. */
    async function onBranch(label: string, branch: string, ms: number) {
      const input = pushOf(label);
      input.release.branch = branch;
      input.executionName = `dev-acme-checkout-${branch.replace(/\W/g, '')}-${input.release.sha}`;
      await received(input, later(ms));
      return input;
    }

    // The reported case (issue 16, item 6): release/1.0 pushed, hotfix/x pushed 5 ms later; the
    // release reaches the lock last because it walked dev and staging first.
    it('lets an older push of another branch wait for the newer holder (newer-first, the default), instead of superseding it', async () => {
      // Prepare
      const hotfix = await onBranch('hotfix', 'hotfix/x', 5);
      const release = await onBranch('release', 'release/1.0', 0);
      await begin(hotfix);

      // Act + Assess
      await expect(begin(release)).rejects.toMatchObject({
        name: 'ReleaseQueuedError',
        message: expect.stringContaining('received'),
      });
      expect(await store.get(hotfix.release.id, 'dev')).toMatchObject({ status: 'in_progress' });
      expect(await store.get(release.release.id, 'dev')).toMatchObject({ status: 'pending' });
      expect(orchestrator.stops).toEqual([]);
    });

    it('lets a newer push of another branch supersede the holder (newer-first with concurrency supersede)', async () => {
      // Prepare
      const release = await onBranch('release', 'release/1.0', 0);
      const hotfix = await onBranch('hotfix', 'hotfix/x', 5);
      await begin(release);

      // Act
      await begin(hotfix);

      // Assess
      expect(await store.get(release.release.id, 'dev')).toMatchObject({
        status: 'superseded',
        cause: { message: expect.stringContaining('5 ms after') },
      });
      expect((await store.lockHolder('dev'))?.releaseId).toBe(hotfix.release.id);
    });

    it('ends an older push of another branch superseded with newest-only', async () => {
      // Prepare
      const hotfix = await onBranch('hotfix', 'hotfix/x', 5);
      const release = await onBranch('release', 'release/1.0', 0);
      await begin(hotfix);
      release.environment.otherBranches = 'newest-only';

      // Act + Assess
      await expect(begin(release)).rejects.toMatchObject({ name: 'ReleaseSupersededError' });
      expect(await store.get(release.release.id, 'dev')).toMatchObject({ status: 'superseded' });
    });

    it('lets neither stop the other with first-come: a newer push waits too', async () => {
      // Prepare
      const release = await onBranch('release', 'release/1.0', 0);
      const hotfix = await onBranch('hotfix', 'hotfix/x', 5);
      await begin(release);
      hotfix.environment.otherBranches = 'first-come';

      // Act + Assess
      await expect(begin(hotfix)).rejects.toMatchObject({ name: 'ReleaseQueuedError' });
      expect(await store.get(release.release.id, 'dev')).toMatchObject({ status: 'in_progress' });
    });
  });

  // One record per commit and environment: the same commit pushed to a branch of another route
  // (its own execution name, R6) must not overwrite the record of the execution that releases it.
  it('waits while another running execution releases the same commit here, then takes over as a new attempt', async () => {
    // Prepare
    const viaHotfix = pushOf('same');
    viaHotfix.release.branch = 'hotfix/x';
    viaHotfix.executionName = 'dev-acme-checkout-rhotfix-same';
    await received(viaHotfix);
    await begin(viaHotfix);
    const viaMain = pushOf('same');
    viaMain.release.branch = 'main';
    viaMain.executionName = 'dev-acme-checkout-rmain-same';
    await received(viaMain, later(1_000));

    // Act + Assess: while the hotfix execution runs
    await expect(begin(viaMain)).rejects.toMatchObject({
      name: 'ReleaseQueuedError',
      message: expect.stringContaining(
        'is being released in dev by execution dev-acme-checkout-rhotfix-same',
      ),
    });
    expect(await store.get(viaHotfix.release.id, 'dev')).toMatchObject({
      executionName: 'dev-acme-checkout-rhotfix-same',
      status: 'in_progress',
    });

    // Act + Assess: once it succeeded and freed the lock
    await store.update(viaHotfix.release.id, 'dev', { status: 'succeeded' }, { event: 'succeeded' });
    await store.releaseLock('dev', {
      releaseId: viaHotfix.release.id,
      executionName: viaHotfix.executionName,
    });
    orchestrator.ended.set(viaHotfix.executionName, { status: 'SUCCEEDED' });
    await begin(viaMain);
    expect(await store.get(viaMain.release.id, 'dev')).toMatchObject({
      executionName: 'dev-acme-checkout-rmain-same',
      status: 'in_progress',
    });
  });

  it('reports losing the lock round after round as ContentionError, for the state machine to retry', async () => {
    // Prepare: each time this release tries, yet another release (that nothing orders before it) has just taken the lock
    const c = pushOf('c');
    await received(c, later(1_000));
    let n = 0;
    const acquire = store.acquireLock.bind(store);
    store.acquireLock = async (environment, owner) => {
      const other = pushOf(`other-${n++}`);
      await received(other);
      await store.create({ ...recordOf(other), status: 'pending', targets: undefined });
      await store.releaseLock(environment, (await store.lockHolder(environment)) ?? owner);
      await acquire(environment, { releaseId: other.release.id, executionName: other.executionName });
      return acquire(environment, owner);
    };

    // Act + Assess
    await expect(begin(c)).rejects.toMatchObject({
      name: 'ContentionError',
      message: `environment dev changed hands 5 times while release ${c.release.id} tried to take it; retrying`,
    });
    expect(await store.get(c.release.id, 'dev')).toMatchObject({ status: 'pending' });
  });
});

describe('Handler: begin-release, on the embedded adapters', () => {
  let alb: LocalAlb;
  let store: MemoryReleaseStore;
  let input: ReleaseInput;
  const orchestrator: Orchestrator = {
    startRelease: async () => ({ started: false, reason: 'exists' }),
    startPipeline: async () => ({ started: false, reason: 'exists' }),
    stopExecution: async () => {},
    sendTaskSuccess: async () => 'delivered' as const,
    sendTaskFailure: async () => 'delivered' as const,
    executionStatus: async () => 'RUNNING',
    describeExecution: async (name) =>
      name === 'dev-crashed' ? { status: 'FAILED', error: 'RollbackError' } : { status: 'RUNNING' },
  };

  beforeEach(async () => {
    alb = new LocalAlb();
    await alb.addListener(releaseInput('dev').environment.listenerArn);
    store = new MemoryReleaseStore();
    input = releaseInput('dev');
  });

  afterEach(() => alb.close());

  const begin = createBeginReleaseHandler({
    trafficRouter: (listener) => new LocalTrafficRouter(alb, listener),
    releases: () => store,
    pushes: () => new MemoryPushLog(),
    orchestrator: () => orchestrator,
    now: systemClock,
  });

  it('attaches the idle group at weight 0 where the listener forwards to the live group alone, in one write', async () => {
    // Prepare
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 100 });
    const writes = alb.epochs(listenerArn).length;

    // Act
    const targets = await begin({ input }, taskContext);

    // Assess
    expect(targets).toEqual({ live: targetGroups.blue, idle: targetGroups.green });
    expect(alb.readWeights(listenerArn)).toEqual({ [targetGroups.blue]: 100, [targetGroups.green]: 0 });
    expect(alb.epochs(listenerArn).length - writes).toBe(1);
    expect(alb.inUse(targetGroups.green)).toBe(true);
  });

  it('never revives a release that was ended before it began: frees the lock and moves nothing', async () => {
    // Prepare: superseded while its BeginRelease waited (or ran past its task timeout)
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 100, [targetGroups.green]: 0 });
    await store.create({ ...recordOf(input), targets: undefined, status: 'superseded' });
    const writes = alb.epochs(listenerArn).length;

    // Act
    const caught = await begin({ input }, taskContext).catch((e: unknown) => e);

    // Assess
    expect(caught).toMatchObject({ name: 'ReleaseStoppedError' });
    expect((await store.get(input.release.id, 'dev'))?.status).toBe('superseded');
    expect(await store.lockHolder('dev')).toBeUndefined();
    expect(alb.epochs(listenerArn).length).toBe(writes);
  });

  it('writes nothing where the listener already lists both groups', async () => {
    // Prepare
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 0, [targetGroups.green]: 100 });
    const writes = alb.epochs(listenerArn).length;

    // Act
    await begin({ input }, taskContext);

    // Assess
    expect(alb.epochs(listenerArn).length).toBe(writes);
    expect((await store.get(input.release.id, 'dev'))?.history.map((h) => h.event)).toEqual([
      'started',
      'began',
    ]);
  });

  it('leaves a stale lock and its listener alone when another release took it over first', async () => {
    // Prepare: a crashed release holds the lock at its 25% step; between this release's failed
    // lock attempt and its takeover, another release takes the lock over
    const { listenerArn, targetGroups } = input.environment;
    const crashed = releaseInput('dev');
    crashed.release.id = 'checkout-crashed';
    crashed.executionName = 'dev-crashed';
    await store.create(recordOf(crashed));
    await store.acquireLock('dev', { releaseId: 'checkout-crashed', executionName: 'dev-crashed' });
    alb.setWeights(listenerArn, { [targetGroups.blue]: 75, [targetGroups.green]: 25 });
    const other = { releaseId: 'checkout-other', executionName: 'dev-other' };
    const otherInput = releaseInput('dev');
    otherInput.release = { ...otherInput.release, id: other.releaseId };
    otherInput.executionName = other.executionName;
    await store.create(recordOf(otherInput, { status: 'pending', targets: undefined }));
    input.environment.concurrency = 'queue';
    const lockHolder = store.lockHolder.bind(store);
    store.lockHolder = async (environment) => {
      await store.releaseLock('dev', { releaseId: 'checkout-crashed', executionName: 'dev-crashed' });
      await store.acquireLock('dev', other);
      return lockHolder(environment);
    };

    // Act
    const caught = await begin({ input }, taskContext).catch((e: unknown) => e);

    // Assess
    expect(caught).toMatchObject({ name: 'ReleaseQueuedError' });
    expect((await store.get('checkout-crashed', 'dev'))?.status).toBe('in_progress');
    expect(alb.readWeights(listenerArn)).toEqual({ [targetGroups.blue]: 75, [targetGroups.green]: 25 });
    expect(await lockHolder('dev')).toEqual(other);
  });
});
