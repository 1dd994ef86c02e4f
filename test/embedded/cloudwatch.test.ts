import { LocalAlb } from '../../embedded/alb.js';
import {
  type AlarmStateChangeEvent,
  type Clock,
  type LocalAlarmDefinition,
  LocalCloudWatch,
} from '../../embedded/cloudwatch.js';
import type { LocalAlarmConfig } from '../../embedded/config.js';
import { startLoad } from '../../embedded/load.js';
import { type SampleApp, startSampleApp } from '../../embedded/sample-app.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:eu-west-1:210987654321:listener/app/checkout-dev/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BLUE =
  'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/checkout-dev-blue/73e2d6bc24d8a067';
const GREEN =
  'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/checkout-dev-green/5c2c2f1a0b3e4d6f';

// timeScale 0.01 turns a 60 s period into 600 ms of the (fake) clock.
const PERIOD_MS = 600;
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

const baseConfig: LocalAlarmConfig = {
  metric: 'HTTPCode_Target_5XX_Count',
  statistic: 'Sum',
  comparison: 'GreaterThanThreshold',
  threshold: 5,
  period: 60,
  evaluationPeriods: 1,
  treatMissingData: 'missing',
};

const fakeClock = (): Clock & { t: number } => ({
  t: T0,
  now() {
    return this.t;
  },
  setTimeout: () => undefined,
  clearTimeout: () => undefined,
});

/** A CloudWatch with one alarm over a metric store fed by hand, on a clock the test moves. */
function setup(config: Partial<LocalAlarmConfig>, name = 'checkout-dev-5xx') {
  const alb = new LocalAlb();
  const clock = fakeClock();
  const alarm: LocalAlarmDefinition = {
    name,
    config: { ...baseConfig, ...config },
    listenerArn: LISTENER,
    targetGroups: { blue: BLUE, green: GREEN },
  };
  const cloudWatch = new LocalCloudWatch({ alb, timeScale: 0.01, alarms: [alarm], clock });
  const events: AlarmStateChangeEvent[] = [];
  cloudWatch.onStateChange((event) => {
    events.push(event);
  });
  /** Records requests in period `index` (0 = the one starting at T0) on a group and the listener. */
  const traffic = (index: number, requests: number, errors = 0, group = GREEN, latencyMs = 10) => {
    for (let i = 0; i < requests; i++) {
      alb.metrics.record(
        [LISTENER, group],
        { status: i < errors ? 500 : 200, latencyMs },
        T0 + index * PERIOD_MS + 1,
      );
    }
  };
  /** Evaluates at the end of period `index`. */
  const evaluateAfter = (index: number) => {
    clock.t = T0 + (index + 1) * PERIOD_MS + 5;
    cloudWatch.evaluate();
  };
  const state = () => cloudWatch.describe([name])[0]?.state;
  return { alb, clock, cloudWatch, events, traffic, evaluateAfter, state };
}

