import { Stack, Token, Validations } from 'aws-cdk-lib';
import { Policy, type Role } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { AlarmRollback } from './constructs/alarm-rollback.js';
import type { ReleaseStateMachine } from './constructs/release-state-machine.js';
import type { SlackEndpoints } from './constructs/slack-endpoints.js';
import type { SluiceFunction } from './constructs/sluice-function.js';
import type { TaskFunctions } from './constructs/task-functions.js';
import type { WebhookEndpoints } from './constructs/webhook-endpoints.js';
import { isReadOnlyAction, STAR_ONLY_MUTATING_ACTIONS } from './policies.js';

export interface NagScopes {
  readonly stateMachineName: string;
  readonly tasks: TaskFunctions;
  readonly release: ReleaseStateMachine;
  readonly pipeline: ReleaseStateMachine;
  readonly pipelineMachineName: string;
  readonly webhooks: WebhookEndpoints;
  readonly safetyNet: AlarmRollback;
  readonly slack: SlackEndpoints;
  /** Wildcard resources of the Deploy function's ECS statements, with the reason for each. */
  readonly ecsWildcards: Record<string, string>;
}

export const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope).acknowledge({ id, reason });

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

/**
 * Acknowledges AwsSolutions-IAM5[Resource::*] on one role, with a reason that lists exactly the
 * actions the role holds on `*`. A mutating action on `*` that is not in STAR_ONLY_MUTATING_ACTIONS
 * fails the synth instead of being acknowledged.
 */
export function acknowledgeStarResources(role: Role): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof Policy)) return;
  const doc = Stack.of(role).resolve(policy.document.toJSON()) as { Statement: Statement[] };
  const actions = doc.Statement.filter((s) => [s.Resource].flat().includes('*')).flatMap((s) =>
    [s.Action].flat(),
  );
  if (actions.length === 0) return;
  const unexplained = actions.filter((a) => !isReadOnlyAction(a) && !(a in STAR_ONLY_MUTATING_ACTIONS));
  if (unexplained.length > 0) {
    throw new Error(
      `${role.node.path} grants ${unexplained.join(', ')} on "*"; scope it to the resources it changes`,
    );
  }
  const reads = actions.filter((a) => !(a in STAR_ONLY_MUTATING_ACTIONS));
  const writes = actions.filter((a) => a in STAR_ONLY_MUTATING_ACTIONS);
  const reason = [
    ...(reads.length > 0
      ? [`Read-only ${reads.join(', ')}: these support no resource-level permissions, so AWS requires "*"`]
      : []),
    ...writes.map((a) => `${a} supports only "*"; it is needed for ${STAR_ONLY_MUTATING_ACTIONS[a]}`),
  ].join('. ');
  ack(role, 'AwsSolutions-IAM5[Resource::*]', reason);
}

/**
 * The executions of a state machine as cdk-nag names them in a finding: pseudo parameters as
 * <AWS::...>, except the account and region of a stack whose env is known (`cdk deploy` with
 * credentials, or a delivery stack with environments in other accounts), which are literal.
 */
export function executionsPattern(scope: IConstruct, stateMachineName: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `arn:<AWS::Partition>:states:${region}:${account}:execution:${stateMachineName}:*`;
}

