import './polyfills.js';
import { join } from 'node:path';
import { createAlarmRollbackHandler } from '../functions/alarm-rollback/alarm-rollback.js';
import { createAnalyzeCanaryHandler } from '../functions/analyze-canary/analyze-canary.js';
import { createAwaitWindowHandler } from '../functions/await-window/await-window.js';
import { createBeginReleaseHandler } from '../functions/begin-release/begin-release.js';
import { createCheckAlarmsHandler } from '../functions/check-alarms/check-alarms.js';
import { createDeployHandler } from '../functions/deploy/deploy.js';
import { createGithubWebhookHandler } from '../functions/github-webhook/github-webhook.js';
import { createRecordPipelineHandler } from '../functions/record-pipeline/record-pipeline.js';
import { createRecordReleaseHandler } from '../functions/record-release/record-release.js';
import { createReleaseGuardHandler } from '../functions/release-guard/release-guard.js';
import { createReleaseNotifierHandler } from '../functions/release-notifier/release-notifier.js';
import { createRequestApprovalHandler } from '../functions/request-approval/request-approval.js';
import { createRollbackHandler } from '../functions/rollback/rollback.js';
import { createScaleDownHandler } from '../functions/scale-down/scale-down.js';
import { GitHubBuildVerifier } from '../functions/shared/aws/github-build-verifier.js';
import type {
  ApprovalStore,
  Ports,
  PushLog,
  ReleaseStore,
  ThreadStore,
} from '../functions/shared/ports/index.js';
import { createShiftTrafficHandler } from '../functions/shift-traffic/shift-traffic.js';
import { createSlackInteractionsHandler } from '../functions/slack-interactions/slack-interactions.js';
import { createVerifyBuildHandler } from '../functions/verify-build/verify-build.js';
import type { FunctionName } from '../infra/function-ports.js';
import {
  DEFINITION_TASK_FUNCTIONS,
  type DefinitionName,
  type TaskFunction,
} from '../statemachines/definitions.js';
import { LocalAccounts } from './accounts.js';
import { LocalAlarmSource } from './adapters/alarm-source.js';
import { MemoryApprovalStore } from './adapters/approval-store.js';
import { artifactsAs, LocalArtifacts } from './adapters/artifacts.js';
import { InProcessDeferral } from './adapters/deferral.js';
import { deployerAs, LocalDeployer } from './adapters/deployer.js';
import { LocalDeployments } from './adapters/deployments.js';
import { MemoryPushLog } from './adapters/memory-push-log.js';
import { MemoryReleaseStore } from './adapters/memory-release-store.js';
import { LocalMetricsSource } from './adapters/metrics-source.js';
import { LocalOrchestrator } from './adapters/orchestrator.js';
import { FileSecrets } from './adapters/secrets.js';
import { LocalSlack } from './adapters/slack.js';
import { LocalTrafficRouter } from './adapters/traffic-router.js';
import { LocalAlb } from './alb.js';
import { localDefinition, localFunctionArn, localStateMachineArn } from './asl.js';
import { type AlarmStateChangeEvent, LocalCloudWatch } from './cloudwatch.js';
import type { ConfigFile } from './config.js';
import { startDynaliteStore } from './dynalite.js';
import { EmbeddedStepFunctions, type EventLog, type LambdaHandler, lambdaContext } from './engine.js';
import { type EventRoute, LocalEventBuses } from './event-bus.js';
import { type GithubStub, startGithubStub } from './github-stub.js';
import { ReleaseStream } from './notifications.js';
import { signedWebhookEvent } from './push.js';

type Closer = () => Promise<unknown> | unknown;

const INSTANT_CLOCK_REASON = 'Scripted: alarms are not evaluated on the instant clock';

export const LOCAL_STATE_MACHINE_ARN = localStateMachineArn('release');
export const LOCAL_PIPELINE_STATE_MACHINE_ARN = localStateMachineArn('pipeline');

