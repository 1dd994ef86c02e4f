/**
 * Alarm to traffic restored: the same faulty releases, the same alarm, the same load and the same
 * bake, once with alarm events routed to alarm-rollback (Sluice) and once with
 * `alarmEvents: false`, where only CheckAlarms at the end of each bake sees the alarm (the
 * interval-polling baseline). The clock starts at the alarm's own state-change timestamp and
 * stops when the local ALB starts forwarding every request to the stable group (its epoch log);
 * requests served by the faulty version after the alarm are counted by the load client from
 * each response's x-version header. A third path runs the event-driven one with the environment in
 * its own account (issue 19): its alarm's event is forwarded to the delivery account's bus and the
 * restore goes through the environment's role, assumed through the embedded runtime's local STS.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlarmStateChangeEvent } from '../embedded/cloudwatch.js';
import { type ConfigFile, parseConfigFile } from '../embedded/config.js';
import { lambdaContext } from '../embedded/engine.js';
import { type LoadResponse, startLoad } from '../embedded/load.js';
import { pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import { type BenchContext, runIfMain } from './child.js';
import { webhookEvent } from './github.js';
import { round, sleep, summarize } from './stats.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/bench-dev/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BLUE =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench-dev-blue/73e2d6bc24d8a067';
const GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench-dev-green/5c2c2f1a0b3e4d6f';
const ALARM = 'bench-dev-5xx';

/** What the benchmark holds equal between the two paths. */
export const SETUP = {
  timeScale: 0.01,
  canaryWeight: 10,
  bakeSeconds: 300,
  alarmPeriodSeconds: 60,
  alarmThreshold: 2,
  loadRatePerSecond: 200,
  faultyErrorRate: 0.5,
};

/**
 * One environment: a 10% canary baking 5 minutes, then 100%; a 5xx-count alarm with ALB's
 * 1-minute period. At time scale 0.01 the bake lasts 3 s and the alarm period 600 ms.
 */
export function benchConfig(account?: string): ConfigFile {
  const at = (arn: string) => (account ? arn.replace(':123456789012:', `:${account}:`) : arn);
  return parseConfigFile({
    repository: 'acme/bench',
    service: 'bench',
    releaseBranches: ['release/*'],
    requiredChecks: ['build'],
    environments: [
      {
        name: 'dev',
        ...(account ? { account: { id: account } } : {}),
        listenerArn: at(LISTENER),
        targetGroups: { blue: at(BLUE), green: at(GREEN) },
        deploy: { provider: 'external' },
        steps: [
          { weight: SETUP.canaryWeight, bake: `${SETUP.bakeSeconds}s` },
          { weight: 100, bake: `${SETUP.bakeSeconds}s` },
        ],
        alarms: [ALARM],
        watch: `${SETUP.bakeSeconds}s`,
      },
    ],
    embedded: {
      timeScale: SETUP.timeScale,
      alarms: {
        [ALARM]: {
          metric: 'HTTPCode_Target_5XX_Count',
          statistic: 'Sum',
          comparison: 'GreaterThanThreshold',
          threshold: SETUP.alarmThreshold,
          period: `${SETUP.alarmPeriodSeconds}s`,
          evaluationPeriods: 1,
          treatMissingData: 'notBreaching',
        },
      },
    },
  });
}

type Path = 'eventDriven' | 'polling' | 'crossAccount';

/** The environment's own account on the crossAccount path. */
const ENVIRONMENT_ACCOUNT = '222222222222';

interface Sample {
  restoreMs: number;
  faultyRequestsAfterAlarm: number;
  faulty5xxAfterAlarm: number;
  /** The canary step the alarm fired in (0 = the 10% step). */
  alarmStep: number;
  status: string;
  trigger: string | undefined;
}

const sha = (label: string) => createHash('sha1').update(`sluice-bench ${label}`).digest('hex');

