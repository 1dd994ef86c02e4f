import type { Action, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsAlarms } from '../../../functions/shared/aws/cloudwatch-alarm-source.js';
import { awsMetrics } from '../../../functions/shared/aws/cloudwatch-metrics.js';
import { awsApprovals, type awsThreads } from '../../../functions/shared/aws/dynamodb-approval-store.js';
import { awsPushes } from '../../../functions/shared/aws/dynamodb-push-log.js';
import { awsReleases } from '../../../functions/shared/aws/dynamodb-release-store.js';
import { awsArtifacts } from '../../../functions/shared/aws/ecr-artifact-verifier.js';
import { awsDeployer } from '../../../functions/shared/aws/ecs-deployer.js';
import { awsServiceScaler } from '../../../functions/shared/aws/ecs-service-scaler.js';
import { awsTrafficRouter } from '../../../functions/shared/aws/elbv2-traffic-router.js';
import { awsDeferral } from '../../../functions/shared/aws/lambda-deferral.js';
import { forgetBuilt } from '../../../functions/shared/aws/once.js';
import { awsSecrets } from '../../../functions/shared/aws/secrets-manager.js';
import { awsOrchestrator } from '../../../functions/shared/aws/sfn-orchestrator.js';
import { accessScope } from '../../../functions/shared/domain/accounts.js';
import type { ReleaseInput, ReleaseRecord, Weights } from '../../../functions/shared/domain/release.js';
import type { PortName } from '../../../functions/shared/ports/index.js';
import type { SecretName } from '../../../functions/shared/ports/secrets.js';
import { forwardTo, writtenWeights } from '../elbv2.js';
import { recordOf } from '../release.js';
import { PASS_THROUGH, recordSdkCalls, type SdkCall } from './sdk-recorder.js';

/** What each function does to executions (infra/function-ports.ts FUNCTION_EXECUTION_ACCESS). */
export type ExecutionAccess = 'start' | 'stop' | 'tokens' | 'decide';

/**
 * The Orchestrator methods behind each kind of execution access, as the handlers call them
 * (github-webhook: startPipeline, executionStatus of the pipeline, sendTaskSuccess to wake a
 * check wait; environment-lock: describeExecution; release-control: stopExecution;
 * slack-interactions: sendTaskSuccess/Failure and stopExecution on Abort). `startRelease` is the
 * pipeline state machine's job, never a function's: no access includes it.
 */
export const ORCHESTRATOR_METHODS: Record<ExecutionAccess, readonly string[]> = {
  start: ['startPipeline', 'executionStatus:pipeline'],
  tokens: ['sendTaskSuccess', 'sendTaskFailure'],
  stop: ['stopExecution', 'describeExecution', 'executionStatus:release'],
  decide: ['sendTaskSuccess', 'sendTaskFailure', 'stopExecution', 'describeExecution'],
};
export const ORCHESTRATOR_UNUSED = ['startRelease'];

/** The secret each GitHub or Slack adapter reads its token from (functions/shared/aws/*: awsSecrets().get). */
export const PORT_SECRETS: Partial<Record<PortName, SecretName>> = {
  buildVerifier: 'github-token',
  checkReporter: 'github-token',
  deployments: 'github-token',
  notifier: 'slack-bot-token',
};

/** Every method of each adapter class the drivers reached, directly or through `this`. */
const touched = new Map<object, { name: string; methods: Set<string> }>();

/** The adapter, with every method it runs (its own private ones included, through `this`) recorded. */
function watch<T extends object>(adapter: T): T {
  const proto = Object.getPrototypeOf(adapter) as object;
  const entry = touched.get(proto) ?? { name: adapter.constructor.name, methods: new Set<string>() };
  touched.set(proto, entry);
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value === 'function' && typeof prop === 'string') entry.methods.add(prop);
      return value;
    },
  });
}

/** Methods no function calls: the pipeline state machine starts releases itself (startExecution.sync). */
const NOT_CALLED_BY_FUNCTIONS: Record<string, readonly string[]> = { SfnOrchestrator: ['startRelease'] };

/**
 * The methods of every driven adapter class (and its base classes) that no driver reached: a
 * new method, or a new branch into a private one, fails the contract until it is driven.
 */
