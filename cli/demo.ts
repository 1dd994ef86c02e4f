import { createHash, randomBytes } from 'node:crypto';
import type { Epoch } from '../embedded/alb.js';
import type { ConfigFile } from '../embedded/config.js';
import type { EventLog } from '../embedded/engine.js';
import { startLoad } from '../embedded/load.js';
import { deliver, pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { createApp, listen } from '../embedded/server.js';
import { metricsOf } from '../functions/shared/control/delivery-metrics.js';
import { arnLocation, targetRoleArn } from '../functions/shared/domain/accounts.js';
import { routesOf } from '../functions/shared/domain/config.js';
import type { DeliveryMetrics } from '../functions/shared/domain/delivery-metrics.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import type { ReleaseRecord, Trigger } from '../functions/shared/domain/release.js';
import {
  causeWords,
  type GroupNames,
  statusWords,
  withoutArns,
} from '../functions/shared/domain/release-words.js';
import { alarmWords, formatMetrics } from './format.js';

/**
 * One (version, environment) of the demo's report. Everything in it is said in words, as a person
 * reads it: statuses ("rolled back"), what caught a failure ("the canary analysis"), the cause as
 * the Slack thread tells it; never an ARN, an engine event or a snake_case name (issue 21).
 */
export interface DemoRelease {
  version: string;
  environment: string;
  outcome: 'promoted' | 'rolled back' | 'not started' | 'other';
  /** The record's status in words. */
  status: string;
  steps: { weight: number; observedCanaryPercent: number; requests: number }[];
  rollback?: { caughtBy: string; alarm?: string; trafficRestoredMs?: number; cause: string };
  /** The Slack approval the demo gave itself, through the signed /slack/interactions endpoint. */
  approval?: { id: string; by: string; httpStatus: number };
  /** Requests sent after traffic was restored, and how many of them the stable version answered. */
  afterRestore?: { requests: number; servedByStable: number };
}

export interface DemoReport {
  ok: boolean;
  problems: string[];
  durationMs: number;
  load: { ratePerSecond: number; requests: number; byVersion: Record<string, number> };
  /** The environments the demo's push walks, in order. */
  route: string[];
  /** The "Sluice plan" check run on the healthy commit, as the local GitHub holds it. */
  planCheck?: { name: string; conclusion: string | null; updates: number };
  /** One entry per (version, environment) of the route. */
  releases: DemoRelease[];
  /** DORA's four metrics over the demo's records, as `sluice status --metrics --json` gives them. */
  metrics?: DeliveryMetrics;
  /** Each environment of the route in its own account: how the demo reached it (the local STS and trail). */
  accounts?: DemoAccount[];
}

/** An environment in its own account, as the embedded runtime's local STS and CloudTrail saw it. */
export interface DemoAccount {
  environment: string;
  account: string;
  /** AssumeRole calls into the environment's role that STS granted, and refused. */
  assumed: number;
  refused: number;
  /** The functions that assumed it. */
  functions: string[];
  /** Calls on the environment's resources, and how many of them were made as its role. */
  calls: number;
  callsAsRole: number;
}

const sha = (label: string) => createHash('sha1').update(`sluice-demo ${label}`).digest('hex');
const short = (version: string) => (/^[0-9a-f]{40}$/.test(version) ? version.slice(0, 7) : version);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Observed canary share of each step, from the load balancer's own per-weights epochs. */
function observedSteps(record: ReleaseRecord, epochs: Epoch[]): DemoRelease['steps'] {
  const idle = record.targets?.idle;
  if (!idle) return [];
  return record.steps.map((step) => {
    // The epoch that began when this step's weights were written (the last such one).
    const epoch = [...epochs]
      .reverse()
      .find((e) => e.weights[idle] === step.weight && Date.parse(e.startedAt) <= Date.parse(step.at));
    const requests = epoch ? Object.values(epoch.requests).reduce((a, b) => a + b, 0) : 0;
    const canary = epoch?.requests[idle] ?? 0;
    return {
      weight: step.weight,
      observedCanaryPercent: requests ? Math.round((canary / requests) * 1000) / 10 : 0,
      requests,
    };
  });
}

/**
 * Approves, as a Slack user would, every approval of this release that waits: the API signs a
 * Slack block_actions click and posts it to /slack/interactions, the endpoint Slack calls.
 */
async function approveWhenAsked(
  runtime: EmbeddedRuntime,
  serverUrl: string,
  apiToken: string,
  releaseId: string,
  done: () => boolean,
  print: (line: string) => void,
): Promise<Record<string, { id: string; by: string; httpStatus: number }>> {
  const given: Record<string, { id: string; by: string; httpStatus: number }> = {};
  while (!done()) {
    await sleep(50);
    const pending = (await runtime.ports.approvals().list()).filter(
      (a) => a.releaseId === releaseId && a.message && !given[a.environment] && a.status === 'pending',
    );
    for (const approval of pending) {
      print(`  ⏸ ${approval.environment} waits for its Slack approval (${approval.id}); no traffic moved`);
      const answer = await fetch(`${serverUrl}/api/approvals/${approval.id}/approve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sluice-token': apiToken },
        body: '{}',
      });
      const clicked = (await answer.json()) as { status: number; user: string };
      print(
        `  ✔ the demo approves ${approval.environment}: a signed Slack click as ${clicked.user} → POST /slack/interactions → ${clicked.status}`,
      );
      given[approval.environment] = { id: approval.id, by: clicked.user, httpStatus: clicked.status };
    }
  }
  return given;
}

/**
 * The third push's error rate: at 10% or 50% of the demo's load it adds fewer 5xx per minute than
 * the dev alarm's threshold (5), so only the canary analysis can catch it.
 */
const REGRESSION_ERROR_RATE = 0.03;

/** Observed canary share can be judged only with enough requests per step. */
const MIN_SHARE_OF_EXPECTED_REQUESTS = 0.5;

type Print = (line: string) => void;
type Response = { at: number; version: string | undefined; status: number };

/** What the demo's steps share: the runtime, its HTTP front door, the load and its answers. */
interface DemoContext {
  config: ConfigFile;
  runtime: EmbeddedRuntime;
  server: Awaited<ReturnType<typeof listen>>;
  apiToken: string;
  webhookSecret: string;
  /** Print the engine's events and the webhook's answers as JSON as well. */
  verbose: boolean;
  /** A branch the first route matches (release/* → release/demo), and the environments it walks. */
  branch: string;
  route: string[];
  /** Each environment's answers to the steady load. */
  responses: Record<string, Response[]>;
  loads: { stop(): Promise<unknown> }[];
  /** Which environment a child execution releases, and which one the ticker shows. */
  progress: { current: string; envByExecution: Map<string, string> };
  print: Print;
}

/**
 * The embedded scenario: steady load through each environment's local ALB; a healthy push that
 * the pipeline walks through every environment of its route (dev → staging → prod on the example
 * config), with CI completing a few seconds after the push as GitHub Actions would; then a faulty
 * push that its alarm rolls back in the first environment, which stops its pipeline there; then a
 * push whose 3% errors stay under the alarm's threshold, which the canary analysis rolls back.
 */
export async function runDemo(options: {
  config: ConfigFile;
  rate: number;
  print?: Print;
  /** How long the local CI takes to complete the push's check runs. @default 3000 */
  ciDelayMs?: number;
  /** Also print the engine's events and the webhook's answers as the JSON they are. */
  verbose?: boolean;
}): Promise<DemoReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config } = options;
  const started = Date.now();
  const healthy = sha('healthy');
  const faulty = sha('faulty');
  const regressed = sha('regressed');

  const ctx = await startDemo(
    config,
    { faulty, regressed },
    healthy,
    options.rate,
    print,
    options.verbose ?? false,
  );
  const stopTicker = printTrafficEverySecond(ctx);
  const releases: DemoRelease[] = [];
  let planCheck: DemoReport['planCheck'];
  let metrics: DeliveryMetrics | undefined;
  let accounts: DemoAccount[] = [];
  try {
    await sleep(1000);
    releases.push(...(await pushThroughPipeline(ctx, healthy, 'healthy', options.ciDelayMs)));
    planCheck = planCheckOf(ctx, healthy);
    releases.push(
      ...(await pushThroughPipeline(ctx, faulty, 'faulty: 20% of its requests fail', options.ciDelayMs)),
    );
    releases.push(
      ...(await pushThroughPipeline(
        ctx,
        regressed,
        `regressed: ${REGRESSION_ERROR_RATE * 100}% of its requests fail, under the alarm's threshold`,
        options.ciDelayMs,
      )),
    );
    metrics = await metricsOf(ctx.runtime.ports);
    accounts = accountsOf(ctx);
  } finally {
    stopTicker();
    await stopDemo(ctx);
  }

  const problems = judge({
    config,
    rate: options.rate,
    route: ctx.route,
    releases,
    healthy,
    faulty,
    regressed,
    planCheck,
    accounts,
  });
  const report: DemoReport = {
    ok: problems.length === 0,
    problems,
    durationMs: Date.now() - started,
    load: { ratePerSecond: options.rate, ...countByVersion(ctx.responses) },
    route: ctx.route,
    ...(planCheck ? { planCheck } : {}),
    releases,
    ...(metrics ? { metrics } : {}),
    ...(accounts.length > 0 ? { accounts } : {}),
  };
  printSummary(report, print);
  return report;
}

