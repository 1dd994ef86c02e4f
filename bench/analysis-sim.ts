/**
 * A seeded, in-process simulation of a canary release's traffic, minute by minute: the requests
 * each target group answers, their 5xx and their response times. No sleeps: a release of 15
 * simulated minutes takes milliseconds. Shared by bench/analysis.ts and the judge's property tests.
 */
import {
  type AnalysisSettings,
  comparisonKey,
  type GroupInterval,
  type IntervalPair,
} from '../functions/shared/domain/analysis.js';

// Math's functions as module constants: this loop runs millions of times, and under jest (a vm
// context, whose global object answers every global lookup through an interceptor) each
// `Math.x` read cost ~40× its plain-node time: the judge's property tests took 5 s of CPU, now 1 s.
const { ceil, cos, exp, imul, log, max, PI, round, sqrt } = Math;

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = max(random(), 1e-12);
  return sqrt(-2 * log(u)) * cos(2 * PI * random());
}

/** How one version behaves. */
export interface VersionBehaviour {
  /** Fraction of requests answered 5xx, e.g. 0.001. */
  errorRate: number;
  /** Median response time, seconds (lognormal). */
  medianSeconds: number;
  /** Lognormal shape. */
  sigma: number;
  /** Added to every response, seconds. */
  extraSeconds: number;
}

export const HEALTHY: VersionBehaviour = {
  errorRate: 0.001,
  medianSeconds: 0.08,
  sigma: 0.5,
  extraSeconds: 0,
};

/** A side's raw figures for one interval. */
export interface SideSample {
  requests: number;
  errors: number;
  latencies: number[];
}

/** Poisson-ish request count: normal approximation, whole and non-negative. */
function arrivals(random: () => number, mean: number): number {
  if (mean <= 0) return 0;
  return max(0, round(mean + sqrt(mean) * gaussian(random)));
}

/** One interval of one version at `rps` requests per second for `seconds`. */
export function sampleSide(
  random: () => number,
  behaviour: VersionBehaviour,
  rps: number,
  seconds: number,
): SideSample {
  const requests = arrivals(random, rps * seconds);
  let errors = 0;
  const latencies = new Array<number>(requests);
  for (let i = 0; i < requests; i++) {
    if (random() < behaviour.errorRate) errors++;
    latencies[i] = behaviour.medianSeconds * exp(behaviour.sigma * gaussian(random)) + behaviour.extraSeconds;
  }
  return { requests, errors, latencies };
}

/** Nearest-rank percentile of unsorted values; undefined for none. */
export function percentileOf(values: number[], percentile: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const rank = ceil((percentile / 100) * sorted.length);
  return sorted[max(0, rank - 1)];
}

/** A side's interval as the judge reads it: counts and the comparisons' statistics. */
export function groupInterval(sample: SideSample, settings: AnalysisSettings): GroupInterval {
  const values: Record<string, number | undefined> = {};
  for (const c of settings.comparisons) {
    if (c.kind === 'latency') values[comparisonKey(c)] = percentileOf(sample.latencies, c.percentile);
  }
  return { requests: sample.requests, errors: sample.errors, values };
}

/** An interval pair of both groups at a canary weight (percent). */
export function samplePair(
  random: () => number,
  options: {
    canary: VersionBehaviour;
    baseline: VersionBehaviour;
    rps: number;
    weight: number;
    seconds: number;
    start: number;
    settings: AnalysisSettings;
  },
): { pair: IntervalPair; canary: SideSample; baseline: SideSample } {
  const canary = sampleSide(random, options.canary, (options.rps * options.weight) / 100, options.seconds);
  const baseline = sampleSide(
    random,
    options.baseline,
    (options.rps * (100 - options.weight)) / 100,
    options.seconds,
  );
  return {
    canary,
    baseline,
    pair: {
      start: new Date(options.start).toISOString(),
      canary: groupInterval(canary, options.settings),
      baseline: groupInterval(baseline, options.settings),
    },
  };
}
