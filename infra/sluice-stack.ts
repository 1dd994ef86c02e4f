import { fileURLToPath } from 'node:url';
import { Annotations, CfnOutput, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { CfnEventBusPolicy } from 'aws-cdk-lib/aws-events';
import { type CfnRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { configDigest, type SluiceConfig } from '../functions/shared/domain/config.js';
import type { PortName } from '../functions/shared/ports/index.js';
import {
  AccountsError,
  type Delivery,
  deliveryBusArn,
  environmentRoleArn,
  functionRoleName,
  functionsReaching,
  localConfig,
  partitionOf,
  remoteEnvironments,
} from './accounts.js';
import { ALARM_STATE_CHANGE, AlarmRollback } from './constructs/alarm-rollback.js';
import { ReleaseStateMachine } from './constructs/release-state-machine.js';
import { ReleaseStore } from './constructs/release-store.js';
import { SlackEndpoints } from './constructs/slack-endpoints.js';
import type { SluiceFunction } from './constructs/sluice-function.js';
import { defaultSecretNames, type SecretNames, SluiceSecrets } from './constructs/sluice-secrets.js';
import { TaskFunctions } from './constructs/task-functions.js';
import { WebhookEndpoints } from './constructs/webhook-endpoints.js';
import {
  FUNCTION_EXECUTION_ACCESS,
  FUNCTION_PORTS,
  FUNCTION_SECRETS,
  type FunctionName,
} from './function-ports.js';
import { DEFAULT_GITHUB_API_URL, lambdaEnvironment, stateMachineNames } from './lambda-environment.js';
import { acknowledgeFindings } from './nag.js';
import {
  arnParts,
  ecsDeployStatements,
  ecsWildcardReasons,
  environmentPortStatements,
  passRolesOf,
} from './policies.js';

export interface SluiceStackProps extends StackProps {
  /** The validated Sluice config (loadConfig). */
  readonly config: SluiceConfig;
  /**
   * Secrets Manager names of the GitHub webhook secret, the GitHub token and the Slack signing secret.
   * @default sluice/<service>/github-webhook, sluice/<service>/github-token, sluice/<service>/slack-signing
   */
  readonly secretNames?: Partial<SecretNames>;
  /**
   * The GitHub API base URL (GitHub Enterprise Server has its own).
   * @default https://api.github.com
   */
  readonly githubApiUrl?: string;
  /**
   * Task and execution roles the Deploy function may pass to ECS when it registers a revision.
   * @default every role in each configured account, passable only to ecs-tasks.amazonaws.com
   */
  readonly ecsPassRoleArns?: string[];
  /**
   * The directory holding `functions/` and `statemachines/`.
   * @default the repository this file is in
   */
  readonly projectRoot?: string;
}

/** One Sluice installation: the stack's name comes from the config's service (Sluice-<service>). */
export function sluiceStackName(config: SluiceConfig): string {
  return `Sluice-${config.service}`;
}

/**
 * Where the stack's account and region are known (`cdk deploy` with credentials sets them), every
 * listener and target group must be in them: the Lambdas call ELBv2 in their own region.
 */
function checkResourcesInStackEnv(stack: Stack, config: SluiceConfig): void {
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) return;
  const home = `${stack.account}/${stack.region}`;
  const elsewhere = config.environments.flatMap((env) =>
    [env.listenerArn, env.ruleArn, env.targetGroups.blue, env.targetGroups.green]
      .filter((arn): arn is string => arn !== undefined)
      .filter((arn) => {
        const { account, region } = arnParts(arn);
        return `${account}/${region}` !== home;
      })
      .map((arn) => `  environments.${env.name}: ${arn}`),
  );
  if (elsewhere.length > 0) {
    throw new Error(
      `stack ${stack.stackName} deploys to ${home}, but these are elsewhere:\n${elsewhere.join('\n')}`,
    );
  }
}

/** The delivery stack's account and region, which must be known once an environment lives in its own account. */
function deliveryOf(stack: Stack, config: SluiceConfig): Delivery {
  if (Token.isUnresolved(stack.account) || Token.isUnresolved(stack.region)) {
    const names = remoteEnvironments(config).map(({ env }) => env.name);
    throw new AccountsError(
      `environments ${names.join(', ')} live in their own accounts: stack ${stack.stackName} needs a known account and region (-c sluice:deliveryAccount=... -c sluice:deliveryRegion=...)`,
    );
  }
  return { account: stack.account, region: stack.region };
}

/**
 * For each environment in its own account: the functions that hold its ports get fixed role
 * names (its target stack trusts them by ARN) and may assume its role, tag the session and set
 * its source identity, on that role only; the delivery account's default bus admits the alarm
 * state changes its target stack forwards, from the environments' accounts only.
 */
function grantEnvironmentRoles(
  stack: Stack,
  config: SluiceConfig,
  functions: Record<FunctionName, SluiceFunction>,
): void {
  const remote = remoteEnvironments(config);
  if (remote.length === 0) return;
  const delivery = deliveryOf(stack, config);
  const rolesOf = new Map<FunctionName, Set<string>>();
  for (const { env, account } of remote) {
    for (const name of functionsReaching(env)) {
      const roles = rolesOf.get(name) ?? new Set<string>();
      roles.add(environmentRoleArn(config, env, account));
      rolesOf.set(name, roles);
    }
  }
  for (const [name, roles] of rolesOf) {
    const fn = functions[name];
    (fn.role.node.defaultChild as CfnRole).roleName = functionRoleName(config.service, delivery.region, name);
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AssumeEnvironmentRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        resources: [...roles].sort(),
      }),
    );
  }

  const senders = [
    ...new Set(
      remote
        .filter(({ env, account }) => env.alarms.length > 0 && account.id !== delivery.account)
        .map(({ account }) => account.id),
    ),
  ].sort();
  if (senders.length === 0) return;
  const partition = partitionOf(remote[0]!.env);
  // EventBridge's own example for a bus that takes one kind of event from other accounts
  // (EventBridge user guide, "Send events to a custom bus in a different account"): both keys
  // are multivalued (ArrayOfString), so ForAllValues, and Null so an absent key cannot pass.
  new CfnEventBusPolicy(stack, 'AlarmEventsFromEnvironmentAccounts', {
    eventBusName: 'default',
    statementId: `sluice-${config.service}-alarms`,
    statement: {
      Sid: `sluice-${config.service}-alarms`,
      Effect: 'Allow',
      Principal: { AWS: senders.map((id) => `arn:${partition}:iam::${id}:root`) },
      Action: 'events:PutEvents',
      Resource: deliveryBusArn(partition, delivery),
      Condition: {
        'ForAllValues:StringEquals': {
          'events:detail-type': [ALARM_STATE_CHANGE],
          'events:source': ['aws.cloudwatch'],
        },
        Null: { 'events:detail-type': 'false', 'events:source': 'false' },
      },
    },
  });
}

