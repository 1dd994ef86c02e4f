/**
 * Canary analysis: judges the canary target group against the baseline (live) group from
 * per-interval metrics, with tests that stay valid however often they are looked at (ADR 0007).
 *
 * - Rates (5xx / requests): a mixture sequential probability ratio test (mSPRT, Johari et al.,
 *   "Always Valid Inference", 2017/2022) on the difference of the two proportions, one-sided
 *   against the allowed rise. Its always-valid p-value may be read after every interval.
 * - Per-interval statistics (a latency percentile, any other metric): CloudWatch returns one
 *   percentile per period and no samples, so each interval is one paired observation; a sequential
 *   sign test (a mixture martingale over Bernoulli(p), p ≥ 1/2) asks whether the canary exceeds the
 *   baseline × (1 + tolerance) in more than half of the intervals.
 * - Bonferroni across comparisons: each comparison is tested at α / k.
 * Pure: the same intervals always give the same result.
 */

/** One comparison of the canary with the baseline, as the state machine's input carries it. */
export type Comparison =
  | {
      kind: 'errorRate';
      /** Percentage points the canary's 5xx rate may exceed the baseline's, e.g. 0.5. */
      maxIncreasePoints: number;
    }
  | {
      kind: 'latency';
      /** TargetResponseTime percentile, e.g. 99 for p99. */
      percentile: number;
      /** Percent the canary's percentile may exceed the baseline's, e.g. 20. */
      maxIncreasePercent: number;
    }
  | {
      kind: 'metric';
      /** Any CloudWatch metric with a TargetGroup (and LoadBalancer) dimension; higher is worse. */
      namespace: string;
      name: string;
      /** Sum, Average, Maximum, p90, …: one value per interval and group. */
      statistic: string;
      maxIncreasePercent: number;
    };

/** The environment's analysis, as the state machine's input carries it (config `analysis`). */
export interface AnalysisSettings {
  /** How often the bake judges; the ALB metrics' resolution is 60 s. */
  intervalSeconds: number;
  /** e.g. 0.95: the chance a healthy canary is not failed, across all comparisons and looks. */
  confidence: number;
  /** Requests each side needs before a rate is judged at all. */
  minRequests: number;
  /** What the end of a bake does with a verdict that is neither pass nor fail. */
  inconclusive: 'pass' | 'fail';
  comparisons: Comparison[];
}

/** One group's figures for one interval. */
export interface GroupInterval {
  requests: number;
  errors: number;
  /** Per-interval statistics by comparison key (`comparisonKey`); absent when the group had no data. */
  values: Record<string, number | undefined>;
}

/** One interval of both groups, oldest first in a series. */
export interface IntervalPair {
  /** The interval's start, ISO. */
  start: string;
  canary: GroupInterval;
  baseline: GroupInterval;
}

export type AnalysisVerdict = 'pass' | 'fail' | 'inconclusive';

export interface ComparisonResult {
  key: string;
  verdict: AnalysisVerdict;
  /** The always-valid p-value for "the canary regressed beyond the tolerance". */
  p: number;
  evidence: string;
}

export interface AnalysisResult {
  verdict: AnalysisVerdict;
  /** One sentence per comparison, joined: what a person reads in the rollback's cause. */
  evidence: string;
  comparisons: ComparisonResult[];
}

/** The key a comparison's per-interval values travel under. */
export function comparisonKey(c: Comparison): string {
  switch (c.kind) {
    case 'errorRate':
      return 'errorRate';
    case 'latency':
      return `latency:p${c.percentile}`;
    case 'metric':
      return `metric:${c.namespace}/${c.name}:${c.statistic}`;
  }
}

/** Judges every comparison over the intervals so far; fail if any fails, pass if all pass. */
export function judgeCanary(intervals: readonly IntervalPair[], settings: AnalysisSettings): AnalysisResult {
  const alpha = (1 - settings.confidence) / Math.max(1, settings.comparisons.length);
  const comparisons = settings.comparisons.map((c) =>
    c.kind === 'errorRate'
      ? judgeRate(intervals, c.maxIncreasePoints / 100, alpha, settings.minRequests)
      : judgeSigns(intervals, c, alpha, settings.minRequests),
  );
  const verdict: AnalysisVerdict = comparisons.some((c) => c.verdict === 'fail')
    ? 'fail'
    : comparisons.every((c) => c.verdict === 'pass')
      ? 'pass'
      : 'inconclusive';
  const shown = verdict === 'fail' ? comparisons.filter((c) => c.verdict === 'fail') : comparisons;
  return { verdict, evidence: shown.map((c) => c.evidence).join('; '), comparisons };
}

