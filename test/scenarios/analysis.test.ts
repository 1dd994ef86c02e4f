import type { IntervalPair } from '../../functions/shared/domain/analysis.js';
import type { AlarmSource, MetricsSource, Ports } from '../../functions/shared/ports/index.js';
import { ALARM, BLUE, GREEN, Scenario, scenarioConfig, shaOf } from './harness.js';

/** Per-minute figures for whichever period the analysis asks: the canary fails 4% of its requests. */
const regressed: MetricsSource = {
  async intervals(query) {
    const pairs: IntervalPair[] = [];
    for (let t = query.from.getTime(); t < query.to.getTime(); t += query.periodSeconds * 1000) {
      pairs.push({
        start: new Date(t).toISOString(),
        canary: { requests: 1000, errors: 40, values: {} },
        baseline: { requests: 3000, errors: 3, values: {} },
      });
    }
    return pairs;
  },
};

describe('Scenario: canary analysis and alarms at the start, on the embedded runtime', () => {
  let scenario: Scenario | undefined;
  afterEach(async () => {
    await scenario?.runtime.close();
    scenario = undefined;
  });

  it('rolls back in the first bake with the analysis’ evidence as the cause, traffic back on the stable group', async () => {
    // Prepare
    scenario = await Scenario.start({
      config: scenarioConfig({
        analysis: { comparisons: [{ metric: 'errorRate' }] },
        steps: [
          { weight: 25, bake: '2m' },
          { weight: 100, bake: '1m' },
        ],
      }),
      // The instant clock has no real periods: the first look sees a whole minute of figures.
      wrapPorts: (ports): Ports => ({
        ...ports,
        metrics: () => regressed,
        now: () => new Date(Date.now() + 120_000),
      }),
    });

    // Act
    const result = await scenario.release(shaOf('regressed'));

    // Assess
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'CanaryRegressionError' });
    expect(result.record.status).toBe('rolled_back');
    expect(result.record.cause).toMatchObject({
      trigger: 'analysis',
      error: 'CanaryRegressionError',
      message: expect.stringMatching(
        /^canary 4% 5xx \([\d,]+\/[\d,]+\) vs baseline 0\.1% .* regression \+3\.9 points > 0\.5 points allowed, p = /,
      ),
    });
    expect(result.record.steps.map((s) => s.weight)).toEqual([25]);
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('refuses a release while a watched alarm is in ALARM, naming it, before any traffic moves', async () => {
    // Prepare
    const firing: AlarmSource = {
      alarmedSince: async () => [],
      describe: async (names) => names.map((name) => ({ name, state: 'ALARM', reason: 'Threshold Crossed' })),
    };
    scenario = await Scenario.start({ wrapPorts: (ports): Ports => ({ ...ports, alarms: () => firing }) });

    // Act
    const result = await scenario.release(shaOf('alarm-at-start'));

    // Assess
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'AlarmsAtStartError' });
    expect(result.record).toMatchObject({ status: 'failed', steps: [] });
    expect(result.record.cause?.message).toBe(
      `in ALARM when the release started: ${ALARM} (Threshold Crossed); nothing moved (alarmsAtStart: refuse)`,
    );
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });
});
