import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { SluiceConfig } from '../functions/shared/domain/config.js';
import type { EnvironmentPort } from './environment-access.js';

export { ENVIRONMENT_PORTS, type EnvironmentPort, isEnvironmentPort } from './environment-access.js';

/**
 * The IAM statements Sluice's Lambdas need, derived from the config alone: every mutating action
 * names the configured listeners, rules, alarms and ECS services. Describe calls of ELBv2 and ECS
 * task definitions have no resource-level permissions, so those (read-only) statements use `*`.
 */

interface ArnParts {
  partition: string;
  region: string;
  account: string;
}

/** arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/... → its partition, region, account. */
export function arnParts(arn: string): ArnParts {
  const [, partition, , region, account] = arn.split(':');
  if (!partition || !region || !account) throw new Error(`not a regional ARN: ${arn}`);
  return { partition, region, account };
}

const unique = (values: string[]) => [...new Set(values)].sort();

/** Reads the weights a listener or rule serves and the health of its target groups. */
export function trafficReadStatements(): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'ReadListenersAndTargetHealth',
      effect: Effect.ALLOW,
      actions: [
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTargetHealth',
      ],
      resources: ['*'],
    }),
  ];
}

/** Sets the weights: ModifyListener on listeners whose default action Sluice shifts, ModifyRule on rules. */
export function trafficWriteStatements(config: SluiceConfig): PolicyStatement[] {
  const listeners = unique(config.environments.filter((e) => !e.ruleArn).map((e) => e.listenerArn));
  const rules = unique(config.environments.flatMap((e) => (e.ruleArn ? [e.ruleArn] : [])));
  const statements: PolicyStatement[] = [];
  if (listeners.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'ShiftListenerWeights',
        actions: ['elasticloadbalancing:ModifyListener'],
        resources: listeners,
      }),
    );
  }
  if (rules.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'ShiftRuleWeights',
        actions: ['elasticloadbalancing:ModifyRule'],
        resources: rules,
      }),
    );
  }
  return statements;
}

/**
 * The watched alarms' ARNs. CloudWatch alarms on ALB metrics live in the load balancer's region
 * and account, so those come from the environment's listener ARN.
 */
export function alarmArns(config: SluiceConfig): string[] {
  return unique(
    config.environments.flatMap((env) => {
      const { partition, region, account } = arnParts(env.listenerArn);
      return env.alarms.map((name) => `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`);
    }),
  );
}

/** Reads the watched alarms' states and histories; granted only where the config watches alarms. */
export function alarmReadStatements(config: SluiceConfig): PolicyStatement[] {
  if (alarmArns(config).length === 0) return [];
  return [
    // DescribeAlarms returns composite alarms only to a permission scoped to *; a narrower one
    // silently leaves them out (CloudWatch API reference, DescribeAlarms).
    new PolicyStatement({
      sid: 'ReadWatchedAlarms',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }),
    // A soak fails on an alarm that fired and cleared during it, which only the alarm's history
    // shows. DescribeAlarmHistory returns a composite alarm's history only to a permission
    // scoped to * (CloudWatch API reference, DescribeAlarmHistory).
    new PolicyStatement({
      sid: 'ReadAlarmHistory',
      actions: ['cloudwatch:DescribeAlarmHistory'],
      resources: ['*'],
    }),
  ];
}

/**
 * GetMetricData for the canary analysis. CloudWatch metrics have no ARN: the action's only
 * resource type (`dataset`) is for OTLP metrics, so classic metrics such as AWS/ApplicationELB
 * are readable only with Resource * (Service Authorization Reference, Amazon CloudWatch).
 */
export function metricReadStatements(): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'ReadTargetGroupMetrics',
      actions: ['cloudwatch:GetMetricData'],
      resources: ['*'],
    }),
  ];
}

export interface EcsDeployStatementsOptions {
  /**
   * Roles the new task definition revisions may carry (task and execution roles). ECS copies
   * them from the current revision, so these are your services' roles.
   * @default every role in each configured account, passable only to ecs-tasks.amazonaws.com
   */
  readonly passRoleArns?: string[];
}

