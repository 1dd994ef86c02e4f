/**
 * Webhook acknowledgement: GitHub waits for the webhook's answer, so verify + plan + start is what
 * a pusher and GitHub's 10-second delivery timeout feel. In-process: createGithubWebhookHandler
 * with the example config, a constant secret and an in-memory orchestrator whose start records
 * the execution name (the embedded engine would run every release; AWS's StartExecution is a
 * network call not measured here). Baseline in the same run: HMAC-SHA256 over the same bodies.
 *
 * Cold start: each function bundled exactly as the stack bundles it (infra/bundling.ts), then a
 * fresh `node` process imports the bundle and answers one event. There is no AWS here: every SDK
 * client points at a closed loopback port with one attempt, so a handler whose first event needs
 * AWS answers with the refused call's error after building, signing and sending its first request.
 * Baseline in the same run: the same driver importing an empty module.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { MemoryPushLog } from '../embedded/adapters/memory-push-log.js';
import { MemoryReleaseStore } from '../embedded/adapters/memory-release-store.js';
import { deployedConfig, loadConfig } from '../embedded/config.js';
import { lambdaContext } from '../embedded/engine.js';
import { createGithubWebhookHandler } from '../functions/github-webhook/github-webhook.js';
import { CONFIG_FILE_NAME } from '../functions/shared/aws/config-port.js';
import { configJson } from '../functions/shared/domain/config.js';
import { type PushEvent, planRelease } from '../functions/shared/domain/plan.js';
import type { Orchestrator, StartResult } from '../functions/shared/ports/index.js';
import { esbuildOptions } from '../infra/bundling.js';
import { type BenchContext, runIfMain } from './child.js';
import { webhookEvent } from './github.js';
import { round, summarize } from './stats.js';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/** Every push payload at hand: this repo's fixtures and @octokit/webhooks-examples' push examples. */
function pushPayloads(repository: string): { source: string; payload: Record<string, unknown> }[] {
  const fixtures = ['push-release-branch.json', 'push-tag.json', 'push-delete.json'].map((file) => ({
    source: `test/fixtures/github/${file}`,
    payload: JSON.parse(readFileSync(join(root, 'test/fixtures/github', file), 'utf8')),
  }));
  const examples = (
    require('@octokit/webhooks-examples/api.github.com/index.json') as {
      name: string;
      examples: Record<string, unknown>[];
    }[]
  ).find((e) => e.name === 'push')!.examples;
  const upstream = examples.map((payload, i) => {
    const repo = payload.repository as Record<string, unknown>;
    // As the fixtures do: the same payload, pointed at the config's repository.
    const pointed = {
      ...payload,
      repository: { ...repo, full_name: repository, name: repository.split('/')[1] },
    };
    return { source: `@octokit/webhooks-examples push #${i}`, payload: pointed };
  });
  return [...fixtures, ...upstream];
}

/** Starts nothing: records names, answers "exists" for a name seen before, as StartExecution does. */
class MemoryOrchestrator implements Orchestrator {
  readonly started = new Set<string>();
  async startRelease(input: { executionName: string }): Promise<StartResult> {
    return this.start(input.executionName);
  }
  async startPipeline(input: { pipeline: { executionName: string } }): Promise<StartResult> {
    return this.start(input.pipeline.executionName);
  }
  private start(name: string): StartResult {
    if (this.started.has(name)) return { started: false, reason: 'exists' };
    this.started.add(name);
    return { started: true, executionArn: `arn:aws:states:us-east-1:000000000000:execution:bench:${name}` };
  }
  async stopExecution(): Promise<void> {}
  async sendTaskSuccess() {
    return 'delivered' as const;
  }
  async sendTaskFailure() {
    return 'delivered' as const;
  }
  async executionStatus() {
    // Every name this run started is still running: a repeat is a redelivery.
    return 'RUNNING' as const;
  }
  async describeExecution() {
    return undefined;
  }
}

