/** The summary every latency figure in results.json is reported with. */
export interface Summary {
  count: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/**
 * The q-th percentile (0–100) by the nearest-rank method: the smallest sample with at least q% of
 * the samples at or below it. Always one of the samples, so a p99 of 100 samples is the largest
 * but one, never an interpolation between them.
 */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new RangeError('percentile of no samples');
  if (!(q >= 0 && q <= 100)) throw new RangeError(`percentile ${q} is outside 0–100`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((q / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Count, extremes, mean and the 50th/95th/99th percentiles, rounded to `digits` decimals. */
export function summarize(samples: readonly number[], digits = 3): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  const round = (v: number) => Number(v.toFixed(digits));
  return {
    count: samples.length,
    minMs: round(Math.min(...samples)),
    p50Ms: round(percentile(samples, 50)),
    p95Ms: round(percentile(samples, 95)),
    p99Ms: round(percentile(samples, 99)),
    maxMs: round(Math.max(...samples)),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

/** Rounds to `digits` decimals, for figures that are not summaries. */
export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Waits; benchmarks use it between phases, never to assert anything. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
