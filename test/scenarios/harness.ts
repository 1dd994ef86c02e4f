import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigFile, parseConfigFile } from '../../embedded/config.js';
import { lambdaContext } from '../../embedded/engine.js';
import { pushPayload, signedWebhookEvent } from '../../embedded/push.js';
import { type EmbeddedOptions, EmbeddedRuntime } from '../../embedded/runtime.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import type { ReleaseRecord, Weights } from '../../functions/shared/domain/release.js';
import type { Ports } from '../../functions/shared/ports/index.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-dev/50dc6c495c0c9188/f2f7dc8efc522ab2';
export const BLUE =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-dev-blue/73e2d6bc24d8a067';
export const GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-dev-green/5c2c2f1a0b3e4d6f';
export const ALARM = 'shop-dev-5xx';
/** A scaled clock for tests about timing: each 20 s bake and the watch take 1 s. */
export const SCALED = 0.05;

/** One environment, two steps; each bake and the watch take 20 s, or 1 s on the SCALED clock. */
export function scenarioConfig(environment: Record<string, unknown> = {}): ConfigFile {
  return parseConfigFile({
    repository: 'acme/shop',
    service: 'shop',
    releaseBranches: ['release/*'],
    requiredChecks: ['build'],
    environments: [
      {
        name: 'dev',
        listenerArn: LISTENER,
        targetGroups: { blue: BLUE, green: GREEN },
        deploy: { provider: 'external' },
        steps: [
          { weight: 25, bake: '20s' },
          { weight: 100, bake: '20s' },
        ],
        alarms: [ALARM],
        watch: '20s',
        ...environment,
      },
    ],
    embedded: {
      timeScale: SCALED,
      alarms: {
        [ALARM]: {
          metric: 'HTTPCode_Target_5XX_Count',
          threshold: 1000,
          period: '20s',
          treatMissingData: 'notBreaching',
        },
      },
    },
  });
}

export { shaOf } from '../support/release.js';

/** A running embedded runtime plus the moves a test makes: push, wait, look. */
export class Scenario {
  private constructor(
    readonly runtime: EmbeddedRuntime,
    readonly config: ConfigFile,
  ) {}

  /**
   * Starts the runtime on the instant clock (bakes take no time, alarms are scripted OK) unless
   * the test is about alarm evaluation or timing and passes `timeScale: SCALED`. The release
   * store is in memory (held to the DynamoDB adapter's contract in test/ports) unless the test
   * asks for `releaseStore: 'dynalite'`.
   */
  static async start(options: Partial<EmbeddedOptions> & { config?: ConfigFile } = {}): Promise<Scenario> {
    const config = options.config ?? scenarioConfig();
    const runtime = await EmbeddedRuntime.start({
      dataDir: mkdtempSync(join(tmpdir(), 'sluice-')),
      timeScale: 0,
      releaseStore: 'memory',
      ...options,
      config,
    });
    return new Scenario(runtime, config);
  }

  get env() {
    return this.config.environments[0]!;
  }

  /** Delivers a signed push through the real webhook handler; returns its HTTP answer and the plan. */
  push(sha: string, deliveryId: string = randomUUID(), branch = 'release/1.0') {
    return this.deliver(pushPayload(this.config.repository, branch, sha), deliveryId);
  }

  /** Delivers a push payload as GitHub would (signed, through the webhook handler). */
  async deliver(payload: ReturnType<typeof pushPayload>, deliveryId: string = randomUUID()) {
    const secret = await this.runtime.ports.secrets().get('github-webhook');
    const event = signedWebhookEvent(secret, 'push', JSON.stringify(payload), deliveryId);
    const response = await this.runtime.handlers.githubWebhook(event, lambdaContext('webhook'));
    const answer = JSON.parse(response.body ?? '{}');
    const plan = planRelease(this.config, payload, deliveryId, answer.attempt ?? 1);
    if (plan.kind !== 'release') throw new Error(plan.reason);
    return {
      status: response.statusCode,
      body: answer,
      releaseId: plan.release.id,
      /** The first environment's release execution. */
      executionName: plan.environments[0]!.executionName,
      pipelineName: plan.pipeline.executionName,
      plan,
    };
  }

  /** Waits for a push's pipeline to end; resolves with its first environment's release execution. */
  async settle(pushed: { executionName: string; pipelineName: string }) {
    const pipeline = await this.runtime.pipelines.wait(pushed.pipelineName);
    const execution = this.runtime.engine.describe(pushed.executionName);
    if (!execution) {
      throw new Error(
        `pipeline ${pipeline.name} ended ${pipeline.status} (${pipeline.cause}) before starting ${pushed.executionName}`,
      );
    }
    return { ...(await this.runtime.engine.wait(pushed.executionName)), pipeline };
  }

  /** Pushes and waits for the pipeline (and so every environment's execution) to end. */
  async release(sha: string, branch?: string) {
    const pushed = await this.push(sha, undefined, branch);
    const execution = await this.settle(pushed);
    return { ...pushed, execution, record: (await this.record(pushed.releaseId))! };
  }

  record(releaseId: string): Promise<ReleaseRecord | undefined> {
    return this.runtime.ports.releases().get(releaseId, this.env.name);
  }

  weights() {
    return this.runtime.alb.readWeights(this.env.listenerArn);
  }

  lockHolder() {
    return this.runtime.ports.releases().lockHolder(this.env.name);
  }

  close() {
    return this.runtime.close();
  }
}

/**
 * Wraps the ports so that the traffic router's `shift` throws whatever `failure` returns for the
 * weights it is asked to write (a throttling or broken ELBv2); `undefined` lets the write through.
 */
export function failingShifts(failure: (weights: Weights) => Error | undefined) {
  return (ports: Ports): Ports => ({
    ...ports,
    trafficRouter: (listener, scope) => {
      const router = ports.trafficRouter(listener, scope);
      return {
        readWeights: () => router.readWeights(),
        healthyTargets: (group) => router.healthyTargets(group),
        stickinessSeconds: () => router.stickinessSeconds(),
        shift: async (weights) => {
          const error = failure(weights);
          if (error) throw error;
          return router.shift(weights);
        },
      };
    },
  });
}