export interface EmbeddedOptions {
  /** The config file: the Sluice config and its embedded section (alarms, time scale). */
  config: ConfigFile;
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
  /**
   * Every alarm state change that reached the delivery account (directly, or forwarded from an
   * environment's own account), after the alarm-rollback handler has handled it.
   */
  onAlarmEvent?: (event: AlarmStateChangeEvent, result: unknown, route: EventRoute) => void;
  /**
   * Route alarm state changes to the alarm-rollback handler. `false` is the benchmark's polling
   * baseline (bench/alarm-rollback.ts): alarms are then seen only by CheckAlarms at bake
   * boundaries, as interval-based tools see them, and onAlarmEvent is not called. @default true
   */
  alarmEvents?: boolean;
  /** Environment variables for secret overrides. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Versions whose deploy fails (rehearsing a failed deploy). */
  failVersions?: readonly string[];
  /** Fault injection: wraps every Task invocation (throw, delay, or call through). */
  interceptTask?: (fn: TaskFunction, payload: unknown, invoke: () => Promise<unknown>) => Promise<unknown>;
  /** The release store. @default dynalite (the DynamoDB adapter against an in-process DynamoDB) */
  releaseStore?: 'dynalite' | 'memory';
  /** Fault injection: wraps the ports every handler sees (e.g. a throttling load balancer). */
  wrapPorts?: (ports: Ports) => Ports;
  /**
   * Run the release notifier on record writes (Slack threads, GitHub deployments). The fault suite
   * turns it off: it is off the release's path, and 1,000 schedules pay for it in time. @default true
   */
  notifications?: boolean;
  /** Slack user groups and their members, for approvers named by group (usergroups.users.list). */
  slackGroups?: Record<string, string[]>;
  /** The local image registry. @default every image exists, with no scan findings */
  artifacts?: LocalArtifacts;
}

/** The handlers that run outside the state machine, on events and HTTP requests. */
export interface EdgeHandlers {
  githubWebhook: Invocation<ReturnType<typeof createGithubWebhookHandler>>;
  alarmRollback: Invocation<ReturnType<typeof createAlarmRollbackHandler>>;
  releaseGuard: Invocation<ReturnType<typeof createReleaseGuardHandler>>;
  slackInteractions: Invocation<ReturnType<typeof createSlackInteractionsHandler>>;
}

/** A handler as Lambda invokes it: (event, context) → result. */
type Invocation<H> = H extends (event: infer E, context: infer C) => infer R
  ? (event: E, context: C) => R
  : never;

/** What stands in for Slack and GitHub Deployments locally: the page and tests read these. */
export interface LocalNotifications {
  slack: LocalSlack;
  deployments: LocalDeployments;
  /** Record writes → the release notifier, as the table's stream does on AWS. */
  stream: ReleaseStream;
}

/** What `start` builds, step by step, before the runtime exists. */
interface Parts {
  config: ConfigFile;
  timeScale: number;
  ports: Ports;
  alb: LocalAlb;
  cloudwatch: LocalCloudWatch;
  deployer: LocalDeployer;
  listenerUrls: Record<string, string>;
  notifications: LocalNotifications;
  github: GithubStub;
  accounts: LocalAccounts;
  buses: LocalEventBuses;
}

/**
 * Sluice on one machine: the same state machine and handlers as on AWS, with local adapters
 * behind the same ports — a real HTTP load balancer, sample targets, CloudWatch alarms on the
 * proxy's metrics, a DynamoDB-compatible store (dynalite) and a GitHub checks stub.
 */
export class EmbeddedRuntime {
  readonly config: ConfigFile;
  readonly ports: Ports;
  readonly alb: LocalAlb;
  readonly cloudwatch: LocalCloudWatch;
  readonly deployer: LocalDeployer;
  readonly listenerUrls: Record<string, string>;
  readonly notifications: LocalNotifications;
  /** The local GitHub: check runs to read, Sluice's own check run, CI that completes later. */
  readonly github: GithubStub;
  /** The delivery account, each environment's account and role, and the local STS. */
  readonly accounts: LocalAccounts;
  /** The accounts' event buses: alarm state changes forwarded to the delivery account. */
  readonly buses: LocalEventBuses;

  private constructor(
    parts: Parts,
    /** The release state machine's engine: one execution per environment. */
    readonly engine: EmbeddedStepFunctions,
    /** The pipeline state machine's engine: one execution per push. */
    readonly pipelines: EmbeddedStepFunctions,
    readonly handlers: EdgeHandlers,
    private readonly closers: Closer[],
  ) {
    ({
      config: this.config,
      ports: this.ports,
      alb: this.alb,
      cloudwatch: this.cloudwatch,
      deployer: this.deployer,
      listenerUrls: this.listenerUrls,
      notifications: this.notifications,
      github: this.github,
      accounts: this.accounts,
      buses: this.buses,
    } = parts);
  }

