/**
 * Cost per release: state transitions counted from the embedded engine's own events (every state
 * entered, plus every retry, which Step Functions bills as a transition too) and Lambda
 * invocations counted as the runtime makes them (each Task attempt, the webhook, alarm-rollback
 * per ALARM event as its EventBridge rule matches, release-guard per FAILED/ABORTED/TIMED_OUT
 * execution). Priced against a polling loop over the same bakes on a real clock.
 */

import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../embedded/config.js';
import { lambdaContext } from '../embedded/engine.js';
import { pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { routesOf } from '../functions/shared/domain/config.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import { type BenchContext, runIfMain } from './child.js';
import { webhookEvent } from './github.js';
import { round, sleep } from './stats.js';

const root = new URL('..', import.meta.url).pathname;

/** us-east-1 list prices, as published on aws.amazon.com/step-functions/pricing and /lambda/pricing. */
export const PRICES = {
  stepFunctionsStandardPerTransitionUsd: 0.025 / 1000,
  lambdaPerRequestUsd: 0.2 / 1_000_000,
  /** Arm (Graviton), which every Sluice function runs on (infra/constructs/sluice-function.ts). */
  lambdaPerGbSecondUsd: 0.0000133334,
};

/**
 * Not measured: on AWS a Sluice handler spends its time on one to four AWS API round trips.
 * 256 MB (every function's memory) for 250 ms per invocation is the stated estimate.
 */
export const LAMBDA_ESTIMATE = { memoryMb: 256, durationMs: 250 };

const lambdaUsd = (invocations: number) =>
  invocations *
  (PRICES.lambdaPerRequestUsd +
    (LAMBDA_ESTIMATE.memoryMb / 1024) * (LAMBDA_ESTIMATE.durationMs / 1000) * PRICES.lambdaPerGbSecondUsd);

function priced(transitions: number, invocations: number) {
  const transitionsUsd = transitions * PRICES.stepFunctionsStandardPerTransitionUsd;
  const invocationsUsd = lambdaUsd(invocations);
  const totalUsd = transitionsUsd + invocationsUsd;
  return {
    transitions,
    lambdaInvocations: invocations,
    stepFunctionsUsd: round(transitionsUsd, 6),
    lambdaUsd: round(invocationsUsd, 6),
    totalUsd: round(totalUsd, 6),
    per1000ReleasesUsd: round(totalUsd * 1000, 2),
  };
}

interface Counted {
  status: string;
  transitions: number;
  byState: Record<string, number>;
  retries: number;
  invocations: Record<string, number>;
}

async function countRelease(kind: 'happy' | 'rolledBack', log: BenchContext['log']): Promise<Counted> {
  // One environment's release (dev, through a one-environment pipeline): later environments
  // would wait for a Slack approval that nobody gives here.
  const full = loadConfig(join(root, 'sluice.config.yaml'));
  const env = full.environments[0]!;
  const config = {
    ...full,
    environments: [env],
    routes: [{ branches: routesOf(full)[0]!.branches, environments: [env.name], buildTimeout: 3600 }],
  };
  const alarm = env.alarms[0]!;
  const invocations: Record<string, number> = {};
  const invoked = (fn: string) => {
    invocations[fn] = (invocations[fn] ?? 0) + 1;
  };
  const byState: Record<string, number> = {};
  let retries = 0;
  let stepsShifted = 0;
  let runtime: EmbeddedRuntime | undefined;
  runtime = await EmbeddedRuntime.start({
    config,
    // Waits round up to whole seconds: 1 s per bake and for the watch; the alarm period is 600 ms.
    timeScale: 0.01,
    dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')),
    onExecutionEvent: (_, event) => {
      if (event.type === 'StateEntered') byState[event.state.name] = (byState[event.state.name] ?? 0) + 1;
      if (event.type === 'StateRetried') retries++;
    },
    onAlarmEvent: (event) => {
      // The EventBridge rule delivers only state ALARM to alarm-rollback (infra/constructs/alarm-rollback.ts).
      if (event.detail.state.value === 'ALARM') invoked('alarm-rollback');
    },
    interceptTask: async (fn, payload, invoke) => {
      invoked(fn);
      const result = await invoke();
      const step = (payload as { step?: { index: number } }).step;
      if (fn === 'ShiftTraffic' && step && kind === 'rolledBack' && ++stepsShifted === 2) {
        // The alarm fires 200 ms into the second bake.
        setTimeout(() => runtime?.cloudwatch.setAlarmState(alarm, 'ALARM', 'bench: injected'), 200);
      }
      return result;
    },
  });
  try {
    const secret = await runtime.ports.secrets().get('github-webhook');
    // A first bake check before the alarm's first evaluation would see INSUFFICIENT_DATA.
    while (runtime.cloudwatch.describe([alarm])[0]?.state !== 'OK') await sleep(20);
    const sha = createHash('sha1').update(`sluice-bench-cost ${kind} ${process.pid}`).digest('hex');
    const payload = pushPayload(config.repository, 'release/bench', sha);
    const plan = planRelease(config, payload);
    if (plan.kind !== 'release') throw new Error(plan.reason);
    invoked('github-webhook');
    await runtime.handlers.githubWebhook(
      webhookEvent(secret, JSON.stringify(payload)),
      lambdaContext('webhook'),
    );
    // A push starts the pipeline, which starts the environment's release as a child.
    await runtime.pipelines.wait(plan.pipeline.executionName);
    const execution = await runtime.engine.wait(plan.environments[0]!.executionName);
    // EventBridge delivers FAILED, TIMED_OUT and ABORTED to release-guard (the engine calls it likewise).
    if (execution.status !== 'SUCCEEDED') invoked('release-guard');
    await sleep(100);
    const transitions = Object.values(byState).reduce((a, b) => a + b, 0) + retries;
    const record = await runtime.ports.releases().get(plan.release.id, env.name);
    log(
      `${kind}: ${execution.status}, record ${record?.status} (${record?.cause?.message ?? 'no cause'}), ${transitions} transitions`,
    );
    return { status: record?.status ?? execution.status, transitions, byState, retries, invocations };
  } finally {
    await runtime.close();
  }
}

/** States the analysis loop and the start check enter, less the Bake Waits they replace. */
function addedByAnalysis(byState: Record<string, number>): number {
  const added = [
    'CheckAlarmsAtStart',
    'AnalysisConfigured',
    'StartAnalysis',
    'AnalysisWait',
    'AnalyzeCanary',
    'AnalysisVerdict',
  ];
  const entered = added.reduce((n, state) => n + (byState[state] ?? 0), 0);
  // Without analysis each step enters Bake once; with it, StartAnalysis replaces that Wait.
  return entered - (byState.StartAnalysis ?? 0);
}

/** Seconds of bake and watch a release of the environment spends on a real clock. */
function monitoredSeconds(env: { steps: { bake: number }[]; watch: number }): number {
  return env.steps.reduce((sum, s) => sum + s.bake, 0) + env.watch;
}

export async function costBenchmark({ log }: BenchContext) {
  const config = loadConfig(join(root, 'sluice.config.yaml'));
  const env = config.environments[0]!;
  // Two runtimes side by side: counts are per runtime, and neither depends on timing.
  const [happy, rolledBack] = await Promise.all([
    countRelease('happy', log),
    countRelease('rolledBack', log),
  ]);
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  const seconds = monitoredSeconds(env);
  const lambdaPoller = (intervalSeconds: number) => {
    const polls = Math.ceil(seconds / intervalSeconds);
    return { intervalSeconds, polls, ...priced(0, polls) };
  };
  // The same loop inside a state machine: Wait → CheckAlarms → Choice per poll.
  const polls10 = Math.ceil(seconds / 10);

  return {
    environment: `${env.name} of sluice.config.yaml: ${env.steps.map((s) => `${s.weight}%/${s.bake}s`).join(', ')}, watch ${env.watch}s`,
    prices: PRICES,
    lambdaEstimate: { ...LAMBDA_ESTIMATE, note: 'stated estimate, not measured' },
    happy: {
      status: happy.status,
      ...priced(happy.transitions, sum(happy.invocations)),
      invocations: happy.invocations,
      byState: happy.byState,
      retries: happy.retries,
    },
    rolledBack: {
      status: rolledBack.status,
      scenario: 'alarm event 200 ms into the second bake',
      ...priced(rolledBack.transitions, sum(rolledBack.invocations)),
      invocations: rolledBack.invocations,
      byState: rolledBack.byState,
      retries: rolledBack.retries,
    },
    pipeline3Env: {
      computed: true,
      note: '3 × the happy dev release (each through its pipeline); a measured three-environment pipeline needs its prod approval clicked, which this benchmark does not do yet.',
      ...priced(3 * happy.transitions, 3 * sum(happy.invocations)),
    },
    pollingLoop: {
      note: `a poller over the same ${seconds} s of bakes and watch on a real clock; its scheduler's own cost is not included`,
      monitoredSeconds: seconds,
      lambdaEvery10s: lambdaPoller(10),
      lambdaEvery60s: lambdaPoller(60),
      stepFunctionsLoopEvery10s: { intervalSeconds: 10, polls: polls10, ...priced(3 * polls10, polls10) },
    },
    analysis: {
      note: 'transitions the canary analysis and the alarms-at-start check add to one release: per step the AnalysisConfigured Choice and StartAnalysis, then Wait → AnalyzeCanary → Choice per interval (in place of one Bake Wait); once CheckAlarmsAtStart',
      intervalSeconds: env.analysis?.interval ?? null,
      looks: happy.byState.AnalyzeCanary ?? 0,
      addedTransitionsHappy: addedByAnalysis(happy.byState),
      addedTransitionsRolledBack: addedByAnalysis(rolledBack.byState),
      addedUsdPer1000Releases: round(
        addedByAnalysis(happy.byState) * PRICES.stepFunctionsStandardPerTransitionUsd * 1000,
        4,
      ),
    },
    sluiceDetection: {
      note: 'what Sluice spends on alarm detection beyond the release itself: one alarm-rollback invocation per ALARM event, none while alarms stay OK',
      perAlarmEvent: priced(0, 1),
      perReleaseWithoutAlarm: priced(0, 0),
    },
  };
}

runIfMain(import.meta.url, 'cost', costBenchmark);
