import { createHash, randomBytes } from 'node:crypto';
import type { Epoch } from '../embedded/alb.js';
import type { ConfigFile } from '../embedded/config.js';
import { startLoad } from '../embedded/load.js';
import { deliver, pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { createApp, listen } from '../embedded/server.js';
import type { Approval } from '../functions/shared/domain/approval.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import type { ReleaseRecord } from '../functions/shared/domain/release.js';

export interface DemoRelease {
  version: string;
  environment: string;
  outcome: 'promoted' | 'rolled_back' | 'other';
  status: string;
  steps: { weight: number; observedCanaryPercent: number; requests: number }[];
  rollback?: { trigger: string; alarm?: string; trafficRestoredMs?: number; cause: string };
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
  releases: DemoRelease[];
}

/**
 * The demo's copy of the config: environments after the first keep their steps and approval but
 * bake and watch for 20 s each (1 s at the demo's clock), so `npm start` stays short, and need
 * one healthy target (the local deployer runs one per group).
 */
export function demoConfig(config: ConfigFile): ConfigFile {
  return {
    ...config,
    environments: config.environments.map((env, i) =>
      i === 0
        ? env
        : {
            ...env,
            steps: env.steps.map((step) => ({ ...step, bake: 20 })),
            watch: 20,
            minHealthyTargets: 1,
          },
    ),
  };
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

type Print = (line: string) => void;
type Response = { at: number; version: string | undefined; status: number };

/** What the demo's steps share: the runtime, its HTTP front door, the load and its answers. */
interface DemoContext {
  config: ConfigFile;
  env: ConfigFile['environments'][number];
  runtime: EmbeddedRuntime;
  serverUrl: string;
  /** The server's /api token (the demo approves through its API, as the page does). */
  apiToken: string;
  webhookSecret: string;
  /** A branch the first release pattern matches: release/* → release/demo. */
  branch: string;
  responses: Response[];
  print: Print;
}

/**
 * The embedded scenario: steady load through the local ALB, a healthy release that canaries to
 * 100% and is promoted, then a faulty one (20% 5xx) that its alarm rolls back.
 */
export async function runDemo(options: {
  config: ConfigFile;
  rate: number;
  print?: Print;
}): Promise<DemoReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  const healthy = sha('healthy');
  const faulty = sha('faulty');

  const config = demoConfig(options.config);
  const runtime = await startRuntime(config, faulty, print);
  const apiToken = randomBytes(24).toString('base64url');
  const server = await listen(createApp(runtime, { apiToken }));
  const ctx: DemoContext = {
    config,
    env: config.environments[0]!,
    runtime,
    serverUrl: server.url,
    apiToken,
    webhookSecret: await runtime.ports.secrets().get('github-webhook'),
    branch: config.releaseBranches[0]!.replace(/\*+/g, 'demo').replace(/[?[\]{}]/g, ''),
    responses: [],
    print,
  };
  const load = startLoad({
    url: runtime.listenerUrls[ctx.env.name]!,
    ratePerSecond: options.rate,
    onResponse: (r) => ctx.responses.push({ at: r.at - r.latencyMs, version: r.version, status: r.status }),
  });
  const stopTicker = printTrafficEverySecond(ctx);

  const releases: DemoRelease[] = [];
  try {
    await sleep(1000);
    releases.push(await pushAndFollow(ctx, healthy, 'healthy'));
    const promoted = await promoteWithApproval(ctx, healthy, Math.max(20, options.rate / 4));
    if (promoted) releases.push(promoted);
    releases.push(await pushAndFollow(ctx, faulty, 'faulty: 20% of its requests fail'));
  } finally {
    stopTicker();
    await load.stop();
    await server.close();
    await runtime.close();
  }

  const problems = judge(releases, gatedEnvironment(config)?.name);
  const byVersion: Record<string, number> = {};
  for (const r of ctx.responses) byVersion[r.version ?? '-'] = (byVersion[r.version ?? '-'] ?? 0) + 1;
  const report: DemoReport = {
    ok: problems.length === 0,
    problems,
    durationMs: Date.now() - started,
    load: { ratePerSecond: options.rate, requests: ctx.responses.length, byVersion },
    releases,
  };
  printSummary(report, print);
  return report;
}

/** The embedded runtime with the faulty version's fault profile, narrating steps and alarms. */
function startRuntime(config: ConfigFile, faulty: string, print: Print): Promise<EmbeddedRuntime> {
  return EmbeddedRuntime.start({
    config,
    faults: (version) => (version === faulty ? { errorRate: 0.2 } : undefined),
    onExecutionEvent: (_, event) => {
      if (event.type === 'StateEntered' && event.state.name === 'ShiftTraffic') {
        const step = (event.state.input as { step?: { weight: number; bakeSeconds: number } }).step;
        if (step) print(`  → step: ${step.weight}% to the new version, bake ${step.bakeSeconds}s`);
      }
      if (event.type === 'StateCaught')
        print(`  ✗ ${event.state.name} failed: ${JSON.stringify(event)}`.slice(0, 200));
    },
    onAlarmEvent: (event, result) => {
      const action = (result as { action?: string }).action;
      print(
        `  ⚑ alarm ${event.detail.alarmName}: ${event.detail.previousState.value} → ${event.detail.state.value}${action === 'rolled_back' ? ' — rolled back at once' : ''}`,
      );
    },
  });
}

/** Once a second: the listener's weights, the last second's answers by version, the alarms. */
function printTrafficEverySecond({ runtime, env, responses, print }: DemoContext): () => void {
  let last = 0;
  const ticker = setInterval(() => {
    const window = responses.slice(last);
    last = responses.length;
    const weights = runtime.alb.readWeights(env.listenerArn);
    const byVersion: Record<string, number> = {};
    for (const r of window)
      byVersion[short(r.version ?? '-')] = (byVersion[short(r.version ?? '-')] ?? 0) + 1;
    const errors = window.filter((r) => r.status >= 500).length;
    const alarms = runtime.cloudwatch.describe(env.alarms);
    print(
      `    [${env.name}] blue ${weights[env.targetGroups.blue] ?? 0} / green ${weights[env.targetGroups.green] ?? 0}` +
        ` · last 1s: ${window.length} req, ${errors} 5xx, ${Object.entries(byVersion)
          .map(([v, n]) => `${v} ${Math.round((n / Math.max(1, window.length)) * 100)}%`)
          .join(', ')}` +
        ` · ${alarms.map((a) => `${a.name} ${a.state ?? 'missing'}`).join(', ')}`,
    );
  }, 1000);
  return () => clearInterval(ticker);
}

/** Delivers a signed push to the webhook, waits for the release to end, and reads what happened. */
async function pushAndFollow(ctx: DemoContext, version: string, label: string): Promise<DemoRelease> {
  const { config, env, print } = ctx;
  print(`\n▶ push ${short(version)} (${label}) to ${ctx.branch}`);
  const payload = pushPayload(config.repository, ctx.branch, version);
  const plan = planRelease(config, payload);
  if (plan.kind === 'ignored') throw new Error(`demo push was ignored: ${plan.reason}`);
  const delivery = await deliver(`${ctx.serverUrl}/webhooks/github`, ctx.webhookSecret, 'push', payload);
  print(`  webhook → ${delivery.status} ${JSON.stringify(delivery.body)}`);
  return follow(ctx, version, env.name, plan.environments[0]!.executionName, plan.release.id);
}

/** Waits for one environment's execution to end and reads what its record and listener saw. */
async function follow(
  ctx: DemoContext,
  version: string,
  environment: string,
  executionName: string,
  releaseId: string,
): Promise<DemoRelease> {
  const { runtime, print } = ctx;
  const env = ctx.config.environments.find((e) => e.name === environment)!;
  const execution = await runtime.engine.wait(executionName);
  const record = (await runtime.ports.releases().get(releaseId, env.name))!;
  print(
    `  ■ execution ${execution.status}; release ${record.status}${record.cause ? ` — ${record.cause.message}` : ''}`,
  );
  const result: DemoRelease = {
    version,
    environment: env.name,
    outcome:
      record.status === 'succeeded' ? 'promoted' : record.status === 'rolled_back' ? 'rolled_back' : 'other',
    status: record.status,
    steps: observedSteps(record, runtime.alb.epochs(env.listenerArn)),
  };
  if (record.cause) result.rollback = rollbackOf(record);
  if (record.restoredAt) result.afterRestore = await answersAfterRestore(ctx, record, version);
  return result;
}

/** The first environment after the first that waits for a Slack approval: the demo's production step. */
function gatedEnvironment(config: ConfigFile) {
  return config.environments.slice(1).find((e) => e.approval.type === 'slack');
}

/**
 * Takes a version that passed the first environment to the gated one (the promotion pipeline will
 * do this itself): it waits for its Slack approval, which the demo gives itself through the API,
 * which signs a Slack click and posts it to /slack/interactions — the endpoint Slack calls.
 */
async function promoteWithApproval(
  ctx: DemoContext,
  version: string,
  rate: number,
): Promise<DemoRelease | undefined> {
  const { config, runtime, print } = ctx;
  const gated = gatedEnvironment(config);
  if (!gated) return undefined;
  const plan = planRelease(config, pushPayload(config.repository, ctx.branch, version));
  const target = plan.kind === 'release' ? plan.environments.find((e) => e.name === gated.name) : undefined;
  if (!target) throw new Error(`no plan for ${gated.name}`);
  print(`\n▶ promote ${short(version)} to ${gated.name} (Slack approval required)`);
  // Some traffic on the gated environment's listener too, so its steps have observed shares.
  const load = startLoad({ url: runtime.listenerUrls[gated.name]!, ratePerSecond: rate });
  try {
    await runtime.ports.orchestrator().startRelease(target.input);
    let pending: Approval | undefined;
    while (!pending) {
      await sleep(50);
      pending = (await runtime.ports.approvals().list()).find(
        (a) => a.releaseId === target.input.release.id && a.environment === gated.name && a.message,
      );
    }
    print(
      `  ⏸ ${gated.name} waits: new version healthy on the idle group, no traffic moved; approval ${pending.id} posted to Slack`,
    );
    const answer = await fetch(`${ctx.serverUrl}/api/approvals/${pending.id}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sluice-token': ctx.apiToken },
      body: '{}',
    });
    const clicked = (await answer.json()) as { status: number; user: string };
    print(
      `  ✔ the demo approves its own ${gated.name} step: a signed Slack block_actions click as ${clicked.user} → POST /slack/interactions → ${clicked.status}`,
    );
    const result = await follow(ctx, version, gated.name, target.executionName, target.input.release.id);
    return { ...result, approval: { id: pending.id, by: clicked.user, httpStatus: clicked.status } };
  } finally {
    await load.stop();
  }
}

function rollbackOf(record: ReleaseRecord): DemoRelease['rollback'] {
  const cause = record.cause!;
  const restoredMs =
    record.restoredAt && cause.alarmChangedAt
      ? Date.parse(record.restoredAt) - Date.parse(cause.alarmChangedAt)
      : undefined;
  return {
    trigger: cause.trigger,
    ...(cause.alarm ? { alarm: cause.alarm } : {}),
    ...(restoredMs !== undefined ? { trafficRestoredMs: restoredMs } : {}),
    cause: cause.message,
  };
}

/** Which version answered the requests sent in the 1.5 s after traffic was restored. */
async function answersAfterRestore(ctx: DemoContext, record: ReleaseRecord, version: string) {
  await sleep(1500);
  const after = ctx.responses.filter((r) => r.at > Date.parse(record.restoredAt!));
  const stable = record.targets ? after.filter((r) => r.version !== version).length : 0;
  return { requests: after.length, servedByStable: stable };
}

/** What the demo promises: the healthy release promoted at the shares it asked for, the faulty one rolled back by its alarm. */
function judge(releases: DemoRelease[], gated: string | undefined): string[] {
  const problems: string[] = [];
  const good = releases[0];
  const bad = releases.at(-1);
  const approved = gated ? releases.find((r) => r.environment === gated) : undefined;
  if (gated && approved?.outcome !== 'promoted')
    problems.push(`the approved release in ${gated} ended ${approved?.status}, not promoted`);
  if (good?.outcome !== 'promoted') problems.push(`the healthy release ended ${good?.status}, not promoted`);
  for (const step of good?.steps ?? []) {
    if (Math.abs(step.observedCanaryPercent - step.weight) > 5)
      problems.push(`step ${step.weight}%: observed ${step.observedCanaryPercent}% on the new version`);
    if (step.requests < 400) problems.push(`step ${step.weight}%: only ${step.requests} requests`);
  }
  if (bad?.outcome !== 'rolled_back')
    problems.push(`the faulty release ended ${bad?.status}, not rolled back`);
  if (bad?.rollback?.trigger !== 'alarm')
    problems.push(`the faulty release was not rolled back by its alarm`);
  if (bad?.afterRestore && bad.afterRestore.servedByStable !== bad.afterRestore.requests)
    problems.push(
      `${bad.afterRestore.requests - bad.afterRestore.servedByStable} requests after the restore reached the faulty version`,
    );
  return problems;
}

function printSummary(report: DemoReport, print: Print): void {
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
        `    rollback: ${r.rollback.trigger}${r.rollback.alarm ? ` (${r.rollback.alarm})` : ''}${r.rollback.trafficRestoredMs !== undefined ? `, traffic restored ${r.rollback.trafficRestoredMs} ms after the alarm changed state` : ''}`,
      );
    if (r.afterRestore)
      print(
        `    after the restore: ${r.afterRestore.servedByStable}/${r.afterRestore.requests} requests served by the stable version`,
      );
  }
  print(
    report.ok
      ? `\n✓ scenario ended as designed in ${(report.durationMs / 1000).toFixed(1)}s`
      : `\n✗ ${report.problems.join('\n✗ ')}`,
  );
}
