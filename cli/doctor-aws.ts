import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
  type RegistryScanningRule,
} from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type Listener,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandOutput,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Octokit } from '@octokit/core';
import { DynamoDbReleaseStore } from '../functions/shared/aws/dynamodb-release-store.js';
import { weightsOf } from '../functions/shared/aws/elbv2-traffic-router.js';
import { type BaseClientConfig, EnvironmentClients } from '../functions/shared/aws/environment-clients.js';
import { describeSdkError, isNamed } from '../functions/shared/aws/sdk-errors.js';
import { SlackWebApi } from '../functions/shared/aws/slack-web-api.js';
import {
  type AccessScope,
  accessScope,
  targetRoleArn,
  targetStackName,
} from '../functions/shared/domain/accounts.js';
import {
  configDigest,
  type EnvironmentConfig,
  routesOf,
  type SluiceConfig,
} from '../functions/shared/domain/config.js';
import {
  type AccessFacts,
  type AlarmFacts,
  type DeadLetterFacts,
  type DoctorReport,
  definitionDrift,
  type EcsFacts,
  type EnvironmentFacts,
  type GlobalFacts,
  judge,
  type ListenerFacts,
  type Read,
  type RepositoryFacts,
  type RequiredCheckFacts,
  type RuleFacts,
  type SecretFacts,
  type ServiceFacts,
  type SlackFacts,
  type TargetGroupFacts,
  type WebhookFacts,
} from '../functions/shared/domain/doctor.js';
import { matchesAny } from '../functions/shared/domain/glob.js';
import { isReleaseRecord } from '../functions/shared/domain/release.js';
import type { SecretName } from '../functions/shared/ports/secrets.js';
import { readDefinition } from '../statemachines/definitions.js';

/** Doctor could not run at all (no credentials, no stack): exit 2 with the reason. */
export class DoctorUnavailableError extends Error {
  override readonly name = 'DoctorUnavailableError';
}

export interface AwsDoctorOptions {
  stack: string;
  /** SDK client settings: region, and in tests endpoint and credentials. */
  clientConfig?: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** @default the names in the stack's template, else those infra/constructs/sluice-secrets.ts gives a service */
  secretNames?: Partial<Record<SecretName, string>>;
  /** @default https://api.github.com */
  githubApiUrl?: string;
  /** @default https://slack.com/api/ */
  slackApiUrl?: string;
}

const SECRET_NAMES: SecretName[] = ['github-webhook', 'github-token', 'slack-signing', 'slack-bot-token'];

async function awsRead<T>(fn: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error: describeSdkError(error) };
  }
}

async function stackOutputs(client: CloudFormationClient, stack: string): Promise<Record<string, string>> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stack }));
    return Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    throw new DoctorUnavailableError(`cannot read stack ${stack}: ${describeSdkError(error)}`);
  }
}

/**
 * The doctor over a deployed Sluice with the caller's credentials: Describe*, Get*, List* and
 * Slack/GitHub reads only. Throws DoctorUnavailableError when it cannot start (no credentials, no stack).
 */
export async function awsDoctor(config: SluiceConfig, options: AwsDoctorOptions): Promise<DoctorReport> {
  const clients = new Set<{ destroy(): void }>();
  const cc = { ...options.clientConfig };
  /** A client for this run; each is closed when the run ends. */
  const client = <C extends { destroy(): void }>(created: C): C => {
    clients.add(created);
    return created;
  };
  try {
    return await diagnose(config, options, cc, client);
  } finally {
    for (const c of clients) c.destroy();
  }
}

