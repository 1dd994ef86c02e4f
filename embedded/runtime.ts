import '../functions/shared/local/polyfills.js';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createAlarmRollbackHandler } from '../functions/alarm-rollback/handler.js';
import { createBeginReleaseHandler } from '../functions/begin-release/handler.js';
import { createCheckAlarmsHandler } from '../functions/check-alarms/handler.js';
import { createDeployHandler } from '../functions/deploy/handler.js';
import { createGithubWebhookHandler } from '../functions/github-webhook/handler.js';
import { createRecordReleaseHandler } from '../functions/record-release/handler.js';
import { createReleaseGuardHandler } from '../functions/release-guard/handler.js';
import { createRollbackHandler } from '../functions/rollback/handler.js';
import { createReleaseTable, DynamoDbReleaseStore } from '../functions/shared/aws/dynamodb-release-store.js';
import { GitHubBuildVerifier } from '../functions/shared/aws/github-build-verifier.js';
import type { SluiceConfig } from '../functions/shared/domain/config.js';
import type { PortsProvider } from '../functions/shared/handler.js';
import { LocalAlarmSource } from '../functions/shared/local/alarm-source.js';
import { LocalDeployer } from '../functions/shared/local/deployer.js';
import { MemoryReleaseStore } from '../functions/shared/local/memory-release-store.js';
import { LocalOrchestrator } from '../functions/shared/local/orchestrator.js';
import { FileSecrets } from '../functions/shared/local/secrets.js';
import { LocalTrafficRouter } from '../functions/shared/local/traffic-router.js';
import type { Ports, ReleaseStore } from '../functions/shared/ports/index.js';
import { createShiftTrafficHandler } from '../functions/shift-traffic/handler.js';
import { createVerifyBuildHandler } from '../functions/verify-build/handler.js';
import { LocalAlb } from './alb.js';
import { localFunctionArn, RELEASE_FUNCTIONS, type ReleaseFunction, readAsl, substitute } from './asl.js';
import { type AlarmStateChangeEvent, LocalCloudWatch } from './cloudwatch.js';
import { EmbeddedStepFunctions, type EventLog, type LambdaHandler, lambdaContext } from './engine.js';
import { startGithubStub } from './github-stub.js';

type Closer = () => Promise<unknown> | unknown;

/** The DynamoDB adapter against dynalite, an in-process server that speaks the DynamoDB API. */
async function startDynaliteStore(closers: Closer[]): Promise<ReleaseStore> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise((resolve) => db.close(resolve)));
  const dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(db.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
  });
  closers.push(() => dynamodb.destroy());
  await createReleaseTable(dynamodb, 'sluice-releases');
  return new DynamoDbReleaseStore(dynamodb, 'sluice-releases');
}

export const LOCAL_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:sluice-release';

export interface EmbeddedOptions {
  config: SluiceConfig;
  /** Where generated secrets live (git-ignored). @default '.sluice' */
  dataDir?: string;
  /** @default config.embedded.timeScale */
  timeScale?: number;
  /** The fault profile a deployed version runs with (the demo's faulty version). */
  faults?: (version: string) => { errorRate?: number; latencyMs?: number } | undefined;
  /** The version every environment's blue group serves at start. @default 'baseline' */
  initialVersion?: string;
  /** Fixed listener ports by environment name; others get free ports. */
  listenerPorts?: Record<string, number>;
  /** Every state event of every execution, for progress displays. */
  onExecutionEvent?: (execution: string, event: EventLog) => void;
  /** Every alarm state change, after the alarm-rollback handler has handled it. */
  onAlarmEvent?: (event: AlarmStateChangeEvent, result: unknown) => void;
  /** Environment variables for secret overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Versions whose deploy fails (rehearsing a failed deploy). */
  failVersions?: readonly string[];
  /** Fault injection: wraps every Task invocation (throw, delay, or call through). */
  interceptTask?: (fn: ReleaseFunction, payload: unknown, invoke: () => Promise<unknown>) => Promise<unknown>;
  /** The release store. @default dynalite (the DynamoDB adapter against an in-process DynamoDB) */
  releaseStore?: 'dynalite' | 'memory';
  /** Fault injection: wraps the ports every handler sees (e.g. a throttling load balancer). */
  wrapPorts?: (ports: Ports) => Ports;
}

/**
 * Sluice on one machine: the same state machine and handlers as on AWS, with local adapters
 * behind the same ports — a real HTTP load balancer, sample targets, CloudWatch alarms on the
 * proxy's metrics, a DynamoDB-compatible store (dynalite) and a GitHub checks stub.
 */
export class EmbeddedRuntime {
  private constructor(
    readonly config: SluiceConfig,
    readonly ports: Ports,
    readonly engine: EmbeddedStepFunctions,
    readonly alb: LocalAlb,
    readonly cloudwatch: LocalCloudWatch,
    readonly deployer: LocalDeployer,
    readonly listenerUrls: Record<string, string>,
    readonly handlers: {
      githubWebhook: ReturnType<typeof createGithubWebhookHandler>;
      alarmRollback: ReturnType<typeof createAlarmRollbackHandler>;
      releaseGuard: ReturnType<typeof createReleaseGuardHandler>;
    },
    private readonly closers: Closer[],
  ) {}