/** The runtime (narrating steps, soaks and alarms), its HTTP API, and steady load on every listener. */
async function startDemo(
  config: ConfigFile,
  { faulty, regressed }: { faulty: string; regressed: string },
  healthy: string,
  rate: number,
  print: Print,
  verbose: boolean,
): Promise<DemoContext> {
  const pattern = routesOf(config)[0]!.branches[0]!;
  const branch = pattern.replace(/\*+/g, 'demo').replace(/[?[\]{}]/g, '');
  const firstPlan = planRelease(config, pushPayload(config.repository, branch, healthy));
  if (firstPlan.kind === 'ignored') throw new Error(`demo push would be ignored: ${firstPlan.reason}`);
  const route = firstPlan.route.environments;
  const progress = { current: route[0]!, envByExecution: new Map<string, string>() };

  const runtime = await EmbeddedRuntime.start({
    config,
    faults: (version) =>
      version === faulty
        ? { errorRate: 0.2 }
        : version === regressed
          ? { errorRate: REGRESSION_ERROR_RATE }
          : undefined,
    onExecutionEvent: narrator(progress, print, verbose),
    onAlarmEvent: (event, result, route) => {
      print(alarmWords(event.detail, result, route));
      if (verbose) print(`    (alarm handler) ${JSON.stringify(result)}`);
    },
  });
  const apiToken = randomBytes(24).toString('base64url');
  const server = await listen(createApp(runtime, { apiToken }));
  runtime.notifications.deployments.pageUrl = server.url;
  const responses: Record<string, Response[]> = {};
  // The first environment carries the full rate (its canary shares are judged); later ones a quarter.
  const loads = route.map((env, i) => {
    responses[env] = [];
    return startLoad({
      url: runtime.listenerUrls[env]!,
      ratePerSecond: i === 0 ? rate : Math.max(10, Math.round(rate / 4)),
      onResponse: (r) =>
        responses[env]!.push({ at: r.at - r.latencyMs, version: r.version, status: r.status }),
    });
  });
  const webhookSecret = await runtime.ports.secrets().get('github-webhook');
  return {
    config,
    runtime,
    server,
    apiToken,
    webhookSecret,
    verbose,
    branch,
    route,
    responses,
    loads,
    progress,
    print,
  };
}