describe('Class: LocalCloudWatch', () => {
  const albs: LocalAlb[] = [];
  afterAll(() => Promise.all(albs.map((alb) => alb.close())));
  const make = (...args: Parameters<typeof setup>) => {
    const made = setup(...args);
    albs.push(made.alb);
    return made;
  };

  describe('Method: evaluate', () => {
    it('goes to ALARM when the threshold is crossed, with the event AWS delivers', () => {
      // Prepare
      const { events, traffic, evaluateAfter, state } = make({});
      traffic(0, 20, 8);

      // Act
      evaluateAfter(0);

      // Assess
      expect(state()).toBe('ALARM');
      expect(events).toHaveLength(1);
      const event = events[0]!;
      expect(event).toEqual({
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: '210987654321',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        region: 'eu-west-1',
        resources: ['arn:aws:cloudwatch:eu-west-1:210987654321:alarm:checkout-dev-5xx'],
        detail: {
          alarmName: 'checkout-dev-5xx',
          state: {
            value: 'ALARM',
            reason: expect.stringMatching(
              /^Threshold Crossed: 1 out of the last 1 datapoints \[8\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(5\.0\)/,
            ),
            reasonData: expect.any(String),
            timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
          },
          previousState: {
            value: 'INSUFFICIENT_DATA',
            reason: expect.any(String),
            timestamp: expect.stringMatching(/\+0000$/),
          },
          configuration: {
            metrics: [
              {
                id: expect.any(String),
                metricStat: {
                  metric: {
                    namespace: 'AWS/ApplicationELB',
                    name: 'HTTPCode_Target_5XX_Count',
                    dimensions: { LoadBalancer: 'app/checkout-dev/50dc6c495c0c9188' },
                  },
                  period: 60,
                  stat: 'Sum',
                },
                returnData: true,
              },
            ],
          },
        },
      });
      expect(JSON.parse(event.detail.state.reasonData!)).toMatchObject({
        version: '1.0',
        statistic: 'Sum',
        period: 60,
        recentDatapoints: [8],
        threshold: 5,
      });
    });

    it('returns to OK when the errors stop, and sends one event per change', () => {
      // Prepare
      const { events, traffic, evaluateAfter, state } = make({ treatMissingData: 'notBreaching' });
      traffic(0, 20, 8);
      evaluateAfter(0);
      traffic(1, 20, 0);

      // Act
      evaluateAfter(1);
      evaluateAfter(1);

      // Assess
      expect(state()).toBe('OK');
      expect(events.map((e) => [e.detail.previousState.value, e.detail.state.value])).toEqual([
        ['INSUFFICIENT_DATA', 'ALARM'],
        ['ALARM', 'OK'],
      ]);
    });

    it.each([
      ['missing', 'INSUFFICIENT_DATA'],
      ['notBreaching', 'OK'],
      ['breaching', 'ALARM'],
      ['ignore', 'INSUFFICIENT_DATA'],
    ] as const)(
      'with treatMissingData %s, a period without data leaves the alarm %s',
      (treatMissingData, expected) => {
        // Prepare
        const { evaluateAfter, state } = make({ treatMissingData });

        // Act
        evaluateAfter(0);

        // Assess
        expect(state()).toBe(expected);
      },
    );

    it('with treatMissingData ignore, keeps ALARM through periods without data', () => {
      // Prepare
      const { traffic, evaluateAfter, state } = make({ treatMissingData: 'ignore' });
      traffic(0, 20, 8);
      evaluateAfter(0);

      // Act
      evaluateAfter(1);

      // Assess
      expect(state()).toBe('ALARM');
    });

    it('with treatMissingData missing, judges the datapoints there are (CloudWatch’s "- - X" row)', () => {
      // Prepare
      const { traffic, evaluateAfter, state } = make({ evaluationPeriods: 3, datapointsToAlarm: 3 });
      traffic(2, 20, 8);

      // Act
      evaluateAfter(2);

      // Assess
      expect(state()).toBe('ALARM');
    });

    it('treats a period with requests but no 5xx as missing, as ALB publishes the count only when non-zero', () => {
      // Prepare
      const { traffic, evaluateAfter, state } = make({ treatMissingData: 'missing' });
      traffic(0, 50, 0);

      // Act
      evaluateAfter(0);

      // Assess
      expect(state()).toBe('INSUFFICIENT_DATA');
    });

    it('alarms on M of N: 2 breaching of the last 3, not 1', () => {
      // Prepare
      const { traffic, evaluateAfter, state } = make({
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: 'notBreaching',
      });
      traffic(0, 20, 8);
      traffic(1, 20, 1);
      evaluateAfter(1);
      const afterOne = state();
      traffic(2, 20, 9);

      // Act
      evaluateAfter(2);

      // Assess
      expect(afterOne).toBe('OK');
      expect(state()).toBe('ALARM');
    });

    it('computes ErrorRate as 100 × 5xx / requests on one target group', () => {
      // Prepare
      const { traffic, evaluateAfter, state, events } = make({
        metric: 'ErrorRate',
        targetGroup: 'green',
        threshold: 10,
      });
      traffic(0, 100, 5, BLUE); // blue's errors are not green's
      traffic(0, 20, 3, GREEN); // 15 %

      // Act
      evaluateAfter(0);

      // Assess
      expect(state()).toBe('ALARM');
      expect(JSON.parse(events[0]!.detail.state.reasonData!).recentDatapoints).toEqual([15]);
      expect(events[0]!.detail.configuration.metrics).toEqual([
        { id: 'e1', expression: '100 * m1 / m2', label: 'ErrorRate', returnData: true },
        expect.objectContaining({
          id: 'm1',
          returnData: false,
          metricStat: expect.objectContaining({
            metric: expect.objectContaining({
              name: 'HTTPCode_Target_5XX_Count',
              dimensions: {
                LoadBalancer: 'app/checkout-dev/50dc6c495c0c9188',
                TargetGroup: 'targetgroup/checkout-dev-green/5c2c2f1a0b3e4d6f',
              },
            }),
          }),
        }),
        expect.objectContaining({ id: 'm2', returnData: false }),
      ]);
    });

    it('alarms on p99 TargetResponseTime in seconds', () => {
      // Prepare
      const { alb, evaluateAfter, state } = make({
        metric: 'TargetResponseTime',
        statistic: 'p99',
        threshold: 0.5,
      });
      for (let i = 0; i < 100; i++) {
        alb.metrics.record([LISTENER, GREEN], { status: 200, latencyMs: i < 98 ? 20 : 900 }, T0 + 1);
      }

      // Act
      evaluateAfter(0);

      // Assess
      expect(state()).toBe('ALARM');
    });
  });

  describe('Method: setAlarmState', () => {
    it('sets the state and sends the event, until the next evaluation decides again', () => {
      // Prepare
      const { cloudWatch, events, evaluateAfter, state } = make({ treatMissingData: 'notBreaching' });

      // Act
      cloudWatch.setAlarmState('checkout-dev-5xx', 'ALARM', 'testing the rollback');
      const forced = state();
      evaluateAfter(0);

      // Assess
      expect(forced).toBe('ALARM');
      expect(events[0]?.detail.state).toMatchObject({ value: 'ALARM', reason: 'testing the rollback' });
      expect(state()).toBe('OK');
      expect(() => cloudWatch.setAlarmState('nope', 'OK', 'x')).toThrow(/nope/);
    });
  });

  describe('Method: describe', () => {
    it('answers in order, with state undefined for an unknown alarm', () => {
      // Prepare
      const { cloudWatch } = make({});

      // Act
      const statuses = cloudWatch.describe(['unknown', 'checkout-dev-5xx']);

      // Assess
      expect(statuses).toEqual([
        { name: 'unknown', state: undefined },
        {
          name: 'checkout-dev-5xx',
          state: 'INSUFFICIENT_DATA',
          reason: expect.any(String),
          updatedAt: new Date(T0).toISOString(),
        },
      ]);
    });
  });

  describe('Method: start', () => {
    let apps: SampleApp[] = [];
    afterEach(async () => {
      await Promise.all(apps.map((app) => app.close()));
      apps = [];
    });

    it('fires the alarm on its own when a faulty canary takes real traffic', async () => {
      // Prepare
      const alb = new LocalAlb();
      albs.push(alb);
      const { url } = await alb.addListener(LISTENER);
      apps = [
        await startSampleApp({ version: 'v1' }),
        await startSampleApp({ version: 'v2', errorRate: 0.5 }),
      ];
      await alb.registerTarget(BLUE, apps[0]!.url);
      await alb.registerTarget(GREEN, apps[1]!.url);
      alb.setWeights(LISTENER, { [BLUE]: 50, [GREEN]: 50 });
      const cloudWatch = new LocalCloudWatch({
        alb,
        timeScale: 0.005, // 60 s → 300 ms
        alarms: [
          {
            name: 'checkout-dev-error-rate',
            config: { ...baseConfig, metric: 'ErrorRate', targetGroup: 'green', threshold: 10 },
            listenerArn: LISTENER,
            targetGroups: { blue: BLUE, green: GREEN },
          },
        ],
      });
      const fired = new Promise<AlarmStateChangeEvent>((resolve) =>
        cloudWatch.onStateChange((event) => {
          if (event.detail.state.value === 'ALARM') resolve(event);
        }),
      );
      const load = startLoad({ url, ratePerSecond: 100 });

      // Act
      cloudWatch.start();
      const event = await fired;
      cloudWatch.stop();
      await load.stop();

      // Assess
      expect(event.detail.alarmName).toBe('checkout-dev-error-rate');
      expect(cloudWatch.describe(['checkout-dev-error-rate'])[0]?.state).toBe('ALARM');
    });
  });
});
