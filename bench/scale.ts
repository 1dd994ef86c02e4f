/**
 * Scale of the embedded runtime: 50 services, one embedded runtime each (its own dynalite store,
 * local ALB, CloudWatch, GitHub stub and engine), all in this one process, and four pushes per
 * service delivered at once: 200 concurrent releases (--quick: 4 services, two pushes each). Half the services supersede a running
 * release, half queue behind it, so every lock is contended. Time-compressed: a 1-minute bake
 * lasts 1 s. At the end every listener must be 100/0 on a version that succeeded (or the seed),
 * every lock free, every record terminal and every execution ended.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigFile, parseConfigFile } from '../embedded/config.js';
import { lambdaContext } from '../embedded/engine.js';
import { pushPayload } from '../embedded/push.js';
import { EmbeddedRuntime } from '../embedded/runtime.js';
import { planRelease } from '../functions/shared/domain/plan.js';
import { isTerminal } from '../functions/shared/domain/release.js';
import { type BenchContext, runIfMain } from './child.js';
import { webhookEvent } from './github.js';
import { round, sleep } from './stats.js';

const TIME_SCALE = 0.02;

function serviceConfig(n: number): ConfigFile {
  const id = String(n).padStart(2, '0');
  const hex = createHash('sha1').update(`svc-${id}`).digest('hex');
  const arn = (kind: string, name: string) =>
    `arn:aws:elasticloadbalancing:us-east-1:123456789012:${kind}/${name}/${hex.slice(0, 16)}`;
  return parseConfigFile({
    repository: `acme/svc-${id}`,
    service: `svc-${id}`,
    releaseBranches: ['release/*'],
    requiredChecks: ['build'],
    environments: [
      {
        name: 'dev',
        listenerArn: `${arn('listener', `app/svc-${id}`)}/${hex.slice(16, 32)}`,
        targetGroups: {
          blue: arn('targetgroup', `svc-${id}-blue`),
          green: arn('targetgroup', `svc-${id}-green`),
        },
        deploy: { provider: 'external' },
        steps: [
          { weight: 25, bake: '1m' },
          { weight: 100, bake: '1m' },
        ],
        alarms: [`svc-${id}-5xx`],
        watch: '1m',
        concurrency: n % 2 === 0 ? 'supersede' : 'queue',
      },
    ],
    embedded: {
      timeScale: TIME_SCALE,
      alarms: {
        [`svc-${id}-5xx`]: {
          metric: 'HTTPCode_Target_5XX_Count',
          threshold: 5,
          period: '1m',
          treatMissingData: 'notBreaching',
        },
      },
    },
  });
}

interface Service {
  config: ConfigFile;
  runtime: EmbeddedRuntime;
}

export async function scaleBenchmark({ quick, log }: BenchContext) {
  const serviceCount = quick ? 4 : 50;
  // Quick: two pushes per service, so a queued service waits for one release, not three.
  const pushesPerService = quick ? 2 : 4;
  let peakRssBytes = 0;
  let peakHeapBytes = 0;
  const sampler = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRssBytes = Math.max(peakRssBytes, rss);
    peakHeapBytes = Math.max(peakHeapBytes, heapUsed);
  }, 50);
  const rssBeforeBytes = process.memoryUsage().rss;

  const startupStarted = performance.now();
  const services: Service[] = [];
  try {
    for (let n = 0; n < serviceCount; n++) {
      const config = serviceConfig(n);
      const runtime = await EmbeddedRuntime.start({
        config,
        dataDir: mkdtempSync(join(tmpdir(), 'sluice-bench-')),
      });
      services.push({ config, runtime });
    }
    const startupMs = performance.now() - startupStarted;
    log(`${serviceCount} runtimes started in ${Math.round(startupMs)} ms`);
    // Releases check alarms at their first bake: wait for every alarm's first evaluation.
    for (const { runtime, config } of services) {
      while (runtime.cloudwatch.describe(config.environments[0]!.alarms)[0]?.state !== 'OK') await sleep(20);
    }

    const started = performance.now();
    const pushes = services.flatMap(({ config, runtime }, n) =>
      Array.from({ length: pushesPerService }, async (_, k) => {
        const sha = createHash('sha1').update(`scale ${n} ${k} ${process.pid}`).digest('hex');
        const payload = pushPayload(config.repository, 'release/scale', sha);
        const plan = planRelease(config, payload);
        if (plan.kind !== 'release') throw new Error(plan.reason);
        const secret = await runtime.ports.secrets().get('github-webhook');
        const response = await runtime.handlers.githubWebhook(
          webhookEvent(secret, JSON.stringify(payload)),
          lambdaContext('webhook'),
        );
        if (response.statusCode !== 202) throw new Error(`push ${n}/${k} answered ${response.statusCode}`);
        // A push starts the pipeline, which starts the environment's release as a child.
        await runtime.pipelines.wait(plan.pipeline.executionName);
        const execution = await runtime.engine.wait(plan.environments[0]!.executionName);
        return { service: n, releaseId: plan.release.id, execution };
      }),
    );
    const ended = await Promise.all(pushes);
    for (const { runtime } of services) await runtime.engine.drain();
    const wallMs = performance.now() - started;
    log(`${ended.length} releases ended in ${Math.round(wallMs)} ms`);

    const broken: string[] = [];
    const outcomes: Record<string, Record<string, number>> = { supersede: {}, queue: {} };
    const causes: Record<string, string> = {};
    const executionStatuses: Record<string, number> = {};
    for (const [n, { config, runtime }] of services.entries()) {
      const env = config.environments[0]!;
      const weights = runtime.alb.readWeights(env.listenerArn);
      const blue = weights[env.targetGroups.blue] ?? 0;
      const green = weights[env.targetGroups.green] ?? 0;
      if ([blue, green].sort().join('/') !== '0/100') broken.push(`svc ${n}: listener ${blue}/${green}`);
      const holder = await runtime.ports.releases().lockHolder(env.name);
      if (holder) broken.push(`svc ${n}: lock held by ${holder.releaseId}`);
      const good = new Set(['baseline']);
      for (const { releaseId, execution } of ended.filter((e) => e.service === n)) {
        executionStatuses[execution.status] = (executionStatuses[execution.status] ?? 0) + 1;
        const record = await runtime.ports.releases().get(releaseId, env.name);
        const status = record?.status ?? 'no record';
        const outcome = record?.cause ? `${status} (${record.cause.error ?? record.cause.trigger})` : status;
        const byPolicy = outcomes[env.concurrency]!;
        byPolicy[outcome] = (byPolicy[outcome] ?? 0) + 1;
        if (record?.cause && status !== 'superseded') causes[outcome] ??= record.cause.message;
        if (!isTerminal(record)) broken.push(`svc ${n}: ${releaseId} is ${status}`);
        if (record?.status === 'succeeded') good.add(record.version);
      }
      if (runtime.engine.list().some((e) => e.status === 'RUNNING'))
        broken.push(`svc ${n}: an execution still runs`);
      const live = blue === 100 ? env.targetGroups.blue : env.targetGroups.green;
      for (const app of runtime.deployer.apps(live)) {
        if (!good.has(app.version))
          broken.push(`svc ${n}: live group serves ${app.version}, which did not succeed`);
      }
    }
    const maxRssKb = process.resourceUsage().maxRSS;
    const releases = serviceCount * pushesPerService;
    return {
      services: serviceCount,
      releases,
      quick,
      setup: `one embedded runtime per service in one process; ${pushesPerService} pushes per service at once; even services supersede, odd ones queue; steps 25%/1m, 100%/1m, watch 1m at time scale 0.02 (each wait 1 s); no HTTP load`,
      timeScale: TIME_SCALE,
      startupMs: Math.round(startupMs),
      wallMs: Math.round(wallMs),
      releasesPerSecond: round(releases / (wallMs / 1000), 2),
      peakRssMb: round(peakRssBytes / 2 ** 20, 1),
      maxRssMb: round(maxRssKb / 1024, 1),
      rssBeforeMb: round(rssBeforeBytes / 2 ** 20, 1),
      peakHeapUsedMb: round(peakHeapBytes / 2 ** 20, 1),
      invariantHeld: broken.length === 0,
      violations: broken,
      outcomes,
      /** One message per cause other than superseding, as the record states it. */
      causes,
      executionStatuses,
    };
  } finally {
    clearInterval(sampler);
    for (const { runtime } of services) await runtime.close();
  }
}

runIfMain(import.meta.url, 'scale', scaleBenchmark);