/** The wildcard resources of ecsDeployStatements, other than "*", with why each is acceptable. */
export function ecsWildcardReasons(statements: PolicyStatement[]): Record<string, string> {
  const reasons: Record<string, string> = {};
  for (const statement of statements) {
    const json = statement.toStatementJson() as { Sid?: string; Resource?: string | string[] };
    for (const resource of [json.Resource ?? []].flat()) {
      if (resource === '*' || !resource.includes('*')) continue;
      if (json.Sid === 'TagNewRevisionsOnRegister') {
        reasons[resource] =
          'ecs:TagResource on task definitions, only as part of RegisterTaskDefinition (condition ecs:CreateAction); the family is read from the running service at deploy time';
      } else if (json.Sid === 'PassTaskRolesToEcs') {
        reasons[resource] =
          'iam:PassRole only to ecs-tasks.amazonaws.com (condition iam:PassedToService), for the task and execution roles the new revision copies from the current one; narrow it with deploy.passRoles in the config (synth warns while it is open)';
      } else {
        throw new Error(`unexplained wildcard resource ${resource} in statement ${json.Sid}`);
      }
    }
  }
  return reasons;
}

/** The roles the Deploy function may pass to ECS: each ECS environment's `passRoles`, plus any from CDK context. */
export function passRolesOf(config: SluiceConfig, fromContext: string[] = []): string[] {
  return unique([
    ...config.environments.flatMap((env) =>
      env.deploy.provider === 'ecs' ? (env.deploy.passRoles ?? []) : [],
    ),
    ...fromContext,
  ]);
}

/** Both sides' ECS services of every ECS environment, and the accounts and regions they live in. */
function ecsServices(config: SluiceConfig): { services: string[]; regions: ArnParts[] } {
  const services: string[] = [];
  const accounts = new Map<string, ArnParts>();
  for (const env of config.environments) {
    if (env.deploy.provider !== 'ecs') continue;
    const parts = arnParts(env.listenerArn);
    accounts.set(`${parts.partition}:${parts.region}:${parts.account}`, parts);
    for (const service of [env.deploy.services.blue, env.deploy.services.green]) {
      services.push(
        `arn:${parts.partition}:ecs:${parts.region}:${parts.account}:service/${env.deploy.cluster}/${service}`,
      );
    }
  }
  return { services: unique(services), regions: [...accounts.values()] };
}

/** Resizes the configured services (ScaleDown): DescribeServices and UpdateService on them, nothing else. */
export function ecsScaleStatements(config: SluiceConfig): PolicyStatement[] {
  const { services } = ecsServices(config);
  if (services.length === 0) return [];
  return [
    new PolicyStatement({
      sid: 'ResizeConfiguredServices',
      actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
      resources: services,
    }),
  ];
}

/** Registers a task definition revision with the new image and points the idle service at it. */
export function ecsDeployStatements(
  config: SluiceConfig,
  options: EcsDeployStatementsOptions = {},
): PolicyStatement[] {
  const { services, regions } = ecsServices(config);
  if (services.length === 0) return [];
  return [
    new PolicyStatement({
      sid: 'DeployToConfiguredServices',
      actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
      resources: services,
    }),
    new PolicyStatement({
      sid: 'RegisterTaskDefinitionRevisions',
      // Neither action supports resource-level permissions (Service Authorization Reference).
      actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
      resources: ['*'],
    }),
    new PolicyStatement({
      sid: 'TagNewRevisionsOnRegister',
      // RegisterTaskDefinition with tags (copied from the current revision) also needs TagResource.
      actions: ['ecs:TagResource'],
      resources: unique(
        regions.map((p) => `arn:${p.partition}:ecs:${p.region}:${p.account}:task-definition/*`),
      ),
      conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    }),
    new PolicyStatement({
      sid: 'PassTaskRolesToEcs',
      actions: ['iam:PassRole'],
      resources:
        options.passRoleArns && options.passRoleArns.length > 0
          ? unique(options.passRoleArns)
          : unique(regions.map((p) => `arn:${p.partition}:iam::${p.account}:role/*`)),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    }),
  ];
}

/**
 * The statements of environment ports over the config's environments: what a function holding
 * them is granted in a single account, and what an environment's role in its own account holds
 * (infra/target-stack.ts). One function for both, so the two cannot drift apart. Statements that
 * two ports share (the ELBv2 reads) appear once.
 */
export function environmentPortStatements(
  config: SluiceConfig,
  ports: readonly EnvironmentPort[],
  options: EcsDeployStatementsOptions = {},
): PolicyStatement[] {
  if (config.environments.length === 0) return [];
  const byPort: Record<EnvironmentPort, () => PolicyStatement[]> = {
    trafficReader: () => trafficReadStatements(),
    trafficRouter: () => [...trafficReadStatements(), ...trafficWriteStatements(config)],
    alarms: () => alarmReadStatements(config),
    metrics: () => metricReadStatements(),
    deployer: () => ecsDeployStatements(config, options),
    serviceScaler: () => ecsScaleStatements(config),
    artifacts: () => ecrReadStatements(config),
  };
  const statements = new Map<string, PolicyStatement>();
  for (const port of ports) {
    for (const statement of byPort[port]()) statements.set(statement.sid ?? `${statements.size}`, statement);
  }
  return [...statements.values()];
}