function grant(fn: SluiceFunction, statements: PolicyStatement[]): void {
  for (const statement of statements) fn.role.addToPrincipalPolicy(statement.copy());
}

/**
 * lambda:InvokeFunction on the function itself, for its asynchronous second invocation. In a
 * policy of its own: the role's default policy is a dependency of the function, and naming the
 * function's ARN there would be a cycle.
 */
function grantInvokeSelf(fn: SluiceFunction): void {
  new Policy(fn, 'InvokeSelf', {
    roles: [fn.role],
    statements: [
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.function.functionArn] }),
    ],
  });
}

/** Wiring only: which construct gets which permission lives here, each construct owns its resources. */
export class SluiceStack extends Stack {
  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Environments in their own accounts are reached through their roles (grantEnvironmentRoles);
    // everything granted and checked in this account is about the others.
    const local = localConfig(config);
    checkResourcesInStackEnv(this, local);
    const root = props.projectRoot ?? fileURLToPath(new URL('..', import.meta.url));
    const entryFor = (dir: string) => `${root}/functions/${dir}/handler.ts`;

    const secrets = new SluiceSecrets(this, 'Secrets', {
      names: { ...defaultSecretNames(config.service), ...props.secretNames },
    });
    const store = new ReleaseStore(this, 'ReleaseStore');