  static async start(options: EmbeddedOptions): Promise<EmbeddedRuntime> {
    const { config } = options;
    const timeScale = options.timeScale ?? config.embedded.timeScale;
    const closers: Closer[] = [];
    try {
      const stream = new ReleaseStream();
      const { releases: rawReleases, approvals, pushes } = await startReleaseStore(options, closers);
      const releases = stream.wrap(rawReleases);
      const notifications: LocalNotifications = {
        slack: new LocalSlack(options.slackGroups),
        deployments: new LocalDeployments(),
        stream,
      };
      const secrets = new FileSecrets(join(options.dataDir ?? '.sluice', 'secrets.json'), options.env);
      const github = await startGithubStub({
        defaultChecks: config.requiredChecks,
        appId: config.checks.appId,
      });
      closers.push(() => github.close());
      const githubApi = new GitHubBuildVerifier(() => secrets.get('github-token'), github.url);
      const artifacts = options.artifacts ?? new LocalArtifacts();
      const { alb, listenerUrls } = await startLoadBalancer(options, closers);
      notifications.deployments.listenerUrls = listenerUrls;
      const deployer = await seedTargets(options, alb, closers);
      const cloudwatch = startCloudWatch(config, alb, timeScale, closers);
      // Each environment's resources belong to its account; a port acts as the principal its scope
      // resolves to (the function's own role, or the environment's role assumed through the local STS).
      const accounts = new LocalAccounts(config);

      // The orchestrator needs the engine, and the engine needs the handlers that use it.
      let orchestrator: LocalOrchestrator | undefined;
      const localPorts: Ports = {
        config: () => config,
        trafficReader: (listener, scope) => new LocalTrafficRouter(alb, listener, accounts.principal(scope)),
        trafficRouter: (listener, scope) => new LocalTrafficRouter(alb, listener, accounts.principal(scope)),
        alarms: (scope) => new LocalAlarmSource(cloudwatch, accounts.principal(scope)),
        metrics: (scope) => new LocalMetricsSource(cloudwatch, accounts.principal(scope)),
        deployer: (_provider, scope) => deployerAs(deployer, accounts.principal(scope)),
        serviceScaler: (_provider, scope) => deployerAs(deployer, accounts.principal(scope)),
        buildVerifier: () => githubApi,
        checkReporter: () => githubApi,
        artifacts: (scope) =>
          artifactsAs(artifacts, accounts.principal(scope), accounts.accountOf(scope.environment)),
        releases: () => releases,
        pushes: () => pushes,
        orchestrator: () => {
          if (!orchestrator) throw new Error('the embedded orchestrator is not started yet');
          return orchestrator;
        },
        secrets: () => secrets,
        approvals: () => approvals,
        threads: () => approvals.threads(),
        notifier: () => notifications.slack,
        deployments: () => notifications.deployments,
        // The same handler again, as Lambda's asynchronous self-invocation runs it on AWS.
        deferral: () =>
          new InProcessDeferral((event) =>
            edges.slackInteractions(event, lambdaContext('slack-interactions')),
          ),
        now: () => new Date(),
      };
      const ports = options.wrapPorts ? options.wrapPorts(localPorts) : localPorts;

      // Each handler runs as its function's role, as Lambda runs it with its execution role.
      const edges: EdgeHandlers = {
        githubWebhook: runningAs(accounts, 'GithubWebhook', createGithubWebhookHandler(ports)),
        alarmRollback: runningAs(accounts, 'AlarmRollback', createAlarmRollbackHandler(ports)),
        releaseGuard: runningAs(accounts, 'ReleaseGuard', createReleaseGuardHandler(ports)),
        slackInteractions: runningAs(accounts, 'SlackInteractions', createSlackInteractionsHandler(ports)),
      };
      if (options.notifications !== false) stream.connect(createReleaseNotifierHandler(ports));
      closers.push(() => stream.idle());
      const { engine, pipelines } = startEngines(options, ports, accounts, timeScale, edges.releaseGuard);
      orchestrator = new LocalOrchestrator(engine, timeScale, engine.tokens, pipelines);
      // GitHub delivers check events to the webhook on AWS; here the stub does, signed the same way.
      github.onEvent(async (name, payload) => {
        const secret = await secrets.get('github-webhook');
        await edges.githubWebhook(
          signedWebhookEvent(secret, name, JSON.stringify(payload)),
          lambdaContext('sluice-github-webhook'),
        );
      });
      // On the instant clock (time scale 0) alarm periods would be 0 ms: alarms are scripted
      // there instead of evaluated, and start OK so that a bake has data.
      if (timeScale === 0)
        for (const name of cloudwatch.names()) cloudwatch.setAlarmState(name, 'OK', INSTANT_CLOCK_REASON);
      const buses = new LocalEventBuses(config, accounts, (event) =>
        edges.alarmRollback(event, lambdaContext('sluice-alarm-rollback')),
      );
      if (options.alarmEvents !== false) routeAlarmEvents(cloudwatch, buses, options.onAlarmEvent);
      if (timeScale > 0) cloudwatch.start();

      const parts = {
        config,
        timeScale,
        ports,
        alb,
        cloudwatch,
        deployer,
        listenerUrls,
        notifications,
        github,
        accounts,
        buses,
      };
      return new EmbeddedRuntime(parts, engine, pipelines, edges, closers);
    } catch (error) {
      await closeAll(closers);
      throw error;
    }
  }