async function acknowledgement(deliveries: number, log: BenchContext['log']) {
  const file = loadConfig(join(root, 'sluice.config.yaml'));
  // The upstream examples push to master; the example config releases main and release/*.
  const routes = file.routes ?? [];
  const config = {
    ...deployedConfig(file),
    routes: [
      ...routes,
      { branches: ['master'], environments: [file.environments[0]!.name], buildTimeout: 3600 },
    ],
  };
  const secret = randomBytes(32).toString('hex');
  const orchestrator = new MemoryOrchestrator();
  const pushes = new MemoryPushLog();
  const handler = createGithubWebhookHandler({
    config: () => config,
    secrets: () => ({ get: async () => secret, reread: async () => secret }),
    orchestrator: () => orchestrator,
    releases: () => new MemoryReleaseStore(),
    pushes: () => pushes,
    now: () => new Date(),
  });
  const payloads = pushPayloads(config.repository);
  const warmup = 200;
  const events = Array.from({ length: deliveries + warmup }, (_, i) => {
    const { payload, source } = payloads[i % payloads.length]!;
    // A new commit per delivery, so each one plans and starts its own execution.
    const after = payload.deleted ? payload.after : randomBytes(20).toString('hex');
    const delivered = { ...payload, after };
    const body = JSON.stringify(delivered);
    const planned = planRelease(config, delivered as unknown as PushEvent);
    return { source, body, event: webhookEvent(secret, body), release: planned.kind === 'release' };
  });

  const all: number[] = [];
  const started: number[] = [];
  const ignored: number[] = [];
  const byStatus: Record<string, number> = {};
  const context = lambdaContext('sluice-github-webhook');
  for (const [i, { event, release }] of events.entries()) {
    const t0 = performance.now();
    const response = await handler(event, context);
    const ms = performance.now() - t0;
    if (i < warmup) continue;
    all.push(ms);
    (release ? started : ignored).push(ms);
    byStatus[response.statusCode ?? 0] = (byStatus[response.statusCode ?? 0] ?? 0) + 1;
  }
  const hmac: number[] = [];
  for (const { body } of events.slice(warmup)) {
    const t0 = performance.now();
    createHmac('sha256', secret).update(body).digest('hex');
    hmac.push(performance.now() - t0);
  }
  const summary = summarize(all, 4);
  log(`${deliveries} deliveries: p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms`);
  return {
    deliveries,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    orchestrator: 'in-memory (records the execution name; no engine, no network)',
    payloads: payloads.map((p) => p.source),
    byStatus,
    all: summary,
    startedReleases: summarize(started, 4),
    ignoredPushes: summarize(ignored, 4),
    baselineHmacOnly: summarize(hmac, 4),
    meanBodyBytes: Math.round(events.reduce((n, e) => n + e.body.length, 0) / events.length),
  };
}

