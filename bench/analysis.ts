/**
 * Canary analysis against alarms alone, on the same simulated traffic (bench/analysis-sim.ts,
 * seeded; no sleeps: a release's 20 minutes take milliseconds).
 *
 * A release: 10% × 5 min, 50% × 5 min, 100% × 5 min, then a 5-minute post-release watch, at 50
 * requests per second. Healthy versions fail 0.1% of requests with lognormal response times
 * (median 80 ms, p99 ≈ 256 ms). The alarms are the environment-wide ones a team would set without
 * paging on noise: 5xx rate > 5% for 2 consecutive minutes, p99 > 400 ms (≈ 1.5 × healthy) for 3.
 * Analysis (the defaults: 5xx rate +0.5 points, p99 +20%, 95% confidence, 200 requests a side)
 * judges each minute of every bake; Sluice runs it beside the alarms, so its arm stops at the first
 * of either. A/A: healthy vs healthy, counting failed releases. A/B: a canary with 1%, 2% or 5%
 * more errors, or +200 ms on every response, counting detections, minutes to detect, and the
 * requests the faulty version served until traffic was back (the whole horizon if never caught).
 */
import { type AnalysisSettings, judgeCanary } from '../functions/shared/domain/analysis.js';
import { DEFAULT_COMPARISONS } from '../functions/shared/domain/config.js';
import { analysisSettings } from '../functions/shared/domain/plan.js';
import { HEALTHY, percentileOf, prng, samplePair, type VersionBehaviour } from './analysis-sim.js';
import { type BenchContext, runIfMain } from './child.js';
import { round } from './stats.js';

const RPS = 50;
const STEPS = [
  { weight: 10, minutes: 5 },
  { weight: 50, minutes: 5 },
  { weight: 100, minutes: 5 },
];
const WATCH_MINUTES = 5;
const ALARMS = {
  errorRatePercent: 5,
  errorRatePeriods: 2,
  p99Seconds: 0.4,
  p99Periods: 3,
};

export const SETTINGS: AnalysisSettings = analysisSettings({
  comparisons: DEFAULT_COMPARISONS,
  confidence: 0.95,
  minRequests: 200,
  interval: 60,
  inconclusive: 'pass',
});

const FAULTS: { name: string; canary: VersionBehaviour }[] = [
  { name: '+1% errors', canary: { ...HEALTHY, errorRate: HEALTHY.errorRate + 0.01 } },
  { name: '+2% errors', canary: { ...HEALTHY, errorRate: HEALTHY.errorRate + 0.02 } },
  { name: '+5% errors', canary: { ...HEALTHY, errorRate: HEALTHY.errorRate + 0.05 } },
  { name: '+200 ms latency', canary: { ...HEALTHY, extraSeconds: 0.2 } },
];

interface Outcome {
  /** Minute (1-based, counted from the first shift) at whose end the release was stopped; undefined: never. */
  analysisMinute?: number;
  alarmsMinute?: number;
  /** Requests the new version served until the stop, or over the whole horizon. */
  servedUntilAnalysisOrAlarms: number;
  servedUntilAlarms: number;
}

