import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import { createShiftTrafficHandler } from '../../functions/shift-traffic/shift-traffic.js';
import { fixedClock, NOW, storeWith, taskContext } from '../support/ports.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const RULE_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/checkout-dev/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';

describe('Handler: shift-traffic', () => {
  let store: MemoryReleaseStore;
  let lb: FakeLoadBalancer;
  let input: ReleaseInput;
  let blue: string;
  let green: string;

  const shift = (weight: number, index = 0, overrides: Partial<ReleaseInput['environment']> = {}) =>
    createShiftTrafficHandler({ trafficRouter: lb.router, releases: () => store, now: fixedClock })(
      {
        release: input.release,
        environment: { ...input.environment, ...overrides },
        executionName: input.executionName,
        targets: blueLive(input),
        step: { index, weight, bakeSeconds: 60 },
      },
      taskContext,
    );

  const record = () => store.get(input.release.id, 'dev');

  /** Marks the release ended, as whoever stops a release does before restoring traffic. */
  const end = (status: 'aborted' | 'rolled_back' | 'superseded') =>
    store.update(input.release.id, 'dev', { status }, { event: status });

  beforeEach(async () => {
    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    store = await storeWith(input);
    lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 100, [green]: 0 }).setHealthy(green, 2);
  });

  it('sends 90/10 to the listener for a 10% step when blue is live, and reads it back', async () => {
    // Act
    const result = await shift(10);

    // Assess
    expect(lb.writes).toEqual([
      { target: input.environment.listenerArn, weights: { [blue]: 90, [green]: 10 } },
    ]);
    expect(lb.healthChecks).toEqual([green]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 90, [green]: 10 });
    expect(result).toEqual({ observed: { [blue]: 90, [green]: 10 } });
  });

  it('records the step with the weights the load balancer reports', async () => {
    // Act
    await shift(50, 1);

    // Assess
    const after = await record();
    expect(after?.steps).toEqual([{ index: 1, weight: 50, observed: { [blue]: 50, [green]: 50 }, at: NOW }]);
    expect(after?.history.at(-1)).toEqual({ at: NOW, event: 'shifted', detail: '50% on the new version' });
  });

  it('replaces the record of a step it shifts again, keeping one entry per step', async () => {
    // Prepare: the state machine retried step 1 after its first attempt was recorded
    await shift(50, 1);

    // Act
    await shift(50, 1);

    // Assess
    expect((await record())?.steps).toHaveLength(1);
  });

  it('shifts the listener rule instead of the default action when the environment names one', async () => {
    // Prepare
    const rule = { listenerArn: input.environment.listenerArn, ruleArn: RULE_ARN };
    lb.serve(rule, { [blue]: 100, [green]: 0 });

    // Act
    const result = await shift(25, 0, { ruleArn: RULE_ARN });

    // Assess
    expect(lb.writes).toEqual([{ target: RULE_ARN, weights: { [blue]: 75, [green]: 25 } }]);
    expect(lb.serving(rule)).toEqual({ [blue]: 75, [green]: 25 });
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect(result).toEqual({ observed: { [blue]: 75, [green]: 25 } });
  });

  it('fails with TrafficShiftError when the listener reads back other weights than were written', async () => {
    // Prepare: the write is accepted but the listener still serves 100/0
    lb.ignoreWrites();

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({
      name: 'TrafficShiftError',
      message: expect.stringContaining('after writing'),
    });
    expect((await record())?.steps).toEqual([]);
  });

  it('fails with TrafficShiftError when the load balancer refuses the write', async () => {
    // Prepare
    lb.refuseWrites('ThrottlingException: Rate exceeded');

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'TrafficShiftError' });
    expect((await record())?.steps).toEqual([]);
  });

  it('fails with NotEnoughHealthyTargetsError and moves nothing when the idle group is not healthy enough', async () => {
    // Prepare
    lb.setHealthy(green, 0);

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({
      name: 'NotEnoughHealthyTargetsError',
      message: `0 healthy target(s) in ${green}, 1 required before shifting to 10%`,
    });
    expect(lb.writes).toEqual([]);
  });

  it('gates on the environment’s minimum of healthy targets', async () => {
    // Prepare
    lb.setHealthy(green, 1);

    // Act + Assess
    await expect(shift(10, 0, { minHealthyTargets: 2 })).rejects.toMatchObject({
      name: 'NotEnoughHealthyTargetsError',
    });
    expect(lb.writes).toEqual([]);
  });

  it.each(['aborted', 'rolled_back', 'superseded'] as const)(
    'fails with ReleaseStoppedError and moves nothing when the release is already %s',
    async (status) => {
      // Prepare
      await end(status);

      // Act + Assess
      await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
      expect(lb.writes).toEqual([]);
      expect(lb.healthChecks).toEqual([]);
    },
  );

  it('undoes its own write when the release is stopped while it shifts', async () => {
    // Prepare: an alarm marks the release rolled back between our write and our read-back
    let writes = 0;
    lb.onWrite(async () => {
      if (writes++ === 0) await end('rolled_back');
    });

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
    expect(lb.writes.map((w) => w.weights)).toEqual([
      { [blue]: 90, [green]: 10 },
      { [blue]: 100, [green]: 0 },
    ]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
    expect((await record())?.steps).toEqual([]);
  });

  it('reports the stop, not a failed write, when the release is stopped while it writes', async () => {
    // Prepare: the write lands but its answer is lost; meanwhile the release is aborted
    let writes = 0;
    lb.onWrite(async () => {
      if (writes++ === 0) {
        await end('aborted');
        throw new Error('socket hang up');
      }
    });

    // Act + Assess: the stop wins over the write's error, so the state machine does not retry it
    await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });

  /** Superseded mid-write by a newer release that holds the lock, with its record as far as it got. */
  function supersededBy(newer: { targets?: ReturnType<typeof blueLive> }) {
    const other = releaseInput('dev');
    other.release = { ...other.release, id: 'checkout-newer' };
    other.executionName = 'dev-acme-checkout-newer';
    lb.onWrite(async () => {
      await end('superseded');
      await store.releaseLock('dev', { releaseId: input.release.id, executionName: input.executionName });
      await store.create({
        ...recordOf(other),
        status: newer.targets ? 'in_progress' : 'pending',
        targets: newer.targets,
      });
      await store.acquireLock('dev', { releaseId: other.release.id, executionName: other.executionName });
    });
  }

  it('leaves the listener alone when a newer release took the environment and began while it shifted', async () => {
    // Prepare: the newer release read the listener already and owns it now
    supersededBy({ targets: blueLive(input) });

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({
      name: 'ReleaseStoppedError',
      message: expect.stringContaining('the release holding the environment now owns the listener'),
    });
    expect(lb.writes).toHaveLength(1);
  });

  it('undoes its own write when the newer release that took the environment has not read the listener yet', async () => {
    // Prepare: the newer release holds the lock but is still in BeginRelease; it would find the
    // listener split by this late write and refuse to start
    supersededBy({});

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });
});