  static async start(options: EmbeddedOptions): Promise<EmbeddedRuntime> {
    const { config } = options;
    const timeScale = options.timeScale ?? config.embedded.timeScale;
    const closers: Closer[] = [];
    try {
      const releases =
        options.releaseStore === 'memory' ? new MemoryReleaseStore() : await startDynaliteStore(closers);

      const secrets = new FileSecrets(join(options.dataDir ?? '.sluice', 'secrets.json'), options.env);
      const github = await startGithubStub({ defaultChecks: config.requiredChecks });
      closers.push(() => github.close());
      const buildVerifier = new GitHubBuildVerifier(() => secrets.get('github-token'), github.url);

      const alb = new LocalAlb();
      closers.push(() => alb.close());
      const listenerUrls: Record<string, string> = {};
      for (const env of config.environments) {
        const port = options.listenerPorts?.[env.name];
        listenerUrls[env.name] = (await alb.addListener(env.listenerArn, port ? { port } : {})).url;
      }
      const deployer = new LocalDeployer({
        alb,
        faults: options.faults,
        ...(options.failVersions ? { failVersions: options.failVersions } : {}),
      });
      closers.push(() => deployer.close());
      for (const env of config.environments) {
        await deployer.seed(env.targetGroups.blue, options.initialVersion ?? 'baseline');
        alb.setWeights(env.listenerArn, { [env.targetGroups.blue]: 100, [env.targetGroups.green]: 0 });
      }

      const cloudwatch = new LocalCloudWatch({
        alb,
        timeScale,
        alarms: config.environments.flatMap((env) =>
          env.alarms
            .filter((name) => config.embedded.alarms[name])
            .map((name) => ({
              name,
              config: config.embedded.alarms[name]!,
              listenerArn: env.listenerArn,
              targetGroups: env.targetGroups,
            })),
        ),
      });
      closers.push(() => cloudwatch.stop());
      const alarms = new LocalAlarmSource(cloudwatch);

      const localPorts: Ports = {
        config: () => config,
        trafficRouter: (listener) => new LocalTrafficRouter(alb, listener),
        alarms: () => alarms,
        deployer: () => deployer,
        buildVerifier: () => buildVerifier,
        releases: () => releases,
        orchestrator: () => orchestrator,
        secrets: () => secrets,
        now: () => new Date(),
      };
      const ports = options.wrapPorts ? options.wrapPorts(localPorts) : localPorts;
      const provide: PortsProvider = () => ports;
      const tasks: Record<(typeof RELEASE_FUNCTIONS)[number], LambdaHandler> = {
        BeginRelease: createBeginReleaseHandler(provide),
        VerifyBuild: createVerifyBuildHandler(provide),
        Deploy: createDeployHandler(provide),
        ShiftTraffic: createShiftTrafficHandler(provide),
        CheckAlarms: createCheckAlarmsHandler(provide),
        RecordRelease: createRecordReleaseHandler(provide),
        Rollback: createRollbackHandler(provide),
      } as Record<(typeof RELEASE_FUNCTIONS)[number], LambdaHandler>;
      const releaseGuard = createReleaseGuardHandler(provide);
      const alarmRollback = createAlarmRollbackHandler(provide);
      const engine = new EmbeddedStepFunctions({
        stateMachineArn: LOCAL_STATE_MACHINE_ARN,
        timeScale,
        definition: substitute(
          readAsl('release'),
          Object.fromEntries(RELEASE_FUNCTIONS.map((fn) => [`${fn}FunctionArn`, localFunctionArn(fn)])),
        ),
        functions: Object.fromEntries(
          RELEASE_FUNCTIONS.map((fn): [string, LambdaHandler] => {
            const intercept = options.interceptTask;
            const handler = tasks[fn];
            return [
              localFunctionArn(fn),
              intercept ? (event, context) => intercept(fn, event, () => handler(event, context)) : handler,
            ];
          }),
        ),
        onEvent: options.onExecutionEvent,
        // EventBridge delivers Step Functions status changes to the guard on AWS; here the engine does.
        onStatusChange: async (event) => {
          if (event.detail.status === 'SUCCEEDED') return;
          await releaseGuard(event as never, lambdaContext('sluice-release-guard')).catch(() => undefined);
        },
      });
      const orchestrator = new LocalOrchestrator(engine, timeScale);

      // EventBridge delivers alarm state changes to alarm-rollback on AWS; here CloudWatch does.
      cloudwatch.onStateChange(async (event) => {
        const result = await alarmRollback(event as never, lambdaContext('sluice-alarm-rollback')).catch(
          (error: Error) => ({
            action: 'error',
            error: error.message,
          }),
        );
        options.onAlarmEvent?.(event, result);
      });
      // At time scale 0 (the fault-injection suite's instant clock) alarm periods would be 0 ms:
      // alarms are scripted there instead of evaluated.
      if (timeScale > 0) cloudwatch.start();

      return new EmbeddedRuntime(
        config,
        ports,
        engine,
        alb,
        cloudwatch,
        deployer,
        listenerUrls,
        { githubWebhook: createGithubWebhookHandler(provide), alarmRollback, releaseGuard },
        closers,
      );
    } catch (error) {
      for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
      throw error;
    }
  }

  /** Stops everything this runtime started, newest first. */
  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}