    // A fixed name breaks the cycle: the Lambdas need the ARN, the state machine needs the Lambdas.
    const { release: stateMachineName, pipeline: pipelineMachineName } = stateMachineNames(config.service);
    const environment = lambdaEnvironment({
      tableName: store.table.tableName,
      stateMachineArn: ReleaseStateMachine.arnFor(this, stateMachineName),
      pipelineStateMachineArn: ReleaseStateMachine.arnFor(this, pipelineMachineName),
      secretNames: secrets.names,
      githubApiUrl: props.githubApiUrl ?? DEFAULT_GITHUB_API_URL,
    });

    const tasks = new TaskFunctions(this, 'Tasks', { entryFor, environment, config });
    // VerifyBuild and RequestApproval pass $$.Task.Token in their parameters: the release logs
    // every event (its timeline) without data, so no token reaches CloudWatch Logs.
    const release = new ReleaseStateMachine(this, 'Release', {
      definitionFile: `${root}/statemachines/release.asl.json`,
      stateMachineName,
      functions: tasks.placeholderFunctions('release'),
      logExecutionData: false,
    });
    const pipeline = new ReleaseStateMachine(this, 'Pipeline', {
      definitionFile: `${root}/statemachines/pipeline.asl.json`,
      stateMachineName: pipelineMachineName,
      functions: tasks.placeholderFunctions('pipeline'),
      substitutions: { ReleaseStateMachineArn: ReleaseStateMachine.arnFor(this, stateMachineName) },
      logExecutionData: true,
    });
    release.grantRunAsChild(pipeline.stateMachine);
    const webhooks = new WebhookEndpoints(this, 'Webhooks', {
      githubWebhookEntry: entryFor('github-webhook'),
      environment,
      config,
    });
    const safetyNet = new AlarmRollback(this, 'AlarmRollback', {
      alarmRollbackEntry: entryFor('alarm-rollback'),
      releaseGuardEntry: entryFor('release-guard'),
      environment,
      config,
      alarmNames: [...new Set(config.environments.flatMap((env) => env.alarms))],
      stateMachineArn: release.stateMachine.stateMachineArn,
    });

    const slack = new SlackEndpoints(this, 'Slack', {
      slackInteractionsEntry: entryFor('slack-interactions'),
      releaseNotifierEntry: entryFor('release-notifier'),
      environment,
      config,
      api: webhooks.api,
      table: store.table,
    });

