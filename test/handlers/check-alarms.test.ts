import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createCheckAlarmsHandler } from '../../functions/check-alarms/check-alarms.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type {
  AlarmEpisode,
  AlarmSource,
  AlarmState,
  AlarmStatus,
} from '../../functions/shared/ports/index.js';
import { fixedClock, NOW, taskContext } from '../support/ports.js';
import { recordOf, releaseInput } from '../support/release.js';

/**
 * The AlarmSource port over a table of alarm states, answering as the CloudWatch adapter does:
 * one status per requested name, in order, and state undefined for an alarm that does not exist.
 */
function fakeAlarms(
  states: Record<string, AlarmState | [AlarmState, string]>,
  episodes: AlarmEpisode[] = [],
) {
  const asked: string[][] = [];
  const since: Date[] = [];
  const source: AlarmSource = {
    async alarmedSince(names, from) {
      since.push(from);
      return episodes.filter((e) => names.includes(e.name) && e.at >= from.toISOString());
    },
    async describe(names) {
      asked.push(names);
      return names.map((name): AlarmStatus => {
        const entry = states[name];
        if (entry === undefined) return { name, state: undefined };
        const [state, reason] = Array.isArray(entry) ? entry : [entry, undefined];
        return { name, state, ...(reason ? { reason } : {}), updatedAt: '2026-11-23T09:00:00.000Z' };
      });
    },
  };
  return { source, asked, since };
}