/** One release on the simulated clock: both arms see the same traffic, minute by minute. */
function simulate(seed: number, canary: VersionBehaviour): Outcome {
  const random = prng(seed);
  const pairs = [];
  const breaching = { errors: 0, p99: 0 };
  let minute = 0;
  let served = 0;
  let analysisMinute: number | undefined;
  let alarmsMinute: number | undefined;
  let servedAtAnalysis = 0;
  let servedAtAlarms = 0;
  const timeline = [
    ...STEPS.flatMap((s) => Array.from({ length: s.minutes }, () => ({ weight: s.weight, bake: true }))),
    ...Array.from({ length: WATCH_MINUTES }, () => ({ weight: 100, bake: false })),
  ];
  for (const { weight, bake } of timeline) {
    minute++;
    const {
      pair,
      canary: c,
      baseline: b,
    } = samplePair(random, {
      canary,
      baseline: HEALTHY,
      rps: RPS,
      weight,
      seconds: 60,
      start: minute * 60_000,
      settings: SETTINGS,
    });
    served += c.requests;
    // The alarms: environment-wide, on the listener's datapoint of this minute.
    const requests = c.requests + b.requests;
    const rate = requests ? (100 * (c.errors + b.errors)) / requests : 0;
    const p99 = percentileOf([...c.latencies, ...b.latencies], 99) ?? 0;
    breaching.errors = rate > ALARMS.errorRatePercent ? breaching.errors + 1 : 0;
    breaching.p99 = p99 > ALARMS.p99Seconds ? breaching.p99 + 1 : 0;
    if (
      alarmsMinute === undefined &&
      (breaching.errors >= ALARMS.errorRatePeriods || breaching.p99 >= ALARMS.p99Periods)
    ) {
      alarmsMinute = minute;
      servedAtAlarms = served;
    }
    // The analysis: every minute of every bake.
    pairs.push(pair);
    if (bake && analysisMinute === undefined && judgeCanary(pairs, SETTINGS).verdict === 'fail') {
      analysisMinute = minute;
      servedAtAnalysis = served;
    }
    if (alarmsMinute !== undefined && analysisMinute !== undefined) break;
  }
  const horizon = served;
  const first = Math.min(
    analysisMinute ?? Number.POSITIVE_INFINITY,
    alarmsMinute ?? Number.POSITIVE_INFINITY,
  );
  return {
    ...(analysisMinute !== undefined ? { analysisMinute } : {}),
    ...(alarmsMinute !== undefined ? { alarmsMinute } : {}),
    servedUntilAnalysisOrAlarms:
      first === Number.POSITIVE_INFINITY
        ? horizon
        : first === analysisMinute
          ? servedAtAnalysis
          : servedAtAlarms,
    servedUntilAlarms: alarmsMinute !== undefined ? servedAtAlarms : horizon,
  };
}

const median = (values: number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const mean = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length), 1);

export async function analysisBenchmark({ quick, log }: BenchContext) {
  const healthyRuns = quick ? 60 : 200;
  const faultRuns = quick ? 30 : 100;
  const started = performance.now();

  const aa = Array.from({ length: healthyRuns }, (_, i) => simulate(1_000 + i, HEALTHY));
  const falseFails = aa.filter((o) => o.analysisMinute !== undefined).length;
  const falseAlarms = aa.filter((o) => o.alarmsMinute !== undefined).length;
  log(`A/A: ${falseFails}/${healthyRuns} failed by analysis, ${falseAlarms} by alarms`);

  const byFault = FAULTS.map((fault, f) => {
    const runs = Array.from({ length: faultRuns }, (_, i) => simulate(100_000 * (f + 1) + i, fault.canary));
    const caught = runs.filter((o) => o.analysisMinute !== undefined);
    const alarmed = runs.filter((o) => o.alarmsMinute !== undefined);
    const withAnalysis = runs.filter((o) => o.analysisMinute !== undefined || o.alarmsMinute !== undefined);
    const result = {
      fault: fault.name,
      runs: faultRuns,
      detectedByAnalysis: round(caught.length / faultRuns, 3),
      detectedByAlarms: round(alarmed.length / faultRuns, 3),
      detectedWithAnalysisAndAlarms: round(withAnalysis.length / faultRuns, 3),
      medianMinutesToDetectAnalysis: median(caught.map((o) => o.analysisMinute!)),
      medianMinutesToDetectAlarms: median(alarmed.map((o) => o.alarmsMinute!)),
      faultyRequestsAnalysis: mean(runs.map((o) => o.servedUntilAnalysisOrAlarms)),
      faultyRequestsAlarms: mean(runs.map((o) => o.servedUntilAlarms)),
    };
    log(
      `${fault.name}: analysis ${result.detectedByAnalysis}, alarms ${result.detectedByAlarms}; served ${result.faultyRequestsAnalysis} vs ${result.faultyRequestsAlarms}`,
    );
    return result;
  });

  return {
    method:
      'seeded in-process simulation (bench/analysis-sim.ts), one datapoint per minute, both arms on the same traffic; faulty requests: served by the new version until the first detection of the arm (analysis arm: analysis or alarms, as Sluice runs them), or over the whole release and watch when never detected',
    traffic: {
      requestsPerSecond: RPS,
      steps: STEPS.map((s) => `${s.weight}% × ${s.minutes} min`),
      watchMinutes: WATCH_MINUTES,
      healthy: HEALTHY,
    },
    alarms: ALARMS,
    settings: SETTINGS,
    healthyReleases: healthyRuns,
    falseFailRate: round(falseFails / healthyRuns, 4),
    falseAlarmRate: round(falseAlarms / healthyRuns, 4),
    byFault,
    wallMs: Math.round(performance.now() - started),
  };
}

runIfMain(import.meta.url, 'analysis', analysisBenchmark);