async function diagnose(
  config: SluiceConfig,
  options: AwsDoctorOptions,
  cc: NonNullable<AwsDoctorOptions['clientConfig']>,
  client: <C extends { destroy(): void }>(created: C) => C,
): Promise<DoctorReport> {
  let caller: string;
  try {
    caller = (await client(new STSClient(cc)).send(new GetCallerIdentityCommand({}))).Arn ?? 'unknown';
  } catch (error) {
    throw new DoctorUnavailableError(`no usable AWS credentials: ${describeSdkError(error)}`);
  }
  const cloudformation = client(new CloudFormationClient(cc));
  const outputs = await stackOutputs(cloudformation, options.stack);
  if (!outputs.ConfigDigest || !outputs.StateMachineArn)
    throw new DoctorUnavailableError(
      `stack ${options.stack} has no ConfigDigest output: is it a Sluice stack?`,
    );

  const cloudwatch = client(new CloudWatchClient(cc));
  // An environment's resources are read as an operator's CLI reaches them: through
  // EnvironmentClients with the caller's credentials as base, so one with `account` is read
  // through its role (assumed with the caller as SourceIdentity) and one without as before.
  const environmentClients = new EnvironmentClients({ config: () => config, base: cc });
  const secretsManager = client(new SecretsManagerClient(cc));
  const sfn = client(new SFNClient(cc));
  const store = outputs.ReleaseTableName
    ? new DynamoDbReleaseStore(client(new DynamoDBClient(cc)), outputs.ReleaseTableName)
    : undefined;
  const records = store
    ? await awsRead(async () => (await store.list()).filter(isReleaseRecord))
    : ({ ok: false, error: 'the stack has no ReleaseTableName output' } as const);

  const environments: Record<string, EnvironmentFacts> = {};
  for (const env of config.environments) {
    const scope = accessScope(env.name, undefined, caller);
    const reach = <C extends { destroy(): void }>(Client: new (config: BaseClientConfig) => C): C =>
      client(environmentClients.client(Client, scope));
    const elbv2 = reach(ElasticLoadBalancingV2Client);
    const access = env.account ? await accessFacts(config, env, scope, elbv2) : undefined;
    const lock = store
      ? await awsRead(() => store.lockHolder(env.name))
      : ({ ok: false, error: 'no release table' } as const);
    const releases: EnvironmentFacts['releases'] = records.ok
      ? {
          ok: true,
          value: records.value
            .filter((r) => r.environment === env.name)
            .sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
        }
      : records;
    if (access && !access.assumed.ok) {
      // Nothing of the environment is readable without its role: doctor reports the role alone.
      const notRead = { ok: false, error: `not read: ${access.role} could not be assumed` } as const;
      environments[env.name] = {
        access,
        readAt: new Date().toISOString(),
        listener: notRead,
        targetGroups: { blue: notRead, green: notRead },
        alarms: notRead,
        releases,
        lock,
      };
      continue;
    }
    const alarmReader = reach(CloudWatchClient);
    const ecs = reach(ECSClient);
    const ecr = reach(ECRClient);
    environments[env.name] = {
      ...(access ? { access } : {}),
      readAt: new Date().toISOString(),
      listener: await awsRead(() => listenerFacts(elbv2, env)),
      targetGroups: {
        blue: await awsRead(() => targetGroupFacts(elbv2, env.targetGroups.blue)),
        green: await awsRead(() => targetGroupFacts(elbv2, env.targetGroups.green)),
      },
      alarms: await awsRead(() => alarmFacts(alarmReader, env.alarms)),
      releases,
      lock,
      ...(env.deploy.provider === 'ecs' ? { ecs: await awsRead(() => ecsFacts(ecs, env)) } : {}),
      ...(env.artifact
        ? { repository: await awsRead(() => repositoryFacts(ecr, env.artifact!.repository)) }
        : {}),
    };
  }

  const deployed = await awsRead(() => deployedSecretNames(cloudformation, options.stack));
  const names = {
    ...defaultSecretNames(config.service),
    ...(deployed.ok ? deployed.value : {}),
    ...options.secretNames,
  };
  const secretNamesFrom = options.secretNames
    ? 'the caller'
    : deployed.ok && Object.keys(deployed.value).length > 0
      ? `the stack's template (the functions' ${SECRET_VARIABLES['github-token']} and others)`
      : `the defaults sluice/${config.service}/… (${deployed.ok ? 'the template names none' : `the template could not be read: ${deployed.error}`})`;
  const resources = await awsRead(() => stackResources(cloudformation, options.stack));
  const sqs = client(new SQSClient(cc));
  const deadLetters = (
    [
      ['alarm', outputs.DeadLetterQueueUrl],
      ['notifier', outputs.NotifierDeadLetterQueueUrl],
      ['clicks', outputs.ClickDeadLetterQueueUrl],
    ] as const
  ).flatMap(([queue, url]) => (url ? [{ queue, url }] : []));
  const global: GlobalFacts = {
    caller,
    configDigest: { local: configDigest(config), deployed: outputs.ConfigDigest },
    stateMachines: [
      await stateMachineFacts(sfn, 'release', outputs.StateMachineArn),
      await stateMachineFacts(sfn, 'pipeline', outputs.PipelineStateMachineArn),
    ],
    secrets: await Promise.all(
      SECRET_NAMES.map((name) => awsRead(() => secretFacts(secretsManager, name, names[name]))),
    ),
    secretNamesFrom,
    deadLetters: await Promise.all(
      deadLetters.map(
        async ({ queue, url }): Promise<DeadLetterFacts> => ({
          queue,
          url,
          messages: await awsRead(() => deadLetterMessages(sqs, cloudwatch, url)),
        }),
      ),
    ),
    rules: resources.ok
      ? await awsRead(() => ruleFacts(client(new EventBridgeClient(cc)), resources.value))
      : resources,
  };
  const token = (name: SecretName) =>
    awsRead(
      async () =>
        (await secretsManager.send(new GetSecretValueCommand({ SecretId: names[name] }))).SecretString ?? '',
    );
  if (outputs.GithubWebhookUrl) {
    const github = await token('github-token');
    global.github = github.ok
      ? await awsRead(() =>
          webhookFacts(config.repository, github.value, outputs.GithubWebhookUrl!, options.githubApiUrl),
        )
      : { ok: false, error: `no GitHub token: ${github.error}` };
    global.requiredChecks = github.ok
      ? await awsRead(() => requiredCheckFacts(config, github.value, options.githubApiUrl))
      : { ok: false, error: `no GitHub token: ${github.error}` };
  }
  const channels = slackChannels(config);
  if (channels.length > 0) {
    const slack = await token('slack-bot-token');
    global.slack = slack.ok
      ? await slackFacts(
          new SlackWebApi(slack.value, options.slackApiUrl ? { apiUrl: options.slackApiUrl } : {}),
          config,
        )
      : { auth: { ok: false, error: `no bot token: ${slack.error}` }, channels: [], approvers: [] };
  }
  return judge(config, environments, global);
}