/** A first event for each function, shaped as its trigger sends it. */
function firstEvents(): Record<string, unknown> {
  const file = loadConfig(join(root, 'sluice.config.yaml'));
  const config = deployedConfig(file);
  const push = JSON.parse(readFileSync(join(root, 'test/fixtures/github/push-release-branch.json'), 'utf8'));
  const plan = planRelease(config, push);
  if (plan.kind !== 'release') throw new Error(plan.reason);
  const input = plan.environments[0]!.input;
  const env = config.environments[0]!;
  const targets = { live: env.targetGroups.blue, idle: env.targetGroups.green };
  const task = {
    ...input,
    input,
    targets,
    step: input.steps[0],
    phase: 'bake',
    extendedSeconds: 0,
    bakeSeconds: 60,
    event: 'promoted',
    error: { Error: 'AlarmFiredError', Cause: 'bench' },
  };
  const secret = 'not-the-deployed-secret';
  const body = readFileSync(join(root, 'test/fixtures/github/push-release-branch.json'), 'utf8');
  return {
    'github-webhook': webhookEvent(secret, body),
    'alarm-rollback': {
      version: '0',
      id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2026-11-30T12:00:00Z',
      region: 'us-east-1',
      resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${env.alarms[0]}`],
      detail: {
        alarmName: env.alarms[0],
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-30T12:00:00.000+0000' },
        previousState: {
          value: 'OK',
          reason: 'Threshold Crossed',
          timestamp: '2026-11-30T11:00:00.000+0000',
        },
        configuration: { metrics: [] },
      },
    },
    'release-guard': {
      version: '0',
      id: '315c1398-40ff-a850-213b-158f73e60175',
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: '2026-11-30T12:00:00Z',
      region: 'us-east-1',
      resources: ['arn:aws:states:us-east-1:123456789012:execution:sluice-release:x'],
      detail: {
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sluice-release:x',
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
        name: input.executionName,
        status: 'TIMED_OUT',
        startDate: 1764504000000,
        stopDate: 1764504600000,
        input: JSON.stringify(input),
        output: null,
        error: 'States.Timeout',
        cause: null,
      },
    },
    'begin-release': task,
    'verify-build': task,
    deploy: task,
    'shift-traffic': task,
    'check-alarms': task,
    'record-release': task,
    rollback: task,
  };
}

const DRIVER = `
const started = performance.now();
const mod = await import(process.argv[2]);
const imported = performance.now();
const event = JSON.parse(process.argv[3]);
const context = { functionName: 'bench', awsRequestId: 'cold-start', getRemainingTimeInMillis: () => 60000 };
let answer;
try {
  const result = await mod.handler(event, context);
  answer = result && typeof result === 'object' && 'statusCode' in result ? 'HTTP ' + result.statusCode : 'returned';
} catch (error) {
  const text = String(error?.message) + ' ' + String(error?.cause?.message ?? '');
  answer = 'threw ' + (error?.name ?? 'error') + (text.includes('ECONNREFUSED') ? ' (its AWS call was refused)' : ': ' + String(error?.message).slice(0, 60));
}
const answered = performance.now();
process.stdout.write(JSON.stringify({ bootMs: started, importMs: imported - started, firstEventMs: answered - imported, answer }) + '\\n');
process.exit(0);
`;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ColdRun {
  totalMs: number;
  bootMs: number;
  importMs: number;
  firstEventMs: number;
  answer: string;
}

function coldRun(driver: string, bundle: string, event: unknown, env: NodeJS.ProcessEnv): Promise<ColdRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [driver, bundle, JSON.stringify(event)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) {
        const totalMs = performance.now() - t0;
        resolve({ totalMs, ...JSON.parse(out) });
      }
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => {
      if (!out.includes('\n'))
        reject(new Error(`cold start of ${bundle} exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}

async function coldStarts(runs: number, log: BenchContext['log']) {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-cold-'));
  try {
    const driver = join(dir, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const empty = join(dir, 'empty', 'index.mjs');
    await build({
      stdin: { contents: 'export const handler = async () => ({});' },
      outfile: empty,
      format: 'esm',
      logLevel: 'error',
    });
    const config = deployedConfig(loadConfig(join(root, 'sluice.config.yaml')));
    const port = await closedPort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCHMARK',
      AWS_SECRET_ACCESS_KEY: 'benchmark',
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_MAX_ATTEMPTS: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLUICE_LOG_LEVEL: 'silent',
      SLUICE_TABLE_NAME: 'sluice-releases',
      SLUICE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
      SLUICE_PIPELINE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-pipeline',
      SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
      SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
      SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
      SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/slack-bot-token',
      SLUICE_GITHUB_API_URL: `http://127.0.0.1:${port}`,
    };
    const events = firstEvents();
    const measure = async (bundle: string, event: unknown) => {
      const samples: ColdRun[] = [];
      // Lambda sets LAMBDA_TASK_ROOT to the code's directory, where the stack puts the config file.
      const taskEnv = { ...env, LAMBDA_TASK_ROOT: dirname(bundle) };
      for (let i = 0; i < runs; i++) samples.push(await coldRun(driver, bundle, event, taskEnv));
      const p50 = (key: 'totalMs' | 'bootMs' | 'importMs' | 'firstEventMs') =>
        summarize(samples.map((s) => s[key])).p50Ms;
      return {
        totalP50Ms: p50('totalMs'),
        importP50Ms: p50('importMs'),
        firstEventP50Ms: p50('firstEventMs'),
        nodeBootP50Ms: p50('bootMs'),
        answer: samples[0]!.answer,
      };
    };
    const baseline = await measure(empty, {});
    const functions: Record<string, Awaited<ReturnType<typeof measure>> & { bundleKb: number }> = {};
    const bundles = Object.fromEntries(
      Object.keys(events).map((name) => [name, join(dir, name, 'index.mjs')]),
    );
    await Promise.all(
      Object.entries(bundles).map(([name, outfile]) =>
        build({ ...esbuildOptions(join(root, 'functions', name, 'handler.ts'), outfile), logLevel: 'error' }),
      ),
    );
    for (const outfile of Object.values(bundles)) {
      writeFileSync(join(dirname(outfile), CONFIG_FILE_NAME), configJson(config));
    }
    for (const [name, event] of Object.entries(events)) {
      const outfile = bundles[name]!;
      functions[name] = {
        bundleKb: round(statSync(outfile).size / 1024, 1),
        ...(await measure(outfile, event)),
      };
      log(
        `${name}: ${functions[name].bundleKb} KB, cold start ${functions[name].totalP50Ms} ms (${functions[name].answer})`,
      );
    }
    return { runsPerFunction: runs, baselineEmptyModule: baseline, functions };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function webhookBenchmark({ quick, log }: BenchContext) {
  return {
    acknowledgement: await acknowledgement(quick ? 2000 : 10_000, log),
    coldStart: await coldStarts(quick ? 1 : 10, log),
  };
}

runIfMain(import.meta.url, 'webhook', webhookBenchmark);