export function undrivenMethods(): string[] {
  const missing: string[] = [];
  for (const [proto, { name, methods }] of touched) {
    for (let p = proto; p !== Object.prototype; p = Object.getPrototypeOf(p) as object) {
      for (const method of Object.getOwnPropertyNames(p)) {
        if (
          method === 'constructor' ||
          typeof Object.getOwnPropertyDescriptor(p, method)?.value !== 'function'
        ) {
          continue;
        }
        if (!methods.has(method) && !NOT_CALLED_BY_FUNCTIONS[name]?.includes(method)) {
          missing.push(`${name}.${method}`);
        }
      }
    }
  }
  return [...new Set(missing)].sort();
}

/** AWS as the adapters meet it: one listener per environment, two ECS services per cluster, images that exist. */
export class FakeAws {
  private readonly weights = new Map<string, Weights>();
  private readonly services = new Map<string, { taskDefinition: string; desiredCount: number; tg: string }>();

  constructor(inputs: ReleaseInput[]) {
    for (const input of inputs) {
      const { listenerArn, ruleArn, targetGroups, deploy } = input.environment;
      this.weights.set(ruleArn ?? listenerArn, { [targetGroups.blue]: 100, [targetGroups.green]: 0 });
      if (deploy.provider === 'ecs') {
        for (const side of ['blue', 'green'] as const) {
          this.services.set(`${deploy.cluster}/${deploy.services[side]}`, {
            taskDefinition: `arn:aws:ecs:us-east-1:123456789012:task-definition/${deploy.cluster}:7`,
            desiredCount: side === 'blue' ? 2 : 0,
            tg: targetGroups[side],
          });
        }
      }
    }
  }