/**
 * Whether the caller can assume an environment's role, as an operator's CLI does (AssumeRole with
 * the caller as SourceIdentity, the ExternalId, the session tags): the first use of a client built
 * for the scope resolves its credentials. STS answers AccessDenied both for a role that does not
 * exist and for one whose trust refuses the caller ("User: … is not authorized to perform:
 * sts:AssumeRole on resource: …"), so the finding names every likely cause.
 */
export async function accessFacts(
  config: SluiceConfig,
  env: EnvironmentConfig,
  scope: AccessScope,
  probe: { config: { credentials: unknown } },
): Promise<AccessFacts | undefined> {
  const account = env.account;
  if (!account) return undefined;
  const credentials = probe.config.credentials as () => Promise<unknown>;
  return {
    role: targetRoleArn(config.service, env.name, account),
    principal: scope.actor ?? 'unknown',
    accountId: account.id,
    externalId: !!account.externalId,
    ...(account.role ? {} : { targetStack: targetStackName(config.service, env.name) }),
    assumed: await awsRead(async () => {
      await credentials();
      return true as const;
    }),
  };
}

/** The Lambda environment variables that carry each secret's name (infra/lambda-environment.ts). */
const SECRET_VARIABLES: Record<SecretName, string> = {
  'github-webhook': 'SLUICE_GITHUB_WEBHOOK_SECRET_NAME',
  'github-token': 'SLUICE_GITHUB_TOKEN_SECRET_NAME',
  'slack-signing': 'SLUICE_SLACK_SIGNING_SECRET_NAME',
  'slack-bot-token': 'SLUICE_SLACK_BOT_TOKEN_SECRET_NAME',
};