/** Every cdk-nag finding Sluice accepts, each on the narrowest construct, each with its reason. */
export function acknowledgeFindings(scopes: NagScopes): void {
  const { tasks, release, pipeline, webhooks, safetyNet, slack } = scopes;
  const fns: SluiceFunction[] = [
    ...Object.values(tasks.functions),
    webhooks.githubWebhook,
    safetyNet.alarmRollback,
    safetyNet.releaseGuard,
    slack.slackInteractions,
    slack.releaseNotifier,
  ];
  for (const fn of fns) acknowledgeStarResources(fn.role);
  acknowledgeStarResources(release.stateMachine.role as Role);
  acknowledgeStarResources(pipeline.stateMachine.role as Role);

  // Serverless-LambdaDLQ: a DeadLetterConfig only ever receives failed asynchronous invocations.
  for (const fn of [...Object.values(tasks.functions), webhooks.githubWebhook, slack.slackInteractions]) {
    ack(
      fn.function,
      'Serverless-LambdaDLQ',
      'Invoked synchronously only (a Step Functions Task, or API Gateway), never asynchronously: errors return to the caller, whose Retry/Catch (or GitHub redelivery) handles them, so a dead-letter queue would never receive anything',
    );
  }
  for (const fn of [safetyNet.alarmRollback, safetyNet.releaseGuard]) {
    ack(
      fn.function,
      'Serverless-LambdaDLQ',
      "Its failed asynchronous invocations go to the stack's dead-letter queue through an on-failure destination (which also records the error); a DeadLetterConfig as well would deliver every failure twice",
    );
  }

  const executions = executionsPattern(release, scopes.stateMachineName);
  ack(
    slack.releaseNotifier.function,
    'Serverless-LambdaDLQ',
    "Invoked by a DynamoDB stream event source mapping, whose on-failure destination is the stack's dead-letter queue; a DeadLetterConfig applies only to asynchronous invocations",
  );
  for (const fn of [tasks.functions.BeginRelease, safetyNet.alarmRollback, slack.slackInteractions]) {
    ack(
      fn.role,
      `AwsSolutions-IAM5[Resource::${executions}]`,
      "StopExecution/DescribeExecution on executions of Sluice's own state machine only; execution names are derived per release at run time, so the ARN can only end in a wildcard after the state machine's name",
    );
  }
  ack(
    pipeline.stateMachine.role,
    `AwsSolutions-IAM5[Resource::${executions}]`,
    "startExecution.sync:2 follows its child releases with DescribeExecution and stops them with StopExecution (Step Functions developer guide, IAM policies for nested workflows); child names are derived per release at run time, so the ARN can only end in a wildcard after the release state machine's name",
  );
  const pipelines = executionsPattern(release, scopes.pipelineMachineName);
  ack(
    webhooks.githubWebhook.role,
    `AwsSolutions-IAM5[Resource::${pipelines}]`,
    "DescribeExecution on the pipeline's own executions only, to tell a redelivery (running or succeeded) from a re-push after a failure (next attempt); names are derived per push at run time",
  );
  ack(
    tasks.functions.CheckAlarms.role,
    'AwsSolutions-IAM5[Resource::*]',
    "cloudwatch:DescribeAlarms and cloudwatch:DescribeAlarmHistory only (read-only): CloudWatch returns composite alarms, and their history, only to permissions scoped to * (CloudWatch API reference, DescribeAlarms and DescribeAlarmHistory); a soak fails on an alarm that fired and cleared during it, which only the alarm's history shows",
  );
  ack(
    tasks.functions.AnalyzeCanary.role,
    'AwsSolutions-IAM5[Resource::*]',
    "cloudwatch:GetMetricData only (read-only), for the canary analysis of both target groups: CloudWatch metrics have no ARN, and the action's only resource type (dataset) is for OTLP metrics, so AWS/ApplicationELB metrics are readable only with Resource * (Service Authorization Reference, Amazon CloudWatch)",
  );
  for (const [resource, reason] of Object.entries(scopes.ecsWildcards)) {
    ack(tasks.functions.Deploy.role, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
  }

  ack(
    webhooks.api,
    'AwsSolutions-APIG4',
    'GitHub and Slack cannot send IAM or JWT credentials; they sign each request with an HMAC of the raw body, which the handler verifies with the secret before reading anything else. Stage throttling bounds unsigned traffic',
  );
  ack(
    safetyNet.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This queue is the dead-letter queue (EventBridge target DLQ and Lambda on-failure destination); it has an alarm on visible messages',
  );
  ack(
    safetyNet.deadLetterQueue,
    'Serverless-SQSRedrivePolicy',
    'This queue is itself the dead-letter queue; nothing consumes it automatically, so there is nothing to redrive to',
  );
  ack(
    slack.notifierDeadLetters,
    'AwsSolutions-SQS3',
    "This queue is the release notifier's dead-letter queue (the stream event source's on-failure destination); it has an alarm on visible messages",
  );
  ack(
    slack.clickDeadLetters,
    'AwsSolutions-SQS3',
    "This queue is the on-failure destination of slack-interactions' asynchronous self-invocation (a click that failed after its retries); it has an alarm on visible messages",
  );
  ack(
    slack.clickDeadLetters,
    'Serverless-SQSRedrivePolicy',
    'This queue is itself a dead-letter queue; nothing consumes it automatically, so there is nothing to redrive to',
  );
  ack(
    slack.notifierDeadLetters,
    'Serverless-SQSRedrivePolicy',
    'This queue is itself a dead-letter queue; nothing consumes it automatically, so there is nothing to redrive to',
  );
}