/** The route's environments in their own accounts, as the local STS and CloudTrail saw them. */
function accountsOf({ config, route, runtime }: DemoContext): DemoAccount[] {
  return config.environments.flatMap((env) => {
    if (!env.account || !route.includes(env.name)) return [];
    const role = targetRoleArn(config.service, env.name, env.account);
    const calls = runtime.accounts.sts.calls.filter((c) => c.input.RoleArn === role);
    const id = env.account.id;
    const roleName = role.split('/').at(-1);
    const onResources = runtime.accounts.trail.filter((t) => arnLocation(t.resource)?.account === id);
    return [
      {
        environment: env.name,
        account: id,
        assumed: calls.filter((c) => c.outcome === 'assumed').length,
        refused: calls.filter((c) => c.outcome === 'denied').length,
        functions: [...new Set(calls.map((c) => c.caller.split('/').at(-1) ?? c.caller))].sort(),
        calls: onResources.length,
        callsAsRole: onResources.filter((t) =>
          t.who.startsWith(`arn:aws:sts::${id}:assumed-role/${roleName}/`),
        ).length,
      },
    ];
  });
}

async function stopDemo(ctx: DemoContext): Promise<void> {
  await Promise.all(ctx.loads.map((l) => l.stop()));
  await ctx.server.close();
  await ctx.runtime.close();
}