  private service(cluster: string, name: string) {
    const found = this.services.get(`${cluster}/${name}`);
    if (!found) throw new Error(`fake ECS has no service ${cluster}/${name}`);
    const s = found;
    return {
      serviceName: name,
      serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/${cluster}/${name}`,
      loadBalancers: [{ targetGroupArn: s.tg, containerName: 'app', containerPort: 8080 }],
      status: 'ACTIVE',
      taskDefinition: s.taskDefinition,
      desiredCount: s.desiredCount,
      runningCount: s.desiredCount,
      pendingCount: 0,
      deployments: [
        {
          id: 'ecs-svc/1',
          status: 'PRIMARY',
          taskDefinition: s.taskDefinition,
          desiredCount: s.desiredCount,
          runningCount: s.desiredCount,
          pendingCount: 0,
          failedTasks: 0,
          rolloutState: 'COMPLETED',
        },
      ],
    };
  }

  readonly respond = (call: SdkCall): unknown => {
    // biome-ignore lint/suspicious/noExplicitAny: each SDK command's input has its own shape; the fake reads a few fields.
    const i = call.input as Record<string, any>;
    switch (`${call.service}:${call.command}`) {
      case 'Elastic Load Balancing v2:DescribeListeners':
        return {
          Listeners: (i.ListenerArns as string[]).map((arn) => ({
            ListenerArn: arn,
            DefaultActions: [forwardTo(this.weights.get(arn)!)],
          })),
        };
      case 'Elastic Load Balancing v2:DescribeRules':
        return {
          Rules: (i.RuleArns as string[]).map(
            (arn): Rule => ({ RuleArn: arn, Actions: [forwardTo(this.weights.get(arn)!)] }),
          ),
        };
      case 'Elastic Load Balancing v2:ModifyListener':
        this.weights.set(i.ListenerArn, writtenWeights({ DefaultActions: i.DefaultActions as Action[] }));
        return {};
      case 'Elastic Load Balancing v2:ModifyRule':
        this.weights.set(i.RuleArn, writtenWeights({ DefaultActions: i.Actions as Action[] }));
        return {};
      case 'Elastic Load Balancing v2:DescribeTargetHealth':
        return { TargetHealthDescriptions: [{ TargetHealth: { State: 'healthy' } }] };
      case 'CloudWatch:DescribeAlarms':
        return {
          MetricAlarms: (i.AlarmNames as string[]).map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
        };
      case 'CloudWatch:GetMetricData':
        return { MetricDataResults: [] };
      case 'CloudWatch:DescribeAlarmHistory':
        return { AlarmHistoryItems: [] };
      case 'ECS:DescribeServices':
        return { services: (i.services as string[]).map((s) => this.service(i.cluster, s)), failures: [] };
      case 'ECS:DescribeTaskDefinition':
        return {
          taskDefinition: {
            taskDefinitionArn: i.taskDefinition,
            family: String(i.taskDefinition).split('/').pop()!.split(':')[0],
            taskRoleArn: 'arn:aws:iam::123456789012:role/checkout-task',
            executionRoleArn: 'arn:aws:iam::123456789012:role/checkout-execution',
            containerDefinitions: [
              { name: 'app', image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout:old' },
            ],
          },
          tags: [{ key: 'team', value: 'checkout' }],
        };
      case 'ECS:RegisterTaskDefinition':
        return {
          taskDefinition: {
            taskDefinitionArn: `arn:aws:ecs:us-east-1:123456789012:task-definition/${i.family}:8`,
          },
        };
      case 'ECS:UpdateService': {
        const s = this.services.get(`${i.cluster}/${i.service}`)!;
        if (i.taskDefinition) s.taskDefinition = i.taskDefinition;
        if (i.desiredCount !== undefined) s.desiredCount = i.desiredCount;
        return { service: this.service(i.cluster, i.service) };
      }
      case 'ECR:DescribeImages':
        return { imageDetails: [{ imageDigest: 'sha256:0123' }] };
      case 'ECR:DescribeImageScanFindings':
        return { imageScanStatus: { status: 'COMPLETE' }, imageScanFindings: { findingSeverityCounts: {} } };
      case 'SFN:StartExecution':
        return { executionArn: `${i.stateMachineArn}:${i.name}`, startDate: new Date() };
      case 'SFN:DescribeExecution':
        return { status: 'RUNNING' };
      case 'SFN:StopExecution':
      case 'SFN:SendTaskSuccess':
      case 'SFN:SendTaskFailure':
        return {};
      case 'Secrets Manager:GetSecretValue':
        return { SecretString: 'not-a-secret' };
      case 'Lambda:Invoke':
        return { StatusCode: 202 };
      case 'DynamoDB:GetItem':
      case 'DynamoDB:PutItem':
      case 'DynamoDB:UpdateItem':
      case 'DynamoDB:DeleteItem':
      case 'DynamoDB:Query':
      case 'DynamoDB:Scan':
        return PASS_THROUGH; // dynalite
      default:
        throw new Error(
          `the fake AWS of the IAM contract does not answer ${call.service} ${call.command}: add it`,
        );
    }
  };
}

// Each drive writes its own items to the shared table, so conditional creates find nothing there.
let drives = 0;
const sha = () => `c0ffee${String(drives).padStart(34, '0')}`;

/**
 * Drives every method of the adapter behind `port`, as the function holding it calls them,
 * and returns the SDK calls they sent. The Lambda environment must be set (the factories read it).
 */
export async function drivePort(
  port: PortName,
  inputs: ReleaseInput[],
  options: { execution?: readonly ExecutionAccess[]; secrets?: readonly SecretName[] } = {},
): Promise<SdkCall[]> {
  forgetBuilt();
  drives += 1;
  const fake = new FakeAws(inputs);
  const recording = recordSdkCalls(fake.respond);
  try {
    await DRIVERS[port](inputs, options);
  } finally {
    recording.stop();
  }
  return recording.calls;
}

type Driver = (
  inputs: ReleaseInput[],
  options: { execution?: readonly ExecutionAccess[]; secrets?: readonly SecretName[] },
) => Promise<void>;

const readSecret = (name: SecretName) => async () => {
  const secrets = watch(awsSecrets());
  await secrets.get(name);
  // A signature mismatch reads the secret again past the cache (a rotation): the same action.
  await secrets.reread(name);
};

export const DRIVERS: Record<PortName, Driver> = {
  config: async () => undefined,
  // The function invokes itself: AWS_LAMBDA_FUNCTION_NAME is set to the function being checked.
  deferral: async () => {
    await watch(awsDeferral()).defer({
      sluiceDeferredSlackAction: {
        actionId: 'sluice_approve',
        value: 'ap_1',
        user: 'U1',
        responseUrl: 'https://hooks.slack.com/actions/T/1/x',
      },
      issuedAt: 1_796_385_600,
      seal: 'ab'.repeat(32),
    });
  },
  now: async () => undefined,
  trafficReader: async (inputs) => {
    for (const { environment, release } of inputs) {
      const reader = watch(awsTrafficRouter(environment, accessScope(environment.name, release.id)));
      await reader.readWeights();
      await reader.healthyTargets(environment.targetGroups.green);
      await reader.stickinessSeconds();
    }
  },
  trafficRouter: async (inputs) => {
    for (const { environment, release } of inputs) {
      const router = watch(awsTrafficRouter(environment, accessScope(environment.name, release.id)));
      await router.shift({ [environment.targetGroups.blue]: 90, [environment.targetGroups.green]: 10 });
      await router.readWeights();
      await router.healthyTargets(environment.targetGroups.green);
      await router.stickinessSeconds();
    }
  },
  alarms: async (inputs) => {
    for (const { environment, release } of inputs) {
      const alarms = watch(awsAlarms(accessScope(environment.name, release.id)));
      await alarms.describe(environment.alarms);
      await alarms.alarmedSince(environment.alarms, new Date('2026-01-01T00:00:00Z'));
    }
  },
  metrics: async (inputs) => {
    for (const { environment, release } of inputs) {
      await watch(awsMetrics(accessScope(environment.name, release.id))).intervals({
        listenerArn: environment.listenerArn,
        canary: environment.targetGroups.green,
        baseline: environment.targetGroups.blue,
        comparisons: [{ kind: 'latency', percentile: 99, maxIncreasePercent: 20 }],
        from: new Date('2026-01-01T00:00:00Z'),
        to: new Date('2026-01-01T00:05:00Z'),
        periodSeconds: 60,
      });
    }
  },
  deployer: async (inputs) => {
    for (const { environment, release } of inputs) {
      const { deploy, targetGroups } = environment;
      if (deploy.provider !== 'ecs') continue;
      const deployer = watch(awsDeployer('ecs', accessScope(environment.name, release.id)));
      await deployer.deploy({
        environment: environment.name,
        deploy,
        targetGroupArn: targetGroups.green,
        side: 'green',
        version: 'c0ffee0',
      });
    }
  },
  serviceScaler: async (inputs) => {
    for (const { environment, release } of inputs) {
      const { deploy, targetGroups } = environment;
      if (deploy.provider !== 'ecs') continue;
      await watch(awsServiceScaler('ecs', accessScope(environment.name, release.id))).resize({
        environment: environment.name,
        deploy,
        targetGroupArn: targetGroups.blue,
        side: 'blue',
        desiredCount: 0,
      });
    }
  },
  artifacts: async (inputs) => {
    for (const { environment, release } of inputs) {
      if (environment.artifact)
        await watch(awsArtifacts(accessScope(environment.name, release.id))).describe(
          environment.artifact.repository,
          'c0ffee0',
          true,
        );
    }
  },
  releases: async (inputs) => {
    const store = watch(awsReleases());
    for (const input of inputs) {
      const record = recordOf(input, { releaseId: `${input.release.id}-${drives}`, sha: sha() });
      const owner = { releaseId: record.releaseId, executionName: input.executionName };
      await store.create(record);
      await store.get(record.releaseId, record.environment);
      await store.update(
        record.releaseId,
        record.environment,
        { buildWait: { taskToken: 'token', since: '2026-01-01T00:00:00.000Z', pending: ['build'] } },
        {
          event: 'build_pending',
        },
      );
      await store.waitingForChecks(record.sha);
      await store.recordsOf(record.releaseId);
      await store.update(
        record.releaseId,
        record.environment,
        { buildWait: undefined } as Partial<ReleaseRecord>,
        {
          event: 'build_verified',
        },
      );
      await store.acquireLock(record.environment, owner);
      await store.lockHolder(record.environment);
      await store.releaseLock(record.environment, owner);
      const at = '2026-01-01T00:00:00.000Z';
      await store.startFreeze({ environment: record.environment, reason: 'drive', by: 'iam', startedAt: at });
      await store.activeFreeze(record.environment, new Date(at));
      await store.endFreeze(record.environment, 'iam', at);
      await store.freezeLog(record.environment);
      const { environment: _e, steps: _s, ...base } = record;
      await store.createPipeline({
        ...base,
        kind: 'pipeline',
        executionName: `pipeline-${record.releaseId}`,
        pipeline: { route: 'main', environments: [record.environment] },
      });
      await store.pipelineOf(record.releaseId);
      await store.updatePipeline(
        record.releaseId,
        { pipeline: { route: 'main', environments: [record.environment], current: record.environment } },
        { event: 'stage_started', detail: record.environment },
      );
    }
    await store.list();
  },
  pushes: async (inputs) => {
    const log = watch(awsPushes());
    const branch = inputs[0]?.release.branch ?? 'main';
    await log.record({ branch, sha: sha(), receivedAt: '2026-01-01T00:00:00.000Z', deliveryId: 'd1' });
    await log.get(branch, sha());
    for (const { environment, release, executionName } of inputs) {
      await log.head(environment.name, branch);
      await log.advanceHead(
        { environment: environment.name, branch, sha: sha(), releaseId: release.id, executionName },
        undefined,
      );
    }
  },
  orchestrator: async (inputs, { execution = [] }) => {
    const orchestrator = watch(awsOrchestrator());
    const input = inputs[0]!;
    const methods = new Set(execution.flatMap((kind) => ORCHESTRATOR_METHODS[kind]));
    const calls: Record<string, () => Promise<unknown>> = {
      startPipeline: () =>
        orchestrator.startPipeline({ pipeline: { executionName: 'push-c0ffee' } } as never),
      'executionStatus:pipeline': () => orchestrator.executionStatus('push-c0ffee', 'pipeline'),
      'executionStatus:release': () => orchestrator.executionStatus(input.executionName, 'release'),
      sendTaskSuccess: () => orchestrator.sendTaskSuccess('token', { ok: true }),
      sendTaskFailure: () => orchestrator.sendTaskFailure('token', 'ApprovalRejected', 'rejected'),
      stopExecution: () => orchestrator.stopExecution(input.executionName, 'ReleaseAborted', 'aborted'),
      describeExecution: () => orchestrator.describeExecution(input.executionName),
      startRelease: () => orchestrator.startRelease(input),
    };
    for (const method of methods) await calls[method]!();
  },
  secrets: async (_, { secrets = [] }) => {
    for (const name of secrets) await readSecret(name)();
  },
  buildVerifier: readSecret(PORT_SECRETS.buildVerifier!),
  checkReporter: readSecret(PORT_SECRETS.checkReporter!),
  deployments: readSecret(PORT_SECRETS.deployments!),
  notifier: readSecret(PORT_SECRETS.notifier!),
  approvals: async (inputs) => {
    const store = watch(awsApprovals());
    const input = inputs[0]!;
    const id = `ap_contract_${drives}`;
    await store.create(
      {
        id,
        releaseId: input.release.id,
        environment: input.environment.name,
        executionName: input.executionName,
        service: 'checkout',
        version: 'c0ffee0',
        channel: 'C0RELEASES',
        status: 'pending',
        requestedAt: '2026-01-01T00:00:00.000Z',
        expiresAt: '2026-01-01T04:00:00.000Z',
      },
      'token',
    );
    await store.get(id);
    await store.list();
    await store.setMessage(id, { channel: 'C0RELEASES', ts: '1.2' });
    await store.decide(id, { status: 'approved', by: 'U1', at: '2026-01-01T00:01:00.000Z' });
    await store.undelivered(id);
    await store.setDelivery(id, { outcome: 'delivered', at: '2026-01-01T00:01:01.000Z' });
  },
  threads: async (inputs) => {
    // awsThreads() is this view of the approval store; taken through the watched store, it shows what it runs.
    const threads = (
      watch(awsApprovals()) as unknown as { threads(): ReturnType<typeof awsThreads> }
    ).threads();
    const input = inputs[0]!;
    await threads.put({
      releaseId: `${input.release.id}-${drives}`,
      environment: input.environment.name,
      notified: 1,
      deployed: 0,
    });
    await threads.get(`${input.release.id}-${drives}`, input.environment.name);
    await threads.list();
  },
};
