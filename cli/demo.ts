import { createHash, randomBytes } from 'node:crypto';
import type { Epoch } from '../embedded/alb.js';
import type { ConfigFile } from '../embedded/config.js';
import { startLoad } from '../embedded/load.js';
import { deliver, pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { createApp, listen } from '../embedded/server.js';
import { routesOf } from '../functions/shared/domain/config.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import type { ReleaseRecord } from '../functions/shared/domain/release.js';

export interface DemoRelease {
  version: string;
  environment: string;
  outcome: 'promoted' | 'rolled_back' | 'not_started' | 'other';
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
  /** The environments the demo's push walks, in order. */
  route: string[];
  /** The "Sluice plan" check run on the healthy commit, as the local GitHub holds it. */
  planCheck?: { name: string; conclusion: string | null; updates: number };
  /** One entry per (version, environment) of the route. */
  releases: DemoRelease[];
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
 * The demo's copy of the config: every environment needs only the one target the local deployer
 * starts (the example's prod asks for two, as a real one would).
 */
export function demoConfig(config: ConfigFile): ConfigFile {
  return { ...config, environments: config.environments.map((env) => ({ ...env, minHealthyTargets: 1 })) };
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

/** Observed canary share can be judged only with enough requests per step. */
const MIN_SHARE_OF_EXPECTED_REQUESTS = 0.5;

/**
 * The embedded scenario: steady load through each environment's local ALB; a healthy push that
 * the pipeline walks through every environment of its route (dev → staging → prod on the example
 * config), with CI completing a few seconds after the push as GitHub Actions would; then a faulty
 * push that its alarm rolls back in the first environment, which stops its pipeline there.
 */
export async function runDemo(options: {
  config: ConfigFile;
  rate: number;
  print?: (line: string) => void;
  /** How long the local CI takes to complete the push's check runs. @default 3000 */
  ciDelayMs?: number;
}): Promise<DemoReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const config = demoConfig(options.config);
  const started = Date.now();
  const healthy = sha('healthy');
  const faulty = sha('faulty');
  const problems: string[] = [];
  // A branch the first route matches: release/* → release/demo.
  const pattern = routesOf(config)[0]!.branches[0]!;
  const branch = pattern.replace(/\*+/g, 'demo').replace(/[?[\]{}]/g, '');
  const firstPlan = planRelease(config, pushPayload(config.repository, branch, healthy));
  if (firstPlan.kind === 'ignored') throw new Error(`demo push would be ignored: ${firstPlan.reason}`);
  const route = firstPlan.route.environments;
  const envByExecution = new Map<string, string>();
  let current = route[0]!;

  const runtime = await EmbeddedRuntime.start({
    config,
    faults: (version) => (version === faulty ? { errorRate: 0.2 } : undefined),
    onExecutionEvent: (execution, event) => {
      const env = envByExecution.get(execution);
      if (env && event.type === 'ExecutionStarted') {
        current = env;
        print(`  ▷ ${env}: release started`);
      }
      if (event.type === 'StateEntered' && event.state.name === 'ShiftTraffic') {
        const step = (event.state.input as { step?: { weight: number; bakeSeconds: number } }).step;
        if (step) print(`  → [${env}] step: ${step.weight}% to the new version, bake ${step.bakeSeconds}s`);
      }
      if (event.type === 'StateEntered' && event.state.name === 'Soak')
        print(
          `  ⋯ soak after ${(event.state.input as { current?: { stage?: { name?: string } } }).current?.stage?.name}`,
        );
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
  const apiToken = randomBytes(24).toString('base64url');
  const server = await listen(createApp(runtime, { apiToken }));
  const responses: Record<string, { at: number; version: string | undefined; status: number }[]> = {};
  // The first environment carries the full rate (its canary shares are judged); later ones a quarter.
  const loads = route.map((env, i) => {
    responses[env] = [];
    return startLoad({
      url: runtime.listenerUrls[env]!,
      ratePerSecond: i === 0 ? options.rate : Math.max(10, Math.round(options.rate / 4)),
      onResponse: (r) =>
        responses[env]!.push({ at: r.at - r.latencyMs, version: r.version, status: r.status }),
    });
  });
  const secret = await runtime.ports.secrets().get('github-webhook');

  const seen: Record<string, number> = {};
  const ticker = setInterval(() => {
    const env = config.environments.find((e) => e.name === current)!;
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

  const release = async (version: string, label: string): Promise<DemoRelease[]> => {
    print(`\n▶ push ${short(version)} (${label}) to ${branch}`);
    const payload = pushPayload(config.repository, branch, version);
    const plan = planRelease(config, payload);
    if (plan.kind === 'ignored') throw new Error(`demo push was ignored: ${plan.reason}`);
    for (const env of plan.environments) envByExecution.set(env.executionName, env.name);
    current = plan.environments[0]!.name;
    // CI starts with the push: no check runs yet, then queued ones, then completed with events.
    const ci = runtime.github.runCi(config.repository, version, { delayMs: options.ciDelayMs ?? 3000 });
    const delivery = await deliver(`${server.url}/webhooks/github`, secret, 'push', payload);
    print(`  webhook → ${delivery.status} ${JSON.stringify(delivery.body)}`);
    await ci;
    print(`  ✓ CI: check runs completed; check_suite event delivered`);
    let ended = false;
    const approvals = approveWhenAsked(runtime, server.url, apiToken, plan.release.id, () => ended, print);
    const pipeline = await runtime.pipelines.wait(plan.pipeline.executionName).finally(() => {
      ended = true;
    });
    const approved = await approvals;
    print(`  ■ pipeline ${pipeline.status}${pipeline.cause ? ` — ${pipeline.cause}` : ''}`);
    const results: DemoRelease[] = [];
    for (const env of plan.environments) {
      const record = await runtime.ports.releases().get(plan.release.id, env.name);
      if (!record || record.executionName !== env.executionName) {
        results.push({
          version,
          environment: env.name,
          outcome: 'not_started',
          status: 'not started',
          steps: [],
        });
        continue;
      }
      const envConfig = config.environments.find((e) => e.name === env.name)!;
      const outcome =
        record.status === 'succeeded'
          ? 'promoted'
          : record.status === 'rolled_back'
            ? 'rolled_back'
            : 'other';
      print(`  ${env.name}: release ${record.status}${record.cause ? ` — ${record.cause.message}` : ''}`);
      const result: DemoRelease = {
        version,
        environment: env.name,
        outcome,
        status: record.status,
        steps: observedSteps(record, runtime.alb.epochs(envConfig.listenerArn)),
        ...(approved[env.name] ? { approval: approved[env.name] } : {}),
      };
      if (record.cause) {
        const restoredMs =
          record.restoredAt && record.cause.alarmChangedAt
            ? Date.parse(record.restoredAt) - Date.parse(record.cause.alarmChangedAt)
            : undefined;
        result.rollback = {
          trigger: record.cause.trigger,
          ...(record.cause.alarm ? { alarm: record.cause.alarm } : {}),
          ...(restoredMs !== undefined ? { trafficRestoredMs: restoredMs } : {}),
          cause: record.cause.message,
        };
      }
      if (record.restoredAt) {
        await sleep(1500);
        const after = (responses[env.name] ?? []).filter((r) => r.at > Date.parse(record.restoredAt!));
        const stable = record.targets ? after.filter((r) => r.version !== version).length : 0;
        result.afterRestore = { requests: after.length, servedByStable: stable };
      }
      results.push(result);
    }
    return results;
  };

  const releases: DemoRelease[] = [];
  let planCheck: DemoReport['planCheck'];
  try {
    await sleep(1000);
    releases.push(...(await release(healthy, 'healthy')));
    const posted = runtime.github.reported().find((r) => r.head_sha === healthy);
    if (posted)
      planCheck = { name: posted.name, conclusion: posted.conclusion, updates: posted.writes.length };
    releases.push(...(await release(faulty, 'faulty: 20% of its requests fail')));
  } finally {
    clearInterval(ticker);
    await Promise.all(loads.map((l) => l.stop()));
    await server.close();
    await runtime.close();
  }

  const good = releases.filter((r) => r.version === healthy);
  const bad = releases.filter((r) => r.version === faulty);
  for (const env of route) {
    const r = good.find((g) => g.environment === env);
    if (r?.outcome !== 'promoted')
      problems.push(`the healthy release ended ${r?.status} in ${env}, not promoted`);
  }
  const firstEnv = config.environments.find((e) => e.name === route[0])!;
  for (const [i, step] of (good[0]?.steps ?? []).entries()) {
    if (Math.abs(step.observedCanaryPercent - step.weight) > 5)
      problems.push(`step ${step.weight}%: observed ${step.observedCanaryPercent}% on the new version`);
    const expected = options.rate * (firstEnv.steps[i]?.bake ?? 0) * config.embedded.timeScale;
    if (step.requests < expected * MIN_SHARE_OF_EXPECTED_REQUESTS)
      problems.push(`step ${step.weight}%: only ${step.requests} requests`);
  }
  if (planCheck?.conclusion !== 'success')
    problems.push(`the "Sluice plan" check run ended ${planCheck?.conclusion ?? 'missing'}, not success`);
  const badFirst = bad[0];
  if (badFirst?.outcome !== 'rolled_back')
    problems.push(`the faulty release ended ${badFirst?.status}, not rolled back`);
  if (badFirst?.rollback?.trigger !== 'alarm')
    problems.push(`the faulty release was not rolled back by its alarm`);
  if (badFirst?.afterRestore && badFirst.afterRestore.servedByStable !== badFirst.afterRestore.requests)
    problems.push(
      `${badFirst.afterRestore.requests - badFirst.afterRestore.servedByStable} requests after the restore reached the faulty version`,
    );
  for (const later of bad.slice(1))
    if (later.outcome !== 'not_started') problems.push(`the faulty release reached ${later.environment}`);

  const byVersion: Record<string, number> = {};
  let requests = 0;
  for (const list of Object.values(responses))
    for (const r of list) {
      requests++;
      byVersion[r.version ?? '-'] = (byVersion[r.version ?? '-'] ?? 0) + 1;
    }
  const report: DemoReport = {
    ok: problems.length === 0,
    problems,
    durationMs: Date.now() - started,
    load: { ratePerSecond: options.rate, requests, byVersion },
    route,
    ...(planCheck ? { planCheck } : {}),
    releases,
  };

  print('\nSummary');
  for (const r of releases) {
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
  if (planCheck)
    print(`  "${planCheck.name}" check run: ${planCheck.conclusion} after ${planCheck.updates} writes`);
  print(
    report.ok
      ? `\n✓ scenario ended as designed in ${(report.durationMs / 1000).toFixed(1)}s`
      : `\n✗ ${problems.join('\n✗ ')}`,
  );
  return report;
}