/** Once a second: the current environment's weights, the last second's answers by version, its alarms. */
function printTrafficEverySecond({ config, runtime, responses, progress, print }: DemoContext): () => void {
  const seen: Record<string, number> = {};
  const ticker = setInterval(() => {
    const env = config.environments.find((e) => e.name === progress.current)!;
    const all = responses[env.name] ?? [];
    const window = all.slice(seen[env.name] ?? 0);
    seen[env.name] = all.length;
    const weights = runtime.alb.readWeights(env.listenerArn);
    const byVersion: Record<string, number> = {};
    for (const r of window)
      byVersion[short(r.version ?? '-')] = (byVersion[short(r.version ?? '-')] ?? 0) + 1;
    const errors = window.filter((r) => r.status >= 500).length;
    const alarms = runtime.cloudwatch.describe(env.alarms.filter((a) => config.embedded.alarms[a]));
    print(
      `    [${env.name}] blue ${weights[env.targetGroups.blue] ?? 0} / green ${weights[env.targetGroups.green] ?? 0}` +
        ` · last 1s: ${window.length} req, ${errors} 5xx, ${Object.entries(byVersion)
          .map(([v, n]) => `${v} ${Math.round((n / Math.max(1, window.length)) * 100)}%`)
          .join(', ')}` +
        (alarms.length ? ` · ${alarms.map((a) => `${a.name} ${a.state ?? 'missing'}`).join(', ')}` : ''),
    );
  }, 1000);
  return () => clearInterval(ticker);
}

/**
 * Pushes a version as GitHub would (CI starts with the push and completes a few seconds later),
 * approves what waits for approval, waits for the pipeline, and reads each environment's outcome.
 */
async function pushThroughPipeline(
  ctx: DemoContext,
  version: string,
  label: string,
  ciDelayMs = 3000,
): Promise<DemoRelease[]> {
  const { config, runtime, server, progress, print } = ctx;
  print(`\n▶ push ${short(version)} (${label}) to ${ctx.branch}`);
  const payload = pushPayload(config.repository, ctx.branch, version);
  const plan = planRelease(config, payload);
  if (plan.kind === 'ignored') throw new Error(`demo push was ignored: ${plan.reason}`);
  for (const env of plan.environments) progress.envByExecution.set(env.executionName, env.name);
  progress.current = plan.environments[0]!.name;
  // CI starts with the push: no check runs yet, then queued ones, then completed with events.
  const ci = runtime.github.runCi(config.repository, version, { delayMs: ciDelayMs });
  const delivery = await deliver(`${server.url}/webhooks/github`, ctx.webhookSecret, 'push', payload);
  print(`  webhook → ${delivery.status}: ${webhookWords(delivery.body)}`);
  if (ctx.verbose) print(`    (webhook answer) ${JSON.stringify(delivery.body)}`);
  await ci;
  print(`  ✓ CI: check runs completed; GitHub's check suite event delivered`);
  let ended = false;
  const approvals = approveWhenAsked(runtime, server.url, ctx.apiToken, plan.release.id, () => ended, print);
  const pipeline = await runtime.pipelines.wait(plan.pipeline.executionName).finally(() => {
    ended = true;
  });
  const approved = await approvals;
  const pipelineRecord = await runtime.ports.releases().pipelineOf(plan.release.id);
  print(
    `  ■ pipeline ${pipelineRecord ? statusWords(pipelineRecord.status) : pipeline.status.toLowerCase()}${pipelineRecord?.cause ? ` — ${withoutArns(pipelineRecord.cause.message)}` : ''}`,
  );
  if (ctx.verbose && pipeline.cause) print(`    (engine) ${pipeline.cause}`);
  const results: DemoRelease[] = [];
  for (const env of plan.environments) {
    const record = await runtime.ports.releases().get(plan.release.id, env.name);
    if (!record || record.executionName !== env.executionName) {
      results.push({
        version,
        environment: env.name,
        outcome: 'not started',
        status: 'not started',
        steps: [],
      });
      continue;
    }
    const configured = config.environments.find((e) => e.name === env.name)!;
    const result = releaseResult(
      record,
      configured.targetGroups,
      runtime.alb.epochs(configured.listenerArn),
      approved[env.name],
    );
    print(`  ${env.name}: ${result.rollback?.cause ?? `release ${result.status}`}`);
    if (record.restoredAt) result.afterRestore = await answersAfterRestore(ctx, env.name, record, version);
    results.push(result);
  }
  return results;
}

