import {
  type AnalysisSettings,
  confidenceHalfWidth,
  type IntervalPair,
  judgeCanary,
  mixtureRatio,
  signMixtureRatio,
} from '../../functions/shared/domain/analysis.js';

const settings: AnalysisSettings = {
  intervalSeconds: 60,
  confidence: 0.95,
  minRequests: 200,
  inconclusive: 'pass',
  comparisons: [{ kind: 'errorRate', maxIncreasePoints: 0.5 }],
};

const interval = (
  canary: [number, number],
  baseline: [number, number],
  values: { canary?: number; baseline?: number } = {},
): IntervalPair => ({
  start: '2026-12-05T09:00:00.000Z',
  canary: { requests: canary[0], errors: canary[1], values: { 'latency:p99': values.canary } },
  baseline: { requests: baseline[0], errors: baseline[1], values: { 'latency:p99': values.baseline } },
});

describe('Function: judgeCanary', () => {
  describe('Comparison: errorRate', () => {
    it('fails a canary that serves 2.1% 5xx against 0.1%, with the counts, the rise and p in the evidence', () => {
      // Prepare
      const intervals = [interval([1000, 21], [900, 1]), interval([1000, 21], [900, 1])];

      // Act
      const result = judgeCanary(intervals, settings);

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.evidence).toMatch(
        /^canary 2\.1% 5xx \(42\/2,000\) vs baseline 0\.11% \(2\/1,800\), regression \+2 points > 0\.5 points allowed, p = /,
      );
      expect(result.comparisons[0]!.p).toBeLessThan(0.05);
    });

    it('judges nothing until both sides have the minimum requests', () => {
      // Prepare
      const intervals = [interval([150, 30], [1500, 1])];

      // Act
      const result = judgeCanary(intervals, settings);

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.evidence).toContain('fewer than 200 requests on a side');
    });

    it('passes a canary whose upper confidence bound is below the allowed rise', () => {
      // Prepare
      const intervals = Array.from({ length: 5 }, () => interval([2000, 2], [18000, 18]));

      // Act
      const result = judgeCanary(intervals, settings);

      // Assess
      expect(result.verdict).toBe('pass');
      expect(result.evidence).toMatch(/at most \+0\.\d+ points at 95% confidence ≤ 0\.5 points allowed/);
    });

    it('keeps the smallest p-value of every look: a regression once proven stays failed', () => {
      // Prepare: a burst of errors early, then healthy intervals that dilute the total.
      const early = [interval([1000, 60], [9000, 9])];
      const later = Array.from({ length: 30 }, () => interval([1000, 1], [9000, 9]));

      // Act
      const result = judgeCanary([...early, ...later], settings);

      // Assess
      expect(judgeCanary(early, settings).verdict).toBe('fail');
      expect(result.verdict).toBe('fail');
    });

    it('tests each comparison at α divided by their number (Bonferroni)', () => {
      // Prepare
      const two: AnalysisSettings = {
        ...settings,
        comparisons: [...settings.comparisons, { kind: 'latency', percentile: 99, maxIncreasePercent: 20 }],
      };
      const intervals = [interval([1000, 30], [9000, 9])];

      // Act
      const one = judgeCanary(intervals, settings);
      const both = judgeCanary(intervals, two);

      // Assess
      expect(one.evidence).toContain('α = 0.0500');
      expect(both.evidence).toContain('α = 0.0250');
    });
  });

  describe('Comparison: latency', () => {
    const latency: AnalysisSettings = {
      ...settings,
      comparisons: [{ kind: 'latency', percentile: 99, maxIncreasePercent: 20 }],
    };

    it('fails when the canary p99 exceeds the baseline by more than the tolerance interval after interval', () => {
      // Prepare
      const intervals = Array.from({ length: 8 }, () =>
        interval([300, 0], [2700, 0], { canary: 0.46, baseline: 0.25 }),
      );

      // Act
      const result = judgeCanary(intervals, latency);

      // Assess
      expect(result.verdict).toBe('fail');
      expect(result.evidence).toContain(
        'canary p99 response time above baseline +20% in 8 of 8 intervals (median 460 ms vs 250 ms)',
      );
    });

    it('does not fail on fewer intervals than the sign test needs, however large the gap', () => {
      // Prepare
      const intervals = Array.from({ length: 4 }, () =>
        interval([300, 0], [2700, 0], { canary: 5, baseline: 0.25 }),
      );

      // Act
      const result = judgeCanary(intervals, latency);

      // Assess
      expect(result.verdict).toBe('inconclusive');
    });

    it('skips intervals in which a side has too few requests for its p99', () => {
      // Prepare
      const intervals = Array.from({ length: 12 }, () =>
        interval([50, 0], [2700, 0], { canary: 1, baseline: 0.25 }),
      );

      // Act
      const result = judgeCanary(intervals, latency);

      // Assess
      expect(result.verdict).toBe('inconclusive');
      expect(result.evidence).toContain('no interval with data on both sides');
    });
  });
});

describe('Function: mixtureRatio', () => {
  it('is the normal-mixture likelihood ratio of Johari et al.: below 1 at the null, growing with the gap', () => {
    expect(mixtureRatio(0.005, 1e-6, 0.005)).toBeCloseTo(Math.sqrt(1e-6 / (1e-6 + 1e-4)), 10);
    expect(mixtureRatio(0.02, 1e-6, 0.005)).toBeGreaterThan(mixtureRatio(0.01, 1e-6, 0.005));
  });

  it('has a confidence sequence whose edge is exactly where the ratio reaches 1/α', () => {
    const v = 2e-6;
    const w = confidenceHalfWidth(v, 0.05);
    expect(mixtureRatio(0.005 + w, v, 0.005)).toBeCloseTo(20, 6);
  });
});

describe('Function: signMixtureRatio', () => {
  it('matches the closed form when every interval exceeded: 2^(n+1) (1 − 2^−(n+1)) / (n + 1)', () => {
    for (const n of [1, 5, 10]) {
      expect(signMixtureRatio(n, n)).toBeCloseTo((2 ** (n + 1) * (1 - 2 ** -(n + 1))) / (n + 1), 6);
    }
  });

  it('stays below 1 when half or fewer of the intervals exceeded', () => {
    expect(signMixtureRatio(5, 10)).toBeLessThan(1);
    expect(signMixtureRatio(0, 10)).toBeCloseTo(1 / 11, 6);
  });
});
