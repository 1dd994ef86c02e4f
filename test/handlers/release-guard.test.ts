import { createReleaseGuardHandler } from '../../functions/release-guard/release-guard.js';
import type { ReleaseInput, ReleaseRecord } from '../../functions/shared/domain/release.js';
import { fixedClock, NOW, storeWith, taskContext } from '../support/ports.js';
import { releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

/**
 * The guard runs on the release execution's end event ("Step Functions Execution Status Change"
 * via EventBridge), which comes after the execution ended, possibly long after, when a newer
 * release may own the listener and may already have freed the lock again.
 */
describe('Handler: release-guard', () => {
  let input: ReleaseInput;
  let lb: FakeLoadBalancer;
  let blue: string;
  let green: string;

  const ended = (status: 'ABORTED' | 'FAILED' | 'TIMED_OUT') => ({
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: {
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sluice-release:${input.executionName}`,
      name: input.executionName,
      status,
      input: JSON.stringify(input),
    },
  });

  const guard = async (record: Partial<ReleaseRecord>, status: 'ABORTED' | 'FAILED' | 'TIMED_OUT') => {
    const store = await storeWith(input, record);
    const result = await createReleaseGuardHandler({
      trafficRouter: lb.router,
      releases: () => store,
      now: fixedClock,
    })(ended(status), taskContext);
    return { result, store };
  };

  beforeEach(() => {
    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    lb = new FakeLoadBalancer();
  });

  const step = { index: 0, weight: 25, observed: {}, at: NOW };

  it('restores the live group of a release that moved traffic and never recorded an outcome', async () => {
    // Prepare: the execution timed out at its 25% step
    lb.serve(input.environment, { [blue]: 75, [green]: 25 });

    // Act
    const { store } = await guard({ status: 'in_progress', steps: [step] }, 'TIMED_OUT');

    // Assess
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect(await store.get(input.release.id, 'dev')).toMatchObject({
      status: 'rolled_back',
      cause: { trigger: 'timeout' },
    });
    expect(await store.lockHolder('dev')).toBeUndefined();
  });

  it('leaves the listener alone for a release that was superseded and restored, even with the lock free again', async () => {
    // Prepare: a newer push superseded this release at its 25% step (restoring blue), released
    // green and freed the lock; this release's end event (ABORTED) arrives only now
    lb.serve(input.environment, { [blue]: 0, [green]: 100 });
    const store = await storeWith(input, {
      status: 'superseded',
      steps: [step],
      restoredAt: NOW,
      cause: { trigger: 'superseded', error: 'ReleaseSuperseded', message: 'superseded by release x' },
    });
    await store.releaseLock('dev', { releaseId: input.release.id, executionName: input.executionName });

    // Act
    await createReleaseGuardHandler({ trafficRouter: lb.router, releases: () => store, now: fixedClock })(
      ended('ABORTED'),
      taskContext,
    );

    // Assess
    expect(lb.writes).toEqual([]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 0, [green]: 100 });
    expect(await store.get(input.release.id, 'dev')).toMatchObject({ status: 'superseded' });
  });

  it('leaves the listener alone for a release that failed before moving traffic', async () => {
    // Prepare: a deploy failed (no step), and a newer release has since put green live
    lb.serve(input.environment, { [blue]: 0, [green]: 100 });

    // Act
    await guard({ status: 'failed', steps: [] }, 'FAILED');

    // Assess
    expect(lb.writes).toEqual([]);
  });

  it('restores a release whose end was recorded but whose restore never was (its rollback failed)', async () => {
    // Prepare: an alarm ended the release; restoring the listener failed after the record was marked
    lb.serve(input.environment, { [blue]: 75, [green]: 25 });

    // Act
    await guard({ status: 'rolled_back', steps: [step] }, 'ABORTED');

    // Assess
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });

  it('puts a listener split by a late write back on the live group when no release holds the environment', async () => {
    // Prepare: superseded and restored, but its last canary write landed after the restore, and
    // the release that superseded it could not begin on the split listener and freed the lock
    lb.serve(input.environment, { [blue]: 75, [green]: 25 });
    const store = await storeWith(input, { status: 'superseded', steps: [step], restoredAt: NOW });
    await store.releaseLock('dev', { releaseId: input.release.id, executionName: input.executionName });

    // Act
    await createReleaseGuardHandler({ trafficRouter: lb.router, releases: () => store, now: fixedClock })(
      ended('ABORTED'),
      taskContext,
    );

    // Assess
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });
});