/**
 * The secret names the stack was deployed with, from its template (CloudFormation GetTemplate):
 * the functions' environment holds each name as a literal string, overrides included. Lambda's
 * GetFunctionConfiguration would say the same, but would need lambda:GetFunctionConfiguration too.
 */
export async function deployedSecretNames(
  client: CloudFormationClient,
  stack: string,
): Promise<Partial<Record<SecretName, string>>> {
  const { TemplateBody } = await client.send(new GetTemplateCommand({ StackName: stack }));
  // A CDK template is JSON; a YAML body (not Sluice's) names nothing here.
  let template: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  try {
    template = JSON.parse(TemplateBody ?? '{}');
  } catch {
    return {};
  }
  const names: Partial<Record<SecretName, string>> = {};
  for (const resource of Object.values(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const variables = (
      resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
    )?.Variables;
    for (const name of SECRET_NAMES) {
      const value = variables?.[SECRET_VARIABLES[name]];
      if (typeof value === 'string' && !names[name]) names[name] = value;
    }
  }
  return names;
}

/** ListStackResources, every page. */
async function stackResources(client: CloudFormationClient, stack: string): Promise<StackResourceSummary[]> {
  const resources: StackResourceSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(
      new ListStackResourcesCommand({ StackName: stack, ...(NextToken ? { NextToken } : {}) }),
    );
    resources.push(...(page.StackResourceSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return resources;
}

/**
 * The safety net's rules by their logical ids (construct ids in infra/constructs/alarm-rollback.ts
 * are a contract): AlarmRollbackAlarmStateRule… to the AlarmRollbackAlarmRollbackFunction…, and
 * AlarmRollbackExecutionEndedRule… to AlarmRollbackReleaseGuardFunction…. A rule's physical id is
 * its name (CloudFormation, AWS::Events::Rule: Ref returns the rule name on the default bus).
 */
export async function ruleFacts(
  client: EventBridgeClient,
  resources: StackResourceSummary[],
): Promise<RuleFacts[]> {
  const physical = (prefix: string, type: string) =>
    resources.filter(
      (r) => r.ResourceType === type && r.LogicalResourceId?.startsWith(prefix) && r.PhysicalResourceId,
    );
  const functionName = (prefix: string) => physical(prefix, 'AWS::Lambda::Function')[0]?.PhysicalResourceId;
  const expected = {
    alarm: functionName('AlarmRollbackAlarmRollbackFunction'),
    executionEnded: functionName('AlarmRollbackReleaseGuardFunction'),
  };
  const rules = [
    ...physical('AlarmRollbackAlarmStateRule', 'AWS::Events::Rule').map((r) => ({
      r,
      kind: 'alarm' as const,
    })),
    ...physical('AlarmRollbackExecutionEndedRule', 'AWS::Events::Rule').map((r) => ({
      r,
      kind: 'executionEnded' as const,
    })),
  ];
  const facts: RuleFacts[] = [];
  for (const { r, kind } of rules) {
    const name = r.PhysicalResourceId!;
    const rule = await client.send(new DescribeRuleCommand({ Name: name }));
    const targets: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new ListTargetsByRuleCommand({ Rule: name, ...(NextToken ? { NextToken } : {}) }),
      );
      targets.push(...(page.Targets ?? []).flatMap((t) => (t.Arn ? [t.Arn] : [])));
      NextToken = page.NextToken;
    } while (NextToken);
    const fn = expected[kind];
    const pattern = JSON.parse(rule.EventPattern ?? '{}') as { detail?: { alarmName?: unknown } };
    const alarmNames = pattern.detail?.alarmName;
    facts.push({
      name,
      kind,
      state: rule.State ?? 'UNKNOWN',
      targets,
      // A target names the function by ARN; the stack resource gives its name.
      expectedTarget: fn
        ? (targets.find((t) => t.endsWith(`:function:${fn}`)) ?? `function ${fn}`)
        : undefined,
      ...(kind === 'alarm' && Array.isArray(alarmNames)
        ? { alarmNames: alarmNames.filter((a): a is string => typeof a === 'string') }
        : {}),
    });
  }
  return facts;
}

/**
 * GetQueueAttributes ApproximateNumberOfMessages plus …NotVisible (a message someone is reading
 * is still there; nothing is received here), and the
 * CloudWatch metric AWS/SQS ApproximateAgeOfOldestMessage, which SQS reports while the queue holds
 * an active message (SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS").
 */
export async function deadLetterMessages(
  sqs: SQSClient,
  cloudwatch: CloudWatchClient,
  url: string,
  now = new Date(),
): Promise<{ count: number; oldestSeconds?: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const count =
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  if (count === 0) return { count };
  const queueName = url.split('/').at(-1) ?? url;
  try {
    const { Datapoints = [] } = await cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: queueName }],
        StartTime: new Date(now.getTime() - 3600_000),
        EndTime: now,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    const latest = Datapoints.filter((d) => d.Timestamp && d.Maximum !== undefined).sort(
      (a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime(),
    )[0];
    return latest ? { count, oldestSeconds: latest.Maximum! } : { count };
  } catch {
    // The count stands without the age; cloudwatch:GetMetricStatistics may not be granted.
    return { count };
  }
}

