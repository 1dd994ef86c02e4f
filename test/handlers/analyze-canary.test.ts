import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createAnalyzeCanaryHandler } from '../../functions/analyze-canary/analyze-canary.js';
import type { IntervalPair } from '../../functions/shared/domain/analysis.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { CanaryMetricsQuery, MetricsSource } from '../../functions/shared/ports/index.js';
import { fixedClock, taskContext } from '../support/ports.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

/** The MetricsSource port over fixed per-minute figures; it records what it was asked. */
function fakeMetrics(perMinute: (i: number) => Omit<IntervalPair, 'start'>) {
  const asked: CanaryMetricsQuery[] = [];
  const source: MetricsSource = {
    async intervals(query) {
      asked.push(query);
      const pairs: IntervalPair[] = [];
      for (
        let t = query.from.getTime(), i = 0;
        t < query.to.getTime();
        t += query.periodSeconds * 1000, i++
      ) {
        pairs.push({ start: new Date(t).toISOString(), ...perMinute(i) });
      }
      return pairs;
    },
  };
  return { source, asked };
}

const side = (requests: number, errors: number) => ({ requests, errors, values: {} });

describe('Handler: analyze-canary', () => {
  let store: MemoryReleaseStore;
  let input: ReleaseInput;

  beforeEach(async () => {
    input = releaseInput('staging');
    input.environment.analysis = {
      intervalSeconds: 60,
      confidence: 0.95,
      minRequests: 200,
      inconclusive: 'pass',
      comparisons: [{ kind: 'errorRate', maxIncreasePoints: 0.5 }],
    };
    store = new MemoryReleaseStore(fixedClock);
    // The first shift at 00:00:30; the fixed clock reads 00:05:00.
    await store.create(
      recordOf(input, { steps: [{ index: 0, weight: 10, observed: {}, at: '2026-01-01T00:00:30.000Z' }] }),
    );
  });

  const analyze = (metrics: ReturnType<typeof fakeMetrics>, elapsedSeconds: number, bakeSeconds = 180) =>
    createAnalyzeCanaryHandler({ metrics: () => metrics.source, releases: () => store, now: fixedClock })(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        targets: blueLive(input),
        step: { index: 0, weight: 10, bakeSeconds },
        elapsedSeconds,
        waitSeconds: 60,
      },
      taskContext,
    );

  it('reads both groups per whole minute from the first shift’s minute to the last completed one', async () => {
    // Prepare
    const metrics = fakeMetrics(() => ({ canary: side(300, 0), baseline: side(2700, 3) }));

    // Act
    await analyze(metrics, 0);

    // Assess
    expect(metrics.asked).toEqual([
      {
        listenerArn: input.environment.listenerArn,
        canary: input.environment.targetGroups.green,
        baseline: input.environment.targetGroups.blue,
        comparisons: input.environment.analysis!.comparisons,
        from: new Date('2026-01-01T00:00:00.000Z'),
        to: new Date('2026-01-01T00:05:00.000Z'),
        periodSeconds: 60,
      },
    ]);
  });

  it('goes on judging until the bake is over, the last wait shortened to end with it', async () => {
    // Prepare
    const metrics = fakeMetrics(() => ({ canary: side(300, 0), baseline: side(2700, 3) }));

    // Act
    const early = await analyze(metrics, 0, 150);
    const later = await analyze(metrics, 60, 150);

    // Assess
    expect(early).toMatchObject({ verdict: 'continue', elapsedSeconds: 60, waitSeconds: 60 });
    expect(later).toMatchObject({ verdict: 'continue', elapsedSeconds: 120, waitSeconds: 30 });
  });

  it('throws CanaryRegressionError with the evidence and records it, on a regression', async () => {
    // Prepare
    const metrics = fakeMetrics(() => ({ canary: side(300, 9), baseline: side(2700, 3) }));

    // Act + Assess
    await expect(analyze(metrics, 0)).rejects.toMatchObject({
      name: 'CanaryRegressionError',
      message: expect.stringMatching(
        /^canary 3% 5xx \(45\/1,500\) vs baseline 0\.11% \(15\/13,500\), regression \+2\.9 points > 0\.5 points allowed, p = /,
      ),
    });
    const record = await store.get(input.release.id, input.environment.name);
    expect(record?.history.at(-1)).toMatchObject({
      event: 'analysis',
      detail: expect.stringMatching(/^fail: canary 3% 5xx/),
    });
  });

  it('ends the bake on an inconclusive verdict by the policy: pass goes on, fail throws CanaryInconclusiveError', async () => {
    // Prepare: too few canary requests to judge
    const metrics = fakeMetrics(() => ({ canary: side(20, 0), baseline: side(2700, 3) }));

    // Act
    const passed = await analyze(metrics, 120);
    input.environment.analysis!.inconclusive = 'fail';

    // Assess
    expect(passed).toMatchObject({ verdict: 'done', result: 'inconclusive' });
    await expect(analyze(metrics, 120)).rejects.toMatchObject({
      name: 'CanaryInconclusiveError',
      message: expect.stringContaining('inconclusive at the end of the 10% bake: canary 0% 5xx (0/100)'),
    });
  });
});