/** One environment's outcome for the report, from its record and the load balancer's epochs. */
export function releaseResult(
  record: ReleaseRecord,
  groups: GroupNames,
  epochs: Epoch[],
  approval?: DemoRelease['approval'],
): DemoRelease {
  const rollback = rollbackOf(record, groups);
  return {
    version: record.version,
    environment: record.environment,
    outcome:
      record.status === 'succeeded' ? 'promoted' : record.status === 'rolled_back' ? 'rolled back' : 'other',
    status: statusWords(record.status),
    steps: observedSteps(record, epochs),
    ...(approval ? { approval } : {}),
    ...(rollback ? { rollback } : {}),
  };
}

/** What ended a release, as the report and the summary say it. */
const CAUGHT_BY: Record<Trigger, string> = {
  alarm: 'alarm',
  analysis: 'canary analysis',
  handler_error: 'a step that failed',
  manual: 'a person',
  timeout: 'a timeout',
  superseded: 'a newer push',
  crash: 'the release guard',
  check_failed: 'the build checks',
  approval: 'the approver',
};

/** A release's ending for the report: what caught it and its cause, in words. */
export function rollbackOf(record: ReleaseRecord, groups?: GroupNames): DemoRelease['rollback'] {
  const cause = record.cause;
  if (!cause) return undefined;
  const restoredMs =
    record.restoredAt && cause.alarmChangedAt
      ? Date.parse(record.restoredAt) - Date.parse(cause.alarmChangedAt)
      : undefined;
  return {
    caughtBy: CAUGHT_BY[cause.trigger] ?? 'an unknown cause',
    ...(cause.alarm ? { alarm: cause.alarm } : {}),
    ...(restoredMs !== undefined ? { trafficRestoredMs: restoredMs } : {}),
    cause: causeWords(record, groups),
  };
}

/**
 * What the demo prints of the engine's events, in words: each environment's start, each step and
 * soak, and where a release stopped. With `verbose`, the events the engine caught as their JSON too.
 */
export function narrator(
  progress: { current: string; envByExecution: Map<string, string> },
  print: Print,
  verbose: boolean,
): (execution: string, event: EventLog) => void {
  return (execution, event) => {
    const env = progress.envByExecution.get(execution);
    if (env && event.type === 'ExecutionStarted') {
      progress.current = env;
      print(`  ▷ ${env}: release started`);
    }
    if (event.type === 'StateEntered' && event.state.name === 'ShiftTraffic') {
      const step = (event.state.input as { step?: { weight: number; bakeSeconds: number } }).step;
      if (step) print(`  → [${env}] step: ${step.weight}% to the new version, bake ${step.bakeSeconds}s`);
    }
    if (event.type === 'StateEntered' && event.state.name === 'Soak') {
      const after = (event.state.input as { current?: { stage?: { name?: string } } }).current?.stage?.name;
      print(`  ⋯ soak after ${after ?? 'the environment'}`);
    }
    if (event.type === 'StateCaught') {
      const said = caughtWords(event.state.name, env);
      if (said) print(said);
      if (verbose) print(`    (engine) ${JSON.stringify(event)}`);
    }
  };
}