/** infra/constructs/sluice-secrets.ts names each secret after the service unless the app overrides it. */
export function defaultSecretNames(service: string): Record<SecretName, string> {
  return Object.fromEntries(SECRET_NAMES.map((n) => [n, `sluice/${service}/${n}`])) as Record<
    SecretName,
    string
  >;
}

async function listenerFacts(
  client: ElasticLoadBalancingV2Client,
  env: EnvironmentConfig,
): Promise<ListenerFacts | undefined> {
  let listener: Listener | undefined;
  try {
    listener = (await client.send(new DescribeListenersCommand({ ListenerArns: [env.listenerArn] })))
      .Listeners?.[0];
  } catch (error) {
    if (isNamed(error, 'ListenerNotFoundException', 'ListenerNotFound')) return undefined;
    throw error;
  }
  if (!listener) return undefined;
  let actions: Action[] = listener.DefaultActions ?? [];
  if (env.ruleArn) {
    try {
      const { Rules } = await client.send(new DescribeRulesCommand({ RuleArns: [env.ruleArn] }));
      if (!Rules?.[0]) return undefined;
      actions = Rules[0].Actions ?? [];
    } catch (error) {
      if (isNamed(error, 'RuleNotFoundException', 'RuleNotFound')) return undefined;
      throw error;
    }
  }
  return {
    loadBalancerArn: listener.LoadBalancerArn ?? '',
    forwardActions: actions
      .filter((a) => a.Type === 'forward')
      .map((forward) => {
        const stickiness = forward.ForwardConfig?.TargetGroupStickinessConfig;
        return {
          targetGroups: Object.entries(weightsOf(forward)).map(([arn, weight]) => ({ arn, weight })),
          ...(stickiness?.Enabled && stickiness.DurationSeconds !== undefined
            ? { stickinessSeconds: stickiness.DurationSeconds }
            : {}),
        };
      }),
  };
}