/** Mixing scale of the rate test's normal mixture, as a proportion: effects near a point weigh most. */
export const RATE_MIXTURE_SCALE = 0.01;

/**
 * The mSPRT's likelihood ratio for an observed difference `d` with variance `v` against the null
 * difference `theta0`, mixing over N(theta0, tau²) (Johari et al., eq. 11).
 */
export function mixtureRatio(d: number, v: number, theta0: number, tau = RATE_MIXTURE_SCALE): number {
  const t2 = tau * tau;
  return Math.sqrt(v / (v + t2)) * Math.exp((t2 * (d - theta0) ** 2) / (2 * v * (v + t2)));
}

/** The half-width of the mSPRT's confidence sequence at level alpha: {θ : Λ(θ) < 1/α}. */
export function confidenceHalfWidth(v: number, alpha: number, tau = RATE_MIXTURE_SCALE): number {
  const t2 = tau * tau;
  return Math.sqrt(((2 * v * (v + t2)) / t2) * (Math.log(1 / alpha) + 0.5 * Math.log((v + t2) / v)));
}

/** A proportion's variance, with half an event added so that 0 of n does not claim certainty. */
function proportionVariance(errors: number, requests: number): number {
  const p = (errors + 0.5) / (requests + 1);
  return (p * (1 - p)) / requests;
}

function judgeRate(
  intervals: readonly IntervalPair[],
  tolerance: number,
  alpha: number,
  minRequests: number,
): ComparisonResult {
  const key = 'errorRate';
  let c = { requests: 0, errors: 0 };
  let b = { requests: 0, errors: 0 };
  let p = 1;
  let looks = 0;
  let last: { d: number; v: number } | undefined;
  for (const interval of intervals) {
    c = { requests: c.requests + interval.canary.requests, errors: c.errors + interval.canary.errors };
    b = { requests: b.requests + interval.baseline.requests, errors: b.errors + interval.baseline.errors };
    if (c.requests < minRequests || b.requests < minRequests) continue;
    looks++;
    const d = c.errors / c.requests - b.errors / b.requests;
    const v = proportionVariance(c.errors, c.requests) + proportionVariance(b.errors, b.requests);
    // One-sided: only a rise beyond the tolerance is evidence against the canary.
    if (d > tolerance) p = Math.min(p, 1 / mixtureRatio(d, v, tolerance));
    last = { d, v };
  }
  const rates = `canary ${percent(c.errors, c.requests)} 5xx (${count(c.errors)}/${count(c.requests)}) vs baseline ${percent(b.errors, b.requests)} (${count(b.errors)}/${count(b.requests)})`;
  const allowed = `${points(tolerance)} allowed`;
  if (!last) {
    return {
      key,
      verdict: 'inconclusive',
      p: 1,
      evidence: `${rates}: fewer than ${count(minRequests)} requests on a side, not judged yet`,
    };
  }
  const rise = `${last.d >= 0 ? '+' : '−'}${points(Math.abs(last.d))}`;
  if (p <= alpha) {
    return {
      key,
      verdict: 'fail',
      p,
      evidence: `${rates}, regression ${rise} > ${allowed}, p = ${formatP(p)} (always-valid, ${looks} look${looks === 1 ? '' : 's'}, α = ${formatP(alpha)})`,
    };
  }
  const upper = last.d + confidenceHalfWidth(last.v, alpha);
  if (upper < tolerance) {
    return {
      key,
      verdict: 'pass',
      p,
      evidence: `${rates}, difference ${rise}, at most +${points(upper)} at ${formatConfidence(alpha)} confidence ≤ ${allowed}`,
    };
  }
  return {
    key,
    verdict: 'inconclusive',
    p,
    evidence: `${rates}, difference ${rise}, up to +${points(upper)} not ruled out (${allowed}), p = ${formatP(p)}`,
  };
}

/**
 * The sign test's mixture martingale after `k` of `n` intervals exceeded: the likelihood of
 * Bernoulli(q) mixed uniformly over q in [1/2, 1], against q = 1/2. Under any q ≤ 1/2 it is a
 * nonnegative supermartingale, so by Ville's inequality it reaches 1/α with chance at most α.
 */