/** "ShiftTraffic" as words: "shift traffic". */
const stateWords = (state: string) => state.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/**
 * The line the demo prints when the engine catches an error in a state: where, in words. The
 * pipeline's catch of a failed environment says nothing (the pipeline's own line follows).
 */
export function caughtWords(state: string, environment: string | undefined): string | undefined {
  if (!environment || state === 'ReleaseEnvironment') return undefined;
  return `  ✗ [${environment}] the release stopped at "${stateWords(state)}"; the stable version gets all traffic back`;
}

/** The webhook's answer to a push, in words. */
export function webhookWords(body: Record<string, unknown>): string {
  if (body.ignored) return `ignored: ${String(body.reason ?? 'no reason given')}`;
  if (body.duplicate) return `already seen (its release is ${String(body.status ?? 'known')})`;
  const environments = Array.isArray(body.environments) ? body.environments.join(' → ') : 'its route';
  if (body.started) return `pipeline started (attempt ${String(body.attempt ?? 1)}): ${environments}`;
  return body.error ? `refused: ${String(body.error)}` : 'answered';
}

/** Which version answered the requests sent in the 1.5 s after traffic was restored. */
async function answersAfterRestore(ctx: DemoContext, env: string, record: ReleaseRecord, version: string) {
  await sleep(1500);
  const after = (ctx.responses[env] ?? []).filter((r) => r.at > Date.parse(record.restoredAt!));
  const stable = record.targets ? after.filter((r) => r.version !== version).length : 0;
  return { requests: after.length, servedByStable: stable };
}

/** The "Sluice plan" check run on a commit, as the local GitHub holds it. */
function planCheckOf(ctx: DemoContext, version: string): DemoReport['planCheck'] {
  const posted = ctx.runtime.github.reported().find((r) => r.head_sha === version);
  return posted
    ? { name: posted.name, conclusion: posted.conclusion, updates: posted.writes.length }
    : undefined;
}

function countByVersion(responses: Record<string, Response[]>) {
  const byVersion: Record<string, number> = {};
  let requests = 0;
  for (const list of Object.values(responses))
    for (const r of list) {
      requests++;
      byVersion[r.version ?? '-'] = (byVersion[r.version ?? '-'] ?? 0) + 1;
    }
  return { requests, byVersion };
}

/**
 * What the demo promises: the healthy push promoted in every environment of its route at the
 * shares it asked for, and its plan check run green; the faulty one rolled back by its alarm in
 * the first environment, every later request on the stable version, and no later environment reached.
 */