async function targetGroupFacts(
  client: ElasticLoadBalancingV2Client,
  arn: string,
): Promise<TargetGroupFacts | undefined> {
  let group: TargetGroup | undefined;
  try {
    group = (await client.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [arn] })))
      .TargetGroups?.[0];
  } catch (error) {
    if (isNamed(error, 'TargetGroupNotFoundException', 'TargetGroupNotFound')) return undefined;
    throw error;
  }
  if (!group) return undefined;
  const { TargetHealthDescriptions = [] } = await client.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
  );
  return {
    loadBalancerArns: group.LoadBalancerArns ?? [],
    registered: TargetHealthDescriptions.length,
    healthy: TargetHealthDescriptions.filter((d) => d.TargetHealth?.State === 'healthy').length,
  };
}

/**
 * Without AlarmTypes, DescribeAlarms returns metric alarms only (CloudWatch API reference,
 * DescribeAlarms), so both types are asked for; a composite alarm still comes back only to a
 * caller whose cloudwatch:DescribeAlarms is scoped to *.
 */
export async function alarmFacts(client: CloudWatchClient, names: string[]): Promise<AlarmFacts[]> {
  if (names.length === 0) return [];
  const facts: AlarmFacts[] = [];
  for (let i = 0; i < names.length; i += 100) {
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new DescribeAlarmsCommand({
          AlarmNames: names.slice(i, i + 100),
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const a of page.MetricAlarms ?? [])
        facts.push({
          name: a.AlarmName ?? '',
          kind: 'metric',
          state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmFacts['state'],
          ...(a.StateUpdatedTimestamp ? { stateSince: a.StateUpdatedTimestamp.toISOString() } : {}),
          ...(a.Period ? { periodSeconds: a.Period * (a.EvaluationPeriods ?? 1) } : {}),
        });
      for (const a of page.CompositeAlarms ?? [])
        facts.push({
          name: a.AlarmName ?? '',
          kind: 'composite',
          state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmFacts['state'],
          ...(a.StateUpdatedTimestamp ? { stateSince: a.StateUpdatedTimestamp.toISOString() } : {}),
        });
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return facts;
}

export async function ecsFacts(client: ECSClient, env: EnvironmentConfig): Promise<EcsFacts> {
  const deploy = env.deploy;
  if (deploy.provider !== 'ecs') throw new Error('not an ECS environment');
  const { clusters = [] } = await client.send(new DescribeClustersCommand({ clusters: [deploy.cluster] }));
  const cluster = clusters[0]?.status;
  if (!cluster) return { cluster: undefined, services: { blue: undefined, green: undefined } };
  const { services = [] } = await client.send(
    new DescribeServicesCommand({
      cluster: deploy.cluster,
      services: [deploy.services.blue, deploy.services.green],
    }),
  );
  const roles = new Map<string, string[]>();
  const facts = async (name: string): Promise<ServiceFacts | undefined> => {
    const s = services.find((x) => x.serviceName === name || x.serviceArn?.endsWith(`/${name}`));
    if (!s) return undefined;
    const taskDefinition = s.taskDefinition;
    if (taskDefinition && !roles.has(taskDefinition)) {
      const { taskDefinition: td } = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
      roles.set(
        taskDefinition,
        [td?.taskRoleArn, td?.executionRoleArn].filter((r): r is string => !!r),
      );
    }
    const breaker = s.deploymentConfiguration?.deploymentCircuitBreaker;
    return {
      status: s.status ?? 'UNKNOWN',
      targetGroupArns: (s.loadBalancers ?? []).flatMap((lb) =>
        lb.targetGroupArn ? [lb.targetGroupArn] : [],
      ),
      ...(breaker ? { circuitBreaker: { enable: !!breaker.enable, rollback: !!breaker.rollback } } : {}),
      deploymentController: s.deploymentController?.type ?? 'ECS',
      desiredCount: s.desiredCount ?? 0,
      runningCount: s.runningCount ?? 0,
      roles: taskDefinition ? (roles.get(taskDefinition) ?? []) : [],
    };
  };
  return {
    cluster,
    services: { blue: await facts(deploy.services.blue), green: await facts(deploy.services.green) },
  };
}

/** ECR's repository filters: `*` stands for zero or more characters; a filter without one matches names containing it. */
export function filterMatches(filter: string, repository: string): boolean {
  if (!filter.includes('*')) return repository.includes(filter);
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(repository);
}

function ruleCovers(rules: RegistryScanningRule[], repository: string): boolean {
  return rules.some(
    (rule) =>
      (rule.scanFrequency === 'SCAN_ON_PUSH' || rule.scanFrequency === 'CONTINUOUS_SCAN') &&
      (rule.repositoryFilters ?? []).some((f) => filterMatches(f.filter ?? '', repository)),
  );
}

async function repositoryFacts(client: ECRClient, name: string): Promise<RepositoryFacts> {
  const registry = await client.send(new GetRegistryScanningConfigurationCommand({}));
  const scanType = registry.scanningConfiguration?.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC';
  const covers = ruleCovers(registry.scanningConfiguration?.rules ?? [], name);
  try {
    const { repositories = [] } = await client.send(
      new DescribeRepositoriesCommand({ repositoryNames: [name] }),
    );
    return {
      exists: repositories.length > 0,
      scanOnPush: !!repositories[0]?.imageScanningConfiguration?.scanOnPush,
      registry: { scanType, ruleCovers: covers },
    };
  } catch (error) {
    if (isNamed(error, 'RepositoryNotFoundException'))
      return { exists: false, scanOnPush: false, registry: { scanType, ruleCovers: covers } };
    throw error;
  }
}

/** DescribeStateMachine: its status, and where its definition first differs from the local file. */
async function stateMachineFacts(
  client: SFNClient,
  name: 'release' | 'pipeline',
  arn: string | undefined,
): Promise<GlobalFacts['stateMachines'][number]> {
  if (!arn) return { name, status: { ok: true, value: undefined } };
  let described: DescribeStateMachineCommandOutput;
  try {
    described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
  } catch (error) {
    if (isNamed(error, 'StateMachineDoesNotExist')) return { name, status: { ok: true, value: undefined } };
    return { name, status: { ok: false, error: describeSdkError(error) } };
  }
  const drift = await awsRead(async () =>
    definitionDrift(JSON.parse(readDefinition(name)), JSON.parse(described.definition ?? '{}')),
  );
  return { name, status: { ok: true, value: described.status }, drift };
}

/** DescribeSecret: whether the secret exists and which staging labels it has; never its value. */
async function secretFacts(
  client: SecretsManagerClient,
  name: SecretName,
  location: string,
): Promise<SecretFacts> {
  try {
    const described = await client.send(new DescribeSecretCommand({ SecretId: location }));
    const stages = Object.values(described.VersionIdsToStages ?? {}).flat();
    return { name, location, exists: !described.DeletedDate, stages: [...new Set(stages)] };
  } catch (error) {
    if (isNamed(error, 'ResourceNotFoundException')) return { name, location, exists: false, stages: [] };
    throw error;
  }
}

/**
 * GitHub REST, "List repository webhooks": each hook's config.url, active, events and
 * last_response (the last delivery's status code).
 */
export async function webhookFacts(
  repository: string,
  token: string,
  expectedUrl: string,
  baseUrl?: string,
): Promise<WebhookFacts> {
  const octokit = new Octokit({ auth: token, ...(baseUrl ? { baseUrl } : {}) });
  const [owner, repo] = repository.split('/') as [string, string];
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/hooks', { owner, repo, per_page: 100 });
  return {
    expectedUrl,
    hooks: data.map((h) => ({
      url: h.config.url ?? '',
      active: h.active,
      events: h.events,
      lastResponse: {
        code: h.last_response.code,
        status: h.last_response.status ?? '',
        message: h.last_response.message ?? null,
      },
    })),
  };
}

/**
 * GitHub REST: the first page of branches, the head of the first that a route takes, and its
 * check runs ("List check runs for a Git reference"), each with the app that created it.
 */
export async function requiredCheckFacts(
  config: SluiceConfig,
  token: string,
  baseUrl?: string,
): Promise<RequiredCheckFacts | undefined> {
  const octokit = new Octokit({ auth: token, ...(baseUrl ? { baseUrl } : {}) });
  const [owner, repo] = config.repository.split('/') as [string, string];
  const globs = routesOf(config).flatMap((r) => r.branches);
  const { data: branches } = await octokit.request('GET /repos/{owner}/{repo}/branches', {
    owner,
    repo,
    per_page: 100,
  });
  const branch = branches.find((b) => matchesAny(globs, b.name));
  if (!branch) return undefined;
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: branch.commit.sha,
    per_page: 100,
  });
  return {
    branch: branch.name,
    sha: branch.commit.sha,
    runs: data.check_runs.map((r) => ({ name: r.name, appId: r.app?.id })),
  };
}