export function signMixtureRatio(k: number, n: number): number {
  // 2 · ∫_{1/2}^{1} q^k (1−q)^(n−k) dq / 2^−n, by the regularized incomplete beta in log space.
  return 2 * 2 ** n * betaTail(k, n - k);
}

/** ∫_{1/2}^{1} q^a (1−q)^b dq, by Simpson's rule on a fine grid (a, b are interval counts, small). */
function betaTail(a: number, b: number): number {
  const steps = 400;
  const h = 0.5 / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const q = 0.5 + i * h;
    const f = q ** a * (1 - q) ** b;
    sum += f * (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2);
  }
  return (sum * h) / 3;
}

/**
 * Requests one side needs in an interval before its percentile counts: at least one request
 * beyond the percentile on average (100 for p99, 20 for p95), and never fewer than 5.
 */
export function requestsForPercentile(percentile: number): number {
  return Math.max(5, Math.ceil(100 / (100 - Math.min(percentile, 99.9))));
}

function judgeSigns(
  intervals: readonly IntervalPair[],
  comparison: Exclude<Comparison, { kind: 'errorRate' }>,
  alpha: number,
  minRequests: number,
): ComparisonResult {
  const key = comparisonKey(comparison);
  const factor = 1 + comparison.maxIncreasePercent / 100;
  const perInterval = comparison.kind === 'latency' ? requestsForPercentile(comparison.percentile) : 1;
  let n = 0;
  let exceeded = 0;
  let p = 1;
  let passRatio = 0;
  const canaryValues: number[] = [];
  const baselineValues: number[] = [];
  let requests = { canary: 0, baseline: 0 };
  for (const interval of intervals) {
    requests = {
      canary: requests.canary + interval.canary.requests,
      baseline: requests.baseline + interval.baseline.requests,
    };
    const c = interval.canary.values[key];
    const b = interval.baseline.values[key];
    if (c === undefined || b === undefined) continue;
    if (comparison.kind === 'latency') {
      if (interval.canary.requests < perInterval || interval.baseline.requests < perInterval) continue;
    }
    n++;
    if (c > b * factor) exceeded++;
    canaryValues.push(c);
    baselineValues.push(b);
    if (requests.canary < minRequests || requests.baseline < minRequests) continue;
    p = Math.min(p, 1 / signMixtureRatio(exceeded, n));
    passRatio = Math.max(passRatio, signMixtureRatio(n - exceeded, n));
  }
  const label =
    comparison.kind === 'latency'
      ? `p${comparison.percentile} response time`
      : `${comparison.name} ${comparison.statistic}`;
  const show = (v: number) =>
    comparison.kind === 'latency' ? `${formatNumber(v * 1000)} ms` : formatNumber(v);
  if (n === 0) {
    return {
      key,
      verdict: 'inconclusive',
      p: 1,
      evidence: `${label}: no interval with data on both sides yet`,
    };
  }
  const summary = `canary ${label} above baseline +${formatNumber(comparison.maxIncreasePercent)}% in ${exceeded} of ${n} intervals (median ${show(median(canaryValues))} vs ${show(median(baselineValues))})`;
  if (p <= alpha) {
    return {
      key,
      verdict: 'fail',
      p,
      evidence: `${summary}, p = ${formatP(p)} (sequential sign test, α = ${formatP(alpha)})`,
    };
  }
  if (passRatio >= 1 / alpha) {
    return { key, verdict: 'pass', p, evidence: `${summary}, within tolerance` };
  }
  return { key, verdict: 'inconclusive', p, evidence: `${summary}, p = ${formatP(p)}, not decided yet` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (i: number) => sorted[i] ?? Number.NaN; // an empty list has no median
  return sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

const count = (n: number) => n.toLocaleString('en-US');

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${formatNumber((100 * part) / whole)}%`;
}

function points(fraction: number): string {
  const value = 100 * fraction;
  return `${formatNumber(value)} point${value === 1 ? '' : 's'}`;
}

function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(abs >= 10 ? 3 : 2)));
}

function formatConfidence(alpha: number): string {
  return `${formatNumber(100 * (1 - alpha))}%`;
}

/** p-values: 4 decimals, or "< 0.0001". */
export function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(4);
}