function judge(run: {
  config: ConfigFile;
  rate: number;
  route: string[];
  releases: DemoRelease[];
  healthy: string;
  faulty: string;
  regressed: string;
  planCheck: DemoReport['planCheck'];
  accounts?: DemoAccount[];
}): string[] {
  const { config, route, planCheck } = run;
  const problems: string[] = [];
  const good = run.releases.filter((r) => r.version === run.healthy);
  const bad = run.releases.filter((r) => r.version === run.faulty);
  for (const env of route) {
    const r = good.find((g) => g.environment === env);
    if (r?.outcome !== 'promoted')
      problems.push(`the healthy release ended ${r?.status} in ${env}, not promoted`);
  }
  const firstEnv = config.environments.find((e) => e.name === route[0])!;
  for (const [i, step] of (good[0]?.steps ?? []).entries()) {
    if (Math.abs(step.observedCanaryPercent - step.weight) > 5)
      problems.push(`step ${step.weight}%: observed ${step.observedCanaryPercent}% on the new version`);
    const expected = run.rate * (firstEnv.steps[i]?.bake ?? 0) * config.embedded.timeScale;
    if (step.requests < expected * MIN_SHARE_OF_EXPECTED_REQUESTS)
      problems.push(`step ${step.weight}%: only ${step.requests} requests`);
  }
  if (planCheck?.conclusion !== 'success')
    problems.push(`the "Sluice plan" check run ended ${planCheck?.conclusion ?? 'missing'}, not success`);
  const badFirst = bad[0];
  if (badFirst?.outcome !== 'rolled back')
    problems.push(`the faulty release ended ${badFirst?.status}, not rolled back`);
  if (badFirst?.rollback?.caughtBy !== CAUGHT_BY.alarm)
    problems.push(`the faulty release was not rolled back by its alarm`);
  if (badFirst?.afterRestore && badFirst.afterRestore.servedByStable !== badFirst.afterRestore.requests)
    problems.push(
      `${badFirst.afterRestore.requests - badFirst.afterRestore.servedByStable} requests after the restore reached the faulty version`,
    );
  for (const later of bad.slice(1))
    if (later.outcome !== 'not started') problems.push(`the faulty release reached ${later.environment}`);
  const regressed = run.releases.filter((r) => r.version === run.regressed);
  if (regressed[0]?.outcome !== 'rolled back' || regressed[0]?.rollback?.caughtBy !== CAUGHT_BY.analysis)
    problems.push(
      `the regressed release ended ${regressed[0]?.status} (${regressed[0]?.rollback?.caughtBy ?? 'no rollback'}), not rolled back by the canary analysis`,
    );
  for (const later of regressed.slice(1))
    if (later.outcome !== 'not started') problems.push(`the regressed release reached ${later.environment}`);
  for (const a of run.accounts ?? []) {
    if (a.assumed === 0 || a.refused > 0)
      problems.push(`${a.environment}'s role was assumed ${a.assumed} times and refused ${a.refused} times`);
    if (a.callsAsRole !== a.calls)
      problems.push(
        `${a.calls - a.callsAsRole} calls on ${a.environment}'s resources were not made as its role`,
      );
  }
  return problems;
}

/** The demo's closing summary: each release's outcome in words, then the delivery metrics. */
export function printSummary(report: DemoReport, print: Print): void {
  print('\nSummary');
  for (const r of report.releases) {
    print(`  ${short(r.version)} in ${r.environment}: ${r.outcome}`);
    if (r.approval)
      print(
        `    approved by ${r.approval.by} (the demo itself) with a signed Slack click → ${r.approval.httpStatus}`,
      );
    for (const s of r.steps)
      print(
        `    ${String(s.weight).padStart(3)}% → observed ${s.observedCanaryPercent}% of ${s.requests} requests`,
      );
    if (r.rollback)
      print(
        `    caught by ${r.rollback.caughtBy}${r.rollback.alarm ? ` (${r.rollback.alarm})` : ''}${r.rollback.trafficRestoredMs !== undefined ? `, traffic restored ${r.rollback.trafficRestoredMs} ms after the alarm changed state` : ''}`,
      );
    if (r.rollback) print(`    ${r.rollback.cause}`);
    if (r.afterRestore)
      print(
        `    after the restore: ${r.afterRestore.servedByStable}/${r.afterRestore.requests} requests served by the stable version`,
      );
  }
  if (report.planCheck)
    print(
      `  "${report.planCheck.name}" check run: ${report.planCheck.conclusion} after ${report.planCheck.updates} writes`,
    );
  for (const a of report.accounts ?? [])
    print(
      `  ${a.environment} in its own account ${a.account}: its role assumed ${a.assumed} times (${a.functions.join(', ')}); ${a.callsAsRole} of ${a.calls} calls on its resources made as that role`,
    );
  if (report.metrics) print(`\n${formatMetrics(report.metrics)}`);
  print(
    report.ok
      ? `\n✓ scenario ended as designed in ${(report.durationMs / 1000).toFixed(1)}s`
      : `\n✗ ${report.problems.join('\n✗ ')}`,
  );
}