/** Every channel Sluice posts to: each Slack approval's, and the release threads' channel. */
export function slackChannels(config: SluiceConfig): string[] {
  const channels = config.environments.flatMap((e) =>
    e.approval.type === 'slack' ? [e.approval.channel] : [],
  );
  if (config.slack) channels.push(config.slack.channel);
  return [...new Set(channels)];
}

const slackError = (error: unknown) =>
  (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;

/**
 * Slack Web API: auth.test names the bot; conversations.info says `is_member` for the caller;
 * users.info and usergroups.list find the approvers (user group ids start with S).
 */
export async function slackFacts(client: SlackWebApi, config: SluiceConfig): Promise<SlackFacts> {
  const attemptSlack = async <T>(fn: () => Promise<T>): Promise<Read<T>> => {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      return { ok: false, error: slackError(error) };
    }
  };
  const auth = await attemptSlack(async () => {
    const r = await client.call<{ user_id?: string; team?: string }>('auth.test');
    return { userId: r.user_id ?? '', team: r.team ?? '' };
  });
  if (!auth.ok) return { auth, channels: [], approvers: [] };
  const channels = await Promise.all(
    slackChannels(config).map(async (channel) => ({
      channel,
      // conversations.info takes a channel id; a #name cannot be looked up without listing every channel.
      member: channel.startsWith('#')
        ? ({ ok: true, value: 'by-name' } as const)
        : await attemptSlack(async () => {
            try {
              const info = await client.call<{ channel?: { is_member?: boolean } }>('conversations.info', {
                channel,
              });
              return info.channel?.is_member ?? false;
            } catch (error) {
              if (slackError(error) === 'channel_not_found') return undefined;
              throw error;
            }
          }),
    })),
  );
  const ids = [
    ...new Set(config.environments.flatMap((e) => (e.approval.type === 'slack' ? e.approval.approvers : []))),
  ];
  let groups: Read<string[]> | undefined;
  const approvers = [];
  for (const id of ids) {
    if (id.startsWith('S')) {
      groups ??= await attemptSlack(async () =>
        ((await client.call<{ usergroups?: { id?: string }[] }>('usergroups.list')).usergroups ?? []).map(
          (g) => g.id ?? '',
        ),
      );
      approvers.push({
        id,
        exists: groups.ok ? { ok: true as const, value: groups.value.includes(id) } : groups,
      });
    } else {
      approvers.push({
        id,
        exists: await attemptSlack(async () => {
          try {
            const { user } = await client.call<{ user?: { deleted?: boolean } }>('users.info', { user: id });
            return !!user && !user.deleted;
          } catch (error) {
            if (slackError(error) === 'user_not_found') return false;
            throw error;
          }
        }),
      });
    }
  }
  return { auth, channels, approvers };
}