async function waitFor(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function runPath(path: Path, releases: number, log: BenchContext['log']): Promise<Sample[]> {
  const config = benchConfig(path === 'crossAccount' ? ENVIRONMENT_ACCOUNT : undefined);
  const listenerArn = config.environments[0]!.listenerArn;
  const faulty = new Set<string>();
  const runtime = await EmbeddedRuntime.start({
    config,
    dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')),
    faults: (version) => (faulty.has(version) ? { errorRate: SETUP.faultyErrorRate } : undefined),
    alarmEvents: path !== 'polling',
  });
  const responses: LoadResponse[] = [];
  const load = startLoad({
    url: runtime.listenerUrls.dev!,
    ratePerSecond: SETUP.loadRatePerSecond,
    onResponse: (r) => responses.push(r),
  });
  const alarms: AlarmStateChangeEvent[] = [];
  runtime.cloudwatch.onStateChange((event) => {
    alarms.push(event);
  });
  const secret = await runtime.ports.secrets().get('github-webhook');
  const samples: Sample[] = [];
  try {
    await sleep(500);
    for (let i = 0; i < releases; i++) {
      await waitFor('the alarm to be OK', () => runtime.cloudwatch.describe([ALARM])[0]?.state === 'OK');
      const version = sha(`${path}-${i}-${process.pid}`);
      faulty.add(version);
      const payload = pushPayload(config.repository, 'release/bench', version);
      const plan = planRelease(config, payload);
      if (plan.kind !== 'release') throw new Error(plan.reason);
      const firstAlarm = alarms.length;
      const pushed = await runtime.handlers.githubWebhook(
        webhookEvent(secret, JSON.stringify(payload)),
        lambdaContext('webhook'),
      );
      if (pushed.statusCode !== 202) throw new Error(`webhook answered ${pushed.statusCode}`);
      const executionName = plan.environments[0]!.executionName;
      // A push starts the pipeline, which starts the environment's release as a child.
      await runtime.pipelines.wait(plan.pipeline.executionName);
      await runtime.engine.wait(executionName);
      // Responses to requests sent before the restore are still arriving.
      await sleep(200);

      const record = await runtime.ports.releases().get(plan.release.id, 'dev');
      const canary = record?.targets?.idle;
      const fired = alarms.slice(firstAlarm).find((e) => e.detail.state.value === 'ALARM');
      if (!record || !canary || !fired) {
        throw new Error(
          `release ${i}: ${record?.status ?? 'no record'}, alarm ${fired ? 'fired' : 'silent'}`,
        );
      }
      const alarmAt = Date.parse(fired.detail.state.timestamp.replace('+0000', 'Z'));
      const epochs = runtime.alb.epochs(listenerArn);
      const restore = epochs.find(
        (e) => Date.parse(e.startedAt) >= alarmAt && (e.weights[canary] ?? 0) === 0,
      );
      if (!restore) throw new Error(`release ${i}: the ALB never went back to the stable group`);
      const shifted = epochs.filter(
        (e) => Date.parse(e.startedAt) < alarmAt && (e.weights[canary] ?? 0) > 0 && e.endedAt,
      );
      const after = responses.filter((r) => r.version === version && r.at - r.latencyMs >= alarmAt);
      samples.push({
        restoreMs: Date.parse(restore.startedAt) - alarmAt,
        faultyRequestsAfterAlarm: after.length,
        faulty5xxAfterAlarm: after.filter((r) => r.status >= 500).length,
        alarmStep: Math.max(
          0,
          shifted.filter((e) => Date.parse(e.startedAt) >= Date.parse(record.startedAt)).length - 1,
        ),
        status: record.status,
        trigger: record.cause?.trigger,
      });
      log(
        `${path} ${i + 1}/${releases}: restored ${samples.at(-1)!.restoreMs} ms after the alarm, ` +
          `${after.length} faulty responses after it (${record.status})`,
      );
      responses.splice(0, responses.length);
    }
  } finally {
    await load.stop();
    await runtime.close();
  }
  return samples;
}

function report(samples: Sample[]) {
  const restore = summarize(samples.map((s) => s.restoreMs));
  const faulty = samples.map((s) => s.faultyRequestsAfterAlarm);
  return {
    releases: samples.length,
    restoreMs: restore,
    faultyRequestsAfterAlarm: {
      total: faulty.reduce((a, b) => a + b, 0),
      perReleaseMean: round(faulty.reduce((a, b) => a + b, 0) / faulty.length, 1),
      perReleaseMax: Math.max(...faulty),
    },
    faulty5xxAfterAlarmTotal: samples.reduce((a, s) => a + s.faulty5xxAfterAlarm, 0),
    outcomes: Object.fromEntries(
      [...new Set(samples.map((s) => `${s.status}/${s.trigger}`))].map((k) => [
        k,
        samples.filter((s) => `${s.status}/${s.trigger}` === k).length,
      ]),
    ),
    alarmFiredInStep: Object.fromEntries(
      [...new Set(samples.map((s) => s.alarmStep))].map((k) => [
        k,
        samples.filter((s) => s.alarmStep === k).length,
      ]),
    ),
  };
}

export async function alarmRollbackBenchmark({ quick, log }: BenchContext) {
  const releases = quick ? 3 : 20;
  const eventDriven = report(await runPath('eventDriven', releases, log));
  const polling = report(await runPath('polling', releases, log));
  const crossAccount = report(await runPath('crossAccount', releases, log));
  return {
    eventDrivenP50Ms: eventDriven.restoreMs.p50Ms,
    eventDrivenP95Ms: eventDriven.restoreMs.p95Ms,
    pollingP50Ms: polling.restoreMs.p50Ms,
    // The environment in its own account: the event forwarded, the restore through its role.
    crossAccountP50Ms: crossAccount.restoreMs.p50Ms,
    crossAccountP95Ms: crossAccount.restoreMs.p95Ms,
    pollingP95Ms: polling.restoreMs.p95Ms,
    speedup: round(polling.restoreMs.p50Ms / eventDriven.restoreMs.p50Ms, 1),
    // Not measured: the polling wait is bake time, which runs 1/timeScale times longer on a real clock.
    pollingP50UnscaledEstimateMs: Math.round(polling.restoreMs.p50Ms / SETUP.timeScale),
    faultyRequestsAfterAlarmEventDriven: eventDriven.faultyRequestsAfterAlarm.total,
    faultyRequestsAfterAlarmPolling: polling.faultyRequestsAfterAlarm.total,
    releasesPerPath: releases,
    quick,
    setup: {
      ...SETUP,
      scaledBakeMs: Math.round(SETUP.bakeSeconds * SETUP.timeScale * 1000),
      scaledAlarmPeriodMs: Math.round(SETUP.alarmPeriodSeconds * SETUP.timeScale * 1000),
    },
    eventDriven,
    polling,
    crossAccount,
  };
}

runIfMain(import.meta.url, 'alarm-rollback', alarmRollbackBenchmark);
