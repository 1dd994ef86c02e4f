import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createRollbackHandler } from '../../functions/rollback/rollback.js';
import type { ReleaseInput, Targets } from '../../functions/shared/domain/release.js';
import { fixedClock, NOW, storeWith, taskContext } from '../support/ports.js';
import { blueLive, releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const ALARM_MESSAGE = 'ALARM checkout-dev-5xx: checkout-dev-5xx: Threshold Crossed';
/** How Step Functions delivers a Lambda's error to a Catch: the Cause is the error object as JSON. */
const caught = (error: string, errorMessage: string) => ({
  Error: error,
  Cause: JSON.stringify({ errorType: error, errorMessage, trace: [] }),
});

describe('Handler: rollback', () => {
  let store: MemoryReleaseStore;
  let lb: FakeLoadBalancer;
  let input: ReleaseInput;
  let blue: string;
  let green: string;

  const rollback = (
    error = caught('AlarmFiredError', ALARM_MESSAGE),
    targets: Targets | null = blueLive(input),
  ) =>
    createRollbackHandler({ trafficRouter: lb.router, releases: () => store, now: fixedClock })(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        ...(targets ? { targets } : {}),
        error,
      },
      taskContext,
    );

  const record = () => store.get(input.release.id, 'dev');
  const owner = () => ({ releaseId: input.release.id, executionName: input.executionName });

  beforeEach(async () => {
    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    store = await storeWith(input, {
      steps: [{ index: 0, weight: 10, observed: {}, at: '2026-01-01T00:01:00.000Z' }],
      firedAlarms: ['checkout-dev-5xx'],
    });
    lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 90, [green]: 10 });
  });

  it('restores 100/0 to the live group, reads it back, and records the alarm as the cause', async () => {
    // Act
    const result = await rollback();

    // Assess
    expect(lb.writes).toEqual([
      { target: input.environment.listenerArn, weights: { [blue]: 100, [green]: 0 } },
    ]);
    // Read before the write (idempotence) and after it (proof).
    expect(lb.reads).toHaveLength(2);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect(await record()).toMatchObject({
      status: 'rolled_back',
      cause: {
        trigger: 'alarm',
        error: 'AlarmFiredError',
        alarm: 'checkout-dev-5xx',
        message: ALARM_MESSAGE,
      },
      endedAt: NOW,
      restoredAt: NOW,
    });
    expect(await store.lockHolder('dev')).toBeUndefined();
    expect(result).toEqual({
      error: 'AlarmFiredError',
      cause: `${ALARM_MESSAGE} (rolled back; all traffic is on ${blue})`,
    });
  });

  it('restores from the targets in the record when the input carries none', async () => {
    // Act
    await rollback(caught('States.Timeout', 'Task timed out'), null);

    // Assess
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect((await record())?.status).toBe('rolled_back');
  });

  it('writes nothing to a listener that already serves the live group only', async () => {
    // Prepare
    lb.serve(input.environment, { [blue]: 100, [green]: 0 });

    // Act
    await rollback(caught('TrafficShiftError', 'listener reads 100/0 after writing 90/10'));

    // Assess
    expect(lb.writes).toEqual([]);
    expect((await record())?.cause).toMatchObject({
      trigger: 'handler_error',
      error: 'TrafficShiftError',
    });
  });

  it('fails with RollbackError when the listener does not read back 100/0', async () => {
    // Prepare: the write is accepted but the listener keeps serving the canary
    lb.ignoreWrites();

    // Act + Assess
    await expect(rollback()).rejects.toMatchObject({ name: 'RollbackError' });
    expect((await record())?.status).toBe('in_progress');
    expect(await store.lockHolder('dev')).toEqual(owner());
  });

  it('fails with RollbackError, keeping the lock, when the load balancer refuses the write', async () => {
    // Prepare
    lb.refuseWrites('ThrottlingException: Rate exceeded');

    // Act + Assess
    await expect(rollback()).rejects.toMatchObject({
      name: 'RollbackError',
      message: expect.stringContaining(`restoring all traffic to ${blue} failed`),
    });
    expect(await store.lockHolder('dev')).toEqual(owner());
  });

  it('records a release that failed before traffic moved as failed, without touching the listener', async () => {
    // Prepare: VerifyBuild failed; no targets in the input or the record
    store = await storeWith(input, { targets: undefined });

    // Act
    const result = await rollback(
      caught('BuildNotVerifiedError', '6113728: required check "test" concluded failure'),
      null,
    );

    // Assess
    expect(lb.writes).toEqual([]);
    expect(lb.reads).toEqual([]);
    expect(await record()).toMatchObject({
      status: 'failed',
      cause: { trigger: 'check_failed', error: 'BuildNotVerifiedError' },
    });
    expect(await store.lockHolder('dev')).toBeUndefined();
    expect(result.cause).toBe(
      '6113728: required check "test" concluded failure (failed; no traffic had moved)',
    );
  });

  it('keeps the first cause of a release that was already ended from outside', async () => {
    // Prepare: the alarm-rollback handler stopped the release first
    store = await storeWith(input, {
      status: 'rolled_back',
      cause: { trigger: 'alarm', alarm: 'checkout-dev-5xx', message: 'alarm event' },
    });

    // Act
    await rollback(caught('States.Timeout', 'Task timed out'));

    // Assess
    expect((await record())?.cause).toEqual({
      trigger: 'alarm',
      alarm: 'checkout-dev-5xx',
      message: 'alarm event',
    });
  });

  it('leaves the listener alone when a newer release has taken the environment', async () => {
    // Prepare: superseded while its Task ran; the newer release holds the lock and is at its 10% step
    store = await storeWith(input, {
      status: 'superseded',
      cause: { trigger: 'superseded', message: 'newer push' },
    });
    await store.releaseLock('dev', owner());
    const newer = { releaseId: 'checkout-newer', executionName: 'dev-acme-checkout-newer' };
    await store.acquireLock('dev', newer);

    // Act
    const result = await rollback(
      caught('ReleaseStoppedError', 'release was stopped during step 0; traffic restored'),
    );

    // Assess
    expect(lb.writes).toEqual([]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 90, [green]: 10 });
    expect(await store.lockHolder('dev')).toEqual(newer);
    expect(result.cause).toContain('a newer release holds the environment');
  });
});