  /** Stops everything this runtime started, newest first. */
  async close(): Promise<void> {
    await closeAll(this.closers);
  }
}

async function closeAll(closers: Closer[]): Promise<void> {
  for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
}

/** The DynamoDB adapters against dynalite (as on AWS), or the in-memory stores of the fault suite. */
async function startReleaseStore(
  options: EmbeddedOptions,
  closers: Closer[],
): Promise<{
  releases: ReleaseStore;
  approvals: ApprovalStore & { threads(): ThreadStore };
  pushes: PushLog;
}> {
  if (options.releaseStore === 'memory') {
    return {
      releases: new MemoryReleaseStore(),
      approvals: new MemoryApprovalStore(),
      pushes: new MemoryPushLog(),
    };
  }
  const { store, approvals, pushes, close } = await startDynaliteStore();
  closers.push(close);
  return { releases: store, approvals, pushes };
}

/** One local listener per environment, each a real reverse proxy on loopback. */
async function startLoadBalancer(options: EmbeddedOptions, closers: Closer[]) {
  const alb = new LocalAlb();
  closers.push(() => alb.close());
  const listenerUrls: Record<string, string> = {};
  for (const env of options.config.environments) {
    const port = options.listenerPorts?.[env.name];
    listenerUrls[env.name] = (await alb.addListener(env.listenerArn, port ? { port } : {})).url;
  }
  return { alb, listenerUrls };
}

/** The version every environment runs before the first release: on blue, serving 100%. */
async function seedTargets(
  options: EmbeddedOptions,
  alb: LocalAlb,
  closers: Closer[],
): Promise<LocalDeployer> {
  const needed = new Map(
    options.config.environments.flatMap((env) => [
      [env.targetGroups.blue, env.minHealthyTargets],
      [env.targetGroups.green, env.minHealthyTargets],
    ]),
  );
  const deployer = new LocalDeployer({
    alb,
    faults: options.faults,
    targetsFor: (group) => needed.get(group) ?? 1,
    ...(options.failVersions ? { failVersions: options.failVersions } : {}),
  });
  closers.push(() => deployer.close());
  for (const env of options.config.environments) {
    await deployer.seed(env.targetGroups.blue, options.initialVersion ?? 'baseline');
    alb.setWeights(env.listenerArn, { [env.targetGroups.blue]: 100, [env.targetGroups.green]: 0 });
  }
  return deployer;
}

/** The embedded section's alarms, evaluated on the proxy's metrics on the scaled clock. */
function startCloudWatch(config: ConfigFile, alb: LocalAlb, timeScale: number, closers: Closer[]) {
  const cloudwatch = new LocalCloudWatch({
    alb,
    timeScale,
    alarms: config.environments.flatMap((env) =>
      env.alarms.flatMap((name) => {
        const alarm = config.embedded.alarms[name];
        return alarm
          ? [{ name, config: alarm, listenerArn: env.listenerArn, targetGroups: env.targetGroups }]
          : [];
      }),
    ),
  });
  closers.push(() => cloudwatch.stop());
  return cloudwatch;
}