describe('Handler: check-alarms', () => {
  let store: MemoryReleaseStore;

  const check = (
    alarms: ReturnType<typeof fakeAlarms>,
    input: ReleaseInput,
    phase: 'start' | 'bake' | 'watch' | 'soak',
    extendedSeconds = 0,
    bakeSeconds = 300,
  ) =>
    createCheckAlarmsHandler({ alarms: () => alarms.source, releases: () => store, now: fixedClock })(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        phase,
        extendedSeconds,
        bakeSeconds,
      },
      taskContext,
    );

  beforeEach(async () => {
    store = new MemoryReleaseStore(fixedClock);
    for (const env of ['dev', 'staging', 'prod'] as const) await store.create(recordOf(releaseInput(env)));
  });

  it('passes a bake when every alarm of the environment is OK', async () => {
    // Prepare
    const alarms = fakeAlarms({ 'checkout-staging-5xx': 'OK', 'checkout-staging-p99-latency': 'OK' });

    // Act
    const result = await check(alarms, releaseInput('staging'), 'bake');

    // Assess
    expect(result).toEqual({ verdict: 'pass', extendSeconds: 0, extendedSeconds: 0 });
    expect(alarms.asked).toEqual([['checkout-staging-5xx', 'checkout-staging-p99-latency']]);
  });

  it('fails with AlarmFiredError naming the alarm in ALARM, so the state machine rolls back', async () => {
    // Prepare
    const alarms = fakeAlarms({
      'checkout-staging-5xx': ['ALARM', 'Threshold Crossed: 1 datapoint [14.0] was greater than 5.0'],
      'checkout-staging-p99-latency': 'OK',
    });
    const input = releaseInput('staging');

    // Act
    const checking = check(alarms, input, 'bake');

    // Assess
    await expect(checking).rejects.toMatchObject({
      name: 'AlarmFiredError',
      alarms: ['checkout-staging-5xx'],
      message: 'in ALARM — checkout-staging-5xx: Threshold Crossed: 1 datapoint [14.0] was greater than 5.0',
    });
    // The names travel to Rollback as data in the record, not in the error message.
    const record = await store.get(input.release.id, 'staging');
    expect(record?.firedAlarms).toEqual(['checkout-staging-5xx']);
    expect(record?.history.at(-1)).toMatchObject({ at: NOW, event: 'alarm' });
  });

  it('fails with AlarmFiredError in the post-release watch', async () => {
    // Prepare
    const alarms = fakeAlarms({ 'checkout-dev-5xx': 'ALARM' });

    // Act + Assess
    await expect(check(alarms, releaseInput('dev'), 'watch')).rejects.toMatchObject({
      name: 'AlarmFiredError',
    });
  });

  it('fails a bake with InsufficientDataError when an alarm has no data and the policy is fail', async () => {
    // Prepare
    const alarms = fakeAlarms({ 'checkout-dev-5xx': 'INSUFFICIENT_DATA' });

    // Act + Assess
    await expect(check(alarms, releaseInput('dev'), 'bake')).rejects.toMatchObject({
      name: 'InsufficientDataError',
    });
  });

  it('extends a bake with no data when the policy is extend, counting the extension', async () => {
    // Prepare: staging extends by up to 10m
    const alarms = fakeAlarms({
      'checkout-staging-5xx': 'INSUFFICIENT_DATA',
      'checkout-staging-p99-latency': 'OK',
    });

    // Act
    const first = await check(alarms, releaseInput('staging'), 'bake', 0, 300);
    const last = await check(alarms, releaseInput('staging'), 'bake', 600, 300).catch((e: Error) => e);

    // Assess
    expect(first).toEqual({ verdict: 'extend', extendSeconds: 300, extendedSeconds: 300 });
    expect(last).toMatchObject({ name: 'InsufficientDataError' });
  });

  it('treats an alarm CloudWatch does not know as no data', async () => {
    // Prepare
    const alarms = fakeAlarms({ 'checkout-staging-5xx': 'OK' });

    // Act + Assess
    await expect(check(alarms, releaseInput('staging'), 'bake')).rejects.toMatchObject({
      name: 'InsufficientDataError',
      message: 'alarm does not exist: checkout-staging-p99-latency',
    });
  });

  // CloudWatch API reference, DescribeAlarms: composite alarms come back only with the permission
  // scoped to `*`; a narrower scope omits them. After promotion an omitted alarm must not pass.
  it.each(['watch', 'soak'] as const)(
    'fails the %s with AlarmNotFoundError naming a configured alarm CloudWatch does not return',
    async (phase) => {
      // Prepare: the p99 composite is not returned
      const alarms = fakeAlarms({ 'checkout-staging-5xx': 'OK' });

      // Act + Assess
      await expect(check(alarms, releaseInput('staging'), phase, 0, 60)).rejects.toMatchObject({
        name: 'AlarmNotFoundError',
        alarms: ['checkout-staging-p99-latency'],
        message: expect.stringContaining(
          `CloudWatch returns no alarm named checkout-staging-p99-latency at the end of the ${phase}`,
        ),
      });
    },
  );

  it('passes the post-release watch on no data', async () => {
    // Prepare
    const alarms = fakeAlarms({ 'checkout-dev-5xx': 'INSUFFICIENT_DATA' });

    // Act + Assess
    await expect(check(alarms, releaseInput('dev'), 'watch')).resolves.toEqual({
      verdict: 'pass',
      extendSeconds: 0,
      extendedSeconds: 0,
    });
  });

  it('passes without calling CloudWatch when the environment watches no alarm', async () => {
    // Prepare
    const alarms = fakeAlarms({});
    const input = releaseInput('dev');
    input.environment.alarms = [];

    // Act + Assess
    await expect(check(alarms, input, 'bake')).resolves.toMatchObject({ verdict: 'pass' });
    expect(alarms.asked).toEqual([]);
  });

  describe('at the end of a soak', () => {
    // DescribeAlarmHistory keeps each state change as a StateUpdate item whose HistoryData holds
    // oldState/newState: an alarm that went into ALARM and back to OK during the soak is there,
    // though DescribeAlarms reads OK.
    const staging = () => releaseInput('staging');
    const promotedAt = '2026-01-01T00:03:30.000Z';

    beforeEach(async () => {
      store = new MemoryReleaseStore(fixedClock);
      await store.create(
        recordOf(staging(), {
          status: 'succeeded',
          promotedAt,
          endedAt: '2026-01-01T00:04:00.000Z',
          history: [
            { at: '2026-01-01T00:00:00.000Z', event: 'started' },
            { at: promotedAt, event: 'promoted' },
            { at: '2026-01-01T00:04:00.000Z', event: 'succeeded' },
          ],
        }),
      );
    });

    it('fails the soak when an alarm fired and cleared since the release was promoted', async () => {
      // Prepare
      const alarms = fakeAlarms({ 'checkout-staging-5xx': 'OK', 'checkout-staging-p99-latency': 'OK' }, [
        {
          name: 'checkout-staging-5xx',
          at: '2026-01-01T00:04:30.000Z',
          reason: 'Threshold Crossed: 1 datapoint [42.0]',
        },
      ]);

      // Act + Assess
      await expect(check(alarms, staging(), 'soak', 0, 60)).rejects.toMatchObject({
        name: 'AlarmFiredError',
        alarms: ['checkout-staging-5xx'],
        message:
          'in ALARM — checkout-staging-5xx went into ALARM at 2026-01-01T00:04:30.000Z during the soak (Threshold Crossed: 1 datapoint [42.0])',
      });
      // From promotion, less a minute for the skew between Lambda's clock and CloudWatch's.
      expect(alarms.since).toEqual([new Date('2026-01-01T00:02:30.000Z')]);
    });

    it('passes the soak when no alarm went into ALARM since the release was promoted', async () => {
      // Prepare: the only episode is from its canary, well before promotion (and acted on then)
      const alarms = fakeAlarms({ 'checkout-staging-5xx': 'OK', 'checkout-staging-p99-latency': 'OK' }, [
        { name: 'checkout-staging-5xx', at: '2026-01-01T00:01:00.000Z' },
      ]);

      // Act
      const result = await check(alarms, staging(), 'soak', 0, 60);

      // Assess
      expect(result.verdict).toBe('pass');
    });
  });
  describe('Phase: start (alarmsAtStart)', () => {
    const withPolicy = (policy: 'refuse' | 'wait' | 'ignore') => {
      const input = releaseInput('staging');
      input.environment.alarmsAtStart = policy;
      return input;
    };
    const firing = () =>
      fakeAlarms({
        'checkout-staging-5xx': ['ALARM', 'Threshold Crossed: 1 datapoint [7.5] > 5.0'],
        'checkout-staging-p99-latency': 'OK',
      });

    it('refuses the release by default, naming the alarm already in ALARM and its reason', async () => {
      await expect(check(firing(), withPolicy('refuse'), 'start')).rejects.toMatchObject({
        name: 'AlarmsAtStartError',
        message:
          'in ALARM when the release started: checkout-staging-5xx (Threshold Crossed: 1 datapoint [7.5] > 5.0); nothing moved (alarmsAtStart: refuse)',
      });
    });

    it('asks the state machine to retry while an alarm is in ALARM under wait', async () => {
      await expect(check(firing(), withPolicy('wait'), 'start')).rejects.toMatchObject({
        name: 'AlarmsAtStartPendingError',
      });
    });

    it('reads no alarm under ignore, and passes when none is in ALARM', async () => {
      const ignored = firing();
      expect((await check(ignored, withPolicy('ignore'), 'start')).verdict).toBe('pass');
      expect(ignored.asked).toEqual([]);
      const calm = fakeAlarms({
        'checkout-staging-5xx': 'OK',
        'checkout-staging-p99-latency': 'INSUFFICIENT_DATA',
      });
      expect((await check(calm, withPolicy('refuse'), 'start')).verdict).toBe('pass');
    });
  });
});
