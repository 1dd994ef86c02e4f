import fc from 'fast-check';
import { HEALTHY, prng, samplePair, type VersionBehaviour } from '../../bench/analysis-sim.js';
import { type AnalysisSettings, judgeCanary } from '../../functions/shared/domain/analysis.js';

const settings: AnalysisSettings = {
  intervalSeconds: 60,
  confidence: 0.95,
  minRequests: 200,
  inconclusive: 'pass',
  comparisons: [
    { kind: 'errorRate', maxIncreasePoints: 0.5 },
    { kind: 'latency', percentile: 99, maxIncreasePercent: 20 },
  ],
};
const STEPS = [
  { weight: 10, minutes: 5 },
  { weight: 50, minutes: 5 },
];

/** Judges after every simulated minute, as the bake loop does: true when any look fails. */
function releaseFails(
  seed: number,
  canary: VersionBehaviour,
  baseline: VersionBehaviour,
  rps: number,
  options: AnalysisSettings = settings,
): boolean {
  const random = prng(seed);
  const pairs = [];
  for (const step of STEPS) {
    for (let m = 0; m < step.minutes; m++) {
      pairs.push(
        samplePair(random, {
          canary,
          baseline,
          rps,
          weight: step.weight,
          seconds: 60,
          start: pairs.length * 60_000,
          settings: options,
        }).pair,
      );
      if (judgeCanary(pairs, options).verdict === 'fail') return true;
    }
  }
  return false;
}

describe('Property: canary analysis under repeated looks', () => {
  it('fails healthy-vs-healthy releases at most at the configured rate (1 − confidence), looking every minute', () => {
    fc.assert(
      fc.property(
        fc.record({
          errorRate: fc.double({ min: 0.0005, max: 0.03, noNaN: true }),
          rps: fc.integer({ min: 20, max: 50 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        ({ errorRate, rps, seed }) => {
          const version = { ...HEALTHY, errorRate };
          const runs = 40;
          let fails = 0;
          for (let i = 0; i < runs; i++) if (releaseFails(seed * 1000 + i, version, version, rps)) fails++;
          expect(fails).toBeLessThanOrEqual(Math.floor((1 - settings.confidence) * runs));
        },
      ),
      { numRuns: 4, seed: 20261205 },
    );
  });

  it('fails a clear regression: 5 points more 5xx, or +200 ms on every response', () => {
    fc.assert(
      fc.property(
        fc.record({
          errorRate: fc.double({ min: 0.0005, max: 0.01, noNaN: true }),
          rps: fc.integer({ min: 20, max: 50 }),
          seed: fc.integer({ min: 1, max: 1_000_000 }),
          fault: fc.constantFrom('errors', 'latency'),
        }),
        ({ errorRate, rps, seed, fault }) => {
          const baseline = { ...HEALTHY, errorRate };
          const canary =
            fault === 'errors'
              ? { ...baseline, errorRate: errorRate + 0.05 }
              : { ...baseline, extraSeconds: 0.2 };
          expect(releaseFails(seed, canary, baseline, rps)).toBe(true);
        },
      ),
      { numRuns: 10, seed: 20261205 },
    );
  });
});