    const passRoleArns = passRolesOf(local, props.ecsPassRoleArns);
    const ecsStatements = ecsDeployStatements(local, { passRoleArns });
    if (passRoleArns.length === 0 && local.environments.some((env) => env.deploy.provider === 'ecs')) {
      Annotations.of(this).addWarningV2(
        'sluice:passRoleAnyRole',
        'The Deploy function may pass ANY IAM role of the account to ECS tasks: no ECS environment names its task and execution roles. Set deploy.passRoles in the config to the roles your services use.',
      );
    }
    // Each function gets the permissions of the ports its handler declares, and no others.
    const portGrants: Record<PortName, (fn: SluiceFunction, name: FunctionName) => void> = {
      config: () => undefined, // sluice-config.json, in the function's own bundle: no permission
      now: () => undefined,
      trafficReader: (fn) => grant(fn, environmentPortStatements(local, ['trafficReader'])),
      trafficRouter: (fn) => grant(fn, environmentPortStatements(local, ['trafficRouter'])),
      releases: (fn) => store.grantReadWrite(fn.role),
      pushes: (fn) => store.grantReadWrite(fn.role),
      alarms: (fn) => grant(fn, environmentPortStatements(local, ['alarms'])),
      deployer: (fn) => grant(fn, environmentPortStatements(local, ['deployer'], { passRoleArns })),
      serviceScaler: (fn) => grant(fn, environmentPortStatements(local, ['serviceScaler'])),
      metrics: (fn) => grant(fn, environmentPortStatements(local, ['metrics'])),
      buildVerifier: (fn) => secrets.grantRead('github-token', fn.role),
      checkReporter: (fn) => secrets.grantRead('github-token', fn.role),
      artifacts: (fn) => grant(fn, environmentPortStatements(local, ['artifacts'])),
      secrets: (fn, name) => {
        for (const secret of FUNCTION_SECRETS[name] ?? []) secrets.grantRead(secret, fn.role);
      },
      orchestrator: (fn, name) => {
        const access = FUNCTION_EXECUTION_ACCESS[name] ?? [];
        if (access.includes('start')) pipeline.grantStartAndDescribe(fn.role);
        if (access.includes('tokens') || access.includes('decide')) release.grantTaskResponse(fn.role);
        if (access.includes('stop') || access.includes('decide')) release.grantStopExecution(fn.role);
      },
      approvals: (fn) => store.grantReadWrite(fn.role),
      threads: (fn) => store.grantReadWrite(fn.role),
      notifier: (fn) => secrets.grantRead('slack-bot-token', fn.role),
      deployments: (fn) => secrets.grantRead('github-token', fn.role),
      deferral: (fn) => grantInvokeSelf(fn),
    };
    const functions: Record<FunctionName, SluiceFunction> = {
      ...tasks.functions,
      GithubWebhook: webhooks.githubWebhook,
      AlarmRollback: safetyNet.alarmRollback,
      ReleaseGuard: safetyNet.releaseGuard,
      SlackInteractions: slack.slackInteractions,
      ReleaseNotifier: slack.releaseNotifier,
    };
    for (const [name, fn] of Object.entries(functions) as [FunctionName, SluiceFunction][]) {
      for (const port of FUNCTION_PORTS[name]) portGrants[port](fn, name);
    }
    grantEnvironmentRoles(this, config, functions);

    acknowledgeFindings({
      stateMachineName,
      tasks,
      release,
      pipeline,
      pipelineMachineName,
      webhooks,
      safetyNet,
      slack,
      ecsWildcards: ecsWildcardReasons(ecsStatements),
    });

    new CfnOutput(this, 'GithubWebhookUrl', {
      description:
        'GitHub webhook Payload URL: content type application/json; events: Pushes, Check suites and Check runs',
      value: webhooks.githubWebhookUrl,
    });
    new CfnOutput(this, 'SlackInteractivityUrl', {
      description: 'Slack app: Interactivity & Shortcuts → Request URL',
      value: slack.interactionsUrl,
    });
    new CfnOutput(this, 'StateMachineArn', { value: release.stateMachine.stateMachineArn });
    new CfnOutput(this, 'PipelineStateMachineArn', { value: pipeline.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReleaseTableName', { value: store.table.tableName });
    new CfnOutput(this, 'ConfigDigest', {
      description: 'Digest of the deployed config; `sluice ... --stack` refuses a config file that differs',
      value: configDigest(config),
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: safetyNet.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'NotifierDeadLetterQueueUrl', {
      description: 'Release notifications (Slack threads, GitHub deployment statuses) dropped after retries',
      value: slack.notifierDeadLetters.queueUrl,
    });
    new CfnOutput(this, 'ClickDeadLetterQueueUrl', {
      description: 'Slack clicks answered but not acted on after their retries (read by `sluice doctor`)',
      value: slack.clickDeadLetters.queueUrl,
    });
  }
}