/** DescribeImages and DescribeImageScanFindings on the ECR repositories environments name (`artifact.repository`). */
export function ecrReadStatements(config: SluiceConfig): PolicyStatement[] {
  const repositories = unique(
    config.environments.flatMap((env) => {
      if (!env.artifact) return [];
      const { partition, region, account } = arnParts(env.listenerArn);
      return [`arn:${partition}:ecr:${region}:${account}:repository/${env.artifact.repository}`];
    }),
  );
  if (repositories.length === 0) return [];
  return [
    new PolicyStatement({
      sid: 'ReadReleaseImages',
      actions: ['ecr:DescribeImages', 'ecr:DescribeImageScanFindings'],
      resources: repositories,
    }),
  ];
}

/**
 * What `sluice doctor --stack` reads of an environment beyond a release's own calls, all
 * read-only: whether the target groups sit on the listener's load balancer (DescribeTargetGroups),
 * the cluster's status (DescribeClusters), the repository and the registry's scanning rules. An
 * environment role in another account holds them where operators are admitted: an operator's
 * doctor reads the environment through that role (#19). DescribeTargetGroups and
 * GetRegistryScanningConfiguration support no resource-level permissions (Service Authorization
 * Reference), so they take "*".
 */
export function doctorReadStatements(config: SluiceConfig): PolicyStatement[] {
  const statements = [
    new PolicyStatement({
      sid: 'DoctorReadsTargetGroups',
      actions: ['elasticloadbalancing:DescribeTargetGroups'],
      resources: ['*'],
    }),
  ];
  const clusters = unique(
    config.environments.flatMap((env) => {
      if (env.deploy.provider !== 'ecs') return [];
      const { partition, region, account } = arnParts(env.listenerArn);
      const { cluster } = env.deploy;
      return [
        cluster.startsWith('arn:') ? cluster : `arn:${partition}:ecs:${region}:${account}:cluster/${cluster}`,
      ];
    }),
  );
  if (clusters.length > 0)
    statements.push(
      new PolicyStatement({
        sid: 'DoctorReadsClusters',
        actions: ['ecs:DescribeClusters'],
        resources: clusters,
      }),
    );
  const repositories = unique(
    config.environments.flatMap((env) => {
      if (!env.artifact) return [];
      const { partition, region, account } = arnParts(env.listenerArn);
      return [`arn:${partition}:ecr:${region}:${account}:repository/${env.artifact.repository}`];
    }),
  );
  if (repositories.length > 0)
    statements.push(
      new PolicyStatement({
        sid: 'DoctorReadsRepositories',
        actions: ['ecr:DescribeRepositories'],
        resources: repositories,
      }),
      new PolicyStatement({
        sid: 'DoctorReadsRegistryScanning',
        actions: ['ecr:GetRegistryScanningConfiguration'],
        resources: ['*'],
      }),
    );
  return statements;
}

/**
 * Actions that change something yet are authorized only on Resource "*" (Service Authorization
 * Reference), with why Sluice grants each. Nothing else that mutates may have a `*` resource;
 * the template test and the cdk-nag acknowledgements both read this table.
 */
export const STAR_ONLY_MUTATING_ACTIONS: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray active tracing (added by CDK for tracing: ACTIVE)',
  'xray:PutTelemetryRecords': 'X-Ray active tracing (added by CDK for tracing: ACTIVE)',
  'logs:CreateLogDelivery': 'Step Functions log delivery to CloudWatch Logs (vended logs)',
  'logs:UpdateLogDelivery': 'Step Functions log delivery to CloudWatch Logs (vended logs)',
  'logs:DeleteLogDelivery': 'Step Functions log delivery to CloudWatch Logs (vended logs)',
  'logs:PutResourcePolicy': 'Step Functions log delivery to CloudWatch Logs (vended logs)',
  'ecs:RegisterTaskDefinition':
    'a new revision with the pushed image; it takes effect only through UpdateService, which names the configured services',
};

/** Describe/Get/List: reads, which may use `*` where the service offers nothing narrower. */
export function isReadOnlyAction(action: string): boolean {
  const name = action.split(':')[1] ?? '';
  return /^(Describe|Get|List)/.test(name);
}