/** The release and pipeline state machines on the embedded engine, each Task bound to its handler. */
function startEngines(
  options: EmbeddedOptions,
  ports: Ports,
  accounts: LocalAccounts,
  timeScale: number,
  releaseGuard: EdgeHandlers['releaseGuard'],
): { engine: EmbeddedStepFunctions; pipelines: EmbeddedStepFunctions } {
  const tasks: Record<TaskFunction, LambdaHandler> = {
    BeginRelease: createBeginReleaseHandler(ports),
    VerifyBuild: createVerifyBuildHandler(ports),
    Deploy: createDeployHandler(ports),
    ShiftTraffic: createShiftTrafficHandler(ports),
    CheckAlarms: createCheckAlarmsHandler(ports),
    RecordRelease: createRecordReleaseHandler(ports),
    Rollback: createRollbackHandler(ports),
    RequestApproval: createRequestApprovalHandler(ports),
    ScaleDown: createScaleDownHandler(ports),
    AnalyzeCanary: createAnalyzeCanaryHandler(ports),
    RecordPipeline: createRecordPipelineHandler(ports),
    AwaitWindow: createAwaitWindowHandler(ports),
  };
  const intercept = options.interceptTask;
  const functionsOf = (definition: DefinitionName) =>
    Object.fromEntries(
      DEFINITION_TASK_FUNCTIONS[definition].map((fn): [string, LambdaHandler] => {
        const handler = runningAs(accounts, fn, tasks[fn]);
        return [
          localFunctionArn(fn),
          intercept ? (event, context) => intercept(fn, event, () => handler(event, context)) : handler,
        ];
      }),
    );
  const engine = new EmbeddedStepFunctions({
    stateMachineArn: LOCAL_STATE_MACHINE_ARN,
    timeScale,
    definition: localDefinition('release'),
    functions: functionsOf('release'),
    onEvent: options.onExecutionEvent,
    // EventBridge delivers Step Functions status changes to the guard on AWS; here the engine does.
    onStatusChange: async (event) => {
      if (event.detail.status === 'SUCCEEDED') return;
      await releaseGuard(event, lambdaContext('sluice-release-guard')).catch(() => undefined);
    },
  });
  const pipelines = new EmbeddedStepFunctions({
    stateMachineArn: LOCAL_PIPELINE_STATE_MACHINE_ARN,
    timeScale,
    definition: localDefinition('pipeline'),
    functions: functionsOf('pipeline'),
    onEvent: options.onExecutionEvent,
    // `.sync:2` emulated: start the child on the release engine and wait for it to end.
    startChildExecution: async ({ StateMachineArn, Name, Input }) => {
      if (StateMachineArn !== LOCAL_STATE_MACHINE_ARN) {
        throw Object.assign(new Error(`State machine does not exist: ${StateMachineArn}`), {
          name: 'StepFunctions.StateMachineDoesNotExistException',
        });
      }
      try {
        engine.start(Name, Input);
      } catch (error) {
        throw Object.assign(new Error((error as Error).message), {
          name: 'StepFunctions.ExecutionAlreadyExistsException',
        });
      }
      return engine.wait(Name);
    },
  });
  return { engine, pipelines };
}

/** A handler that runs as its function's role (LocalAccounts.runAs), whoever invokes it. */
function runningAs<A extends unknown[], R>(
  accounts: LocalAccounts,
  fn: FunctionName,
  handler: (...args: A) => R,
): (...args: A) => R {
  return (...args) => accounts.runAs(fn, () => handler(...args));
}

/**
 * EventBridge delivers alarm state changes to alarm-rollback on AWS; here CloudWatch puts them on
 * their account's bus, and an environment's own account forwards them to the delivery account.
 */
function routeAlarmEvents(
  cloudwatch: LocalCloudWatch,
  buses: LocalEventBuses,
  onAlarmEvent: EmbeddedOptions['onAlarmEvent'],
): void {
  cloudwatch.onStateChange(async (event) => {
    const routed = await buses.put(event).catch((error: Error): EventRoute & { result: unknown } => ({
      route: 'delivered',
      result: { action: 'error', error: error.message },
    }));
    if (routed.route === 'not-forwarded') return;
    const { result, ...route } = routed;
    onAlarmEvent?.(event, result, route);
  });
}
