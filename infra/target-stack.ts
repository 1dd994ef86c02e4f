import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { AccountPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type EnvironmentAccount, targetRoleName } from '../functions/shared/domain/accounts.js';
import {
  type EnvironmentConfig,
  environmentArns,
  type SluiceConfig,
} from '../functions/shared/domain/config.js';
import {
  AccountsError,
  type Delivery,
  deliveryBusArn,
  environmentConfig,
  environmentPortsOf,
  functionRoleArn,
  functionsReaching,
  partitionOf,
  SESSION_TAG_KEYS,
} from './accounts.js';
import { ALARM_STATE_CHANGE, alarmRuleGroups } from './constructs/alarm-rollback.js';
import { deadLetterQueue } from './constructs/dead-letter-queue.js';
import { ack, acknowledgeStarResources } from './nag.js';
import {
  arnParts,
  doctorReadStatements,
  ecsWildcardReasons,
  environmentPortStatements,
  passRolesOf,
} from './policies.js';

export interface SluiceTargetStackProps extends StackProps {
  /** The validated Sluice config (loadConfig). */
  readonly config: SluiceConfig;
  /** The environment this stack serves, in its own account. */
  readonly environment: EnvironmentConfig;
  /** The environment's `account` from the config. */
  readonly account: EnvironmentAccount;
  /** Where the delivery stack (Sluice-<service>) and its functions are. */
  readonly delivery: Delivery;
  /**
   * Roles or users (ARNs) that may assume the environment's role from the CLI (`sluice rollback --stack`),
   * only with a SourceIdentity naming the operator.
   * @default none: only the delivery functions holding the environment's ports
   */
  readonly operatorPrincipalArns?: readonly string[];
  /**
   * Task and execution roles the Deploy function may pass to ECS in this account, beyond the environment's `deploy.passRoles`.
   * @default the environment's deploy.passRoles, else every role of the account (passable only to ecs-tasks.amazonaws.com)
   */
  readonly ecsPassRoleArns?: readonly string[];
  /**
   * Actions when a forwarded alarm event lands in the dead-letter queue.
   * @default - none: the alarm shows in CloudWatch only
   */
  readonly deadLetterAlarmActions?: IAlarmAction[];
}

/** The event pattern that forwards every state change of some alarms (the delivery rule picks ALARM). */
export function alarmForwardPattern(alarmNames: string[]) {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': [ALARM_STATE_CHANGE],
    detail: { alarmName: alarmNames },
  };
}

/**
 * Every ARN of the environment must be in the stack's account and region (IAM ARNs have no
 * region): the role reaches nothing else. Config validation holds this too, except the default
 * region, which only the app knows (the delivery region).
 */
function checkEnvironmentIn(env: EnvironmentConfig, accountId: string, region: string): void {
  const elsewhere = environmentArns(env)
    .filter(({ arn }) => {
      const [, , , arnRegion, arnAccount] = arn.split(':');
      return arnAccount !== accountId || (arnRegion !== '' && arnRegion !== region);
    })
    .map(({ path, arn }) => `  environments.${env.name}.${path.join('.')}: ${arn}`);
  if (elsewhere.length > 0) {
    throw new AccountsError(
      `environments.${env.name} lives in ${accountId}/${region}, but these are elsewhere:\n${elsewhere.join('\n')}`,
    );
  }
}

const OPERATOR_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):(role|user)\/.+$/;

/**
 * `SluiceTarget-<service>-<env>`, deployed in an environment's own account:
 *  - the role Sluice's functions assume for the environment, trusted by exactly the delivery
 *    functions that hold its ports (and operators, with a SourceIdentity), holding the same
 *    environment-port statements a single-account installation grants the functions themselves;
 *  - rules forwarding the state changes of the environment's alarms to the delivery account's
 *    default event bus, through a role (EventBridge requires one for an event bus in another
 *    account) and with a dead-letter queue.
 */
export class SluiceTargetStack extends Stack {
  /** Absent when the config names its own role (`account.role`). */
  readonly role?: Role;
  readonly alarmRules: Rule[] = [];
  readonly forwarderRole?: Role;
  readonly deadLetterQueue?: Queue;

  constructor(scope: Construct, id: string, props: SluiceTargetStackProps) {
    super(scope, id, props);
    const { config, environment: env, account, delivery } = props;
    checkEnvironmentIn(env, account.id, this.region);
    const partition = partitionOf(env);
    if (!account.role) this.role = this.environmentRole(props, partition);

    if (env.alarms.length > 0) {
      const parked = deadLetterQueue(this, {
        ids: { queue: 'AlarmForwardDeadLetterQueue', alarm: 'AlarmForwardDeadLetterAlarm' },
        alarmDescription: `Sluice: a state change of a ${env.name} alarm did not reach the delivery account; a release may not have been rolled back. Inspect the queue.`,
        ...(props.deadLetterAlarmActions ? { alarmActions: props.deadLetterAlarmActions } : {}),
      });
      this.deadLetterQueue = parked.queue;
      // "If the target is an event bus in a different account, you must specify a role"
      // (EventBridge user guide, permissions for event buses): EventBridge assumes it to PutEvents.
      this.forwarderRole = new Role(this, 'AlarmForwarderRole', {
        assumedBy: new ServicePrincipal('events.amazonaws.com'),
        description: `Sluice: forward ${env.name}'s alarm state changes to the delivery account ${delivery.account}`,
      });
      const bus = EventBus.fromEventBusArn(this, 'DeliveryBus', deliveryBusArn(partition, delivery));
      this.alarmRules.push(
        ...alarmRuleGroups(env.alarms).map((names, i) => {
          const pattern = alarmForwardPattern(names);
          const rule = new Rule(this, i === 0 ? 'AlarmForwardRule' : `AlarmForwardRule${i + 1}`, {
            description: `Sluice: forward state changes of ${env.name}'s alarms to Sluice-${config.service}`,
            eventPattern: {
              source: pattern.source,
              detailType: pattern['detail-type'],
              detail: pattern.detail,
            },
          });
          rule.addTarget(
            new EventBusTarget(bus, { role: this.forwarderRole as Role, deadLetterQueue: parked.queue }),
          );
          return rule;
        }),
      );
      ack(
        parked.queue,
        'AwsSolutions-SQS3',
        'This queue is the dead-letter queue of the alarm-forwarding rules; it has an alarm on visible messages',
      );
      ack(
        parked.queue,
        'Serverless-SQSRedrivePolicy',
        'This queue is itself a dead-letter queue; nothing consumes it automatically, so there is nothing to redrive to',
      );
    }

    if (this.role) new CfnOutput(this, 'EnvironmentRoleArn', { value: this.role.roleArn });
  }

  private environmentRole(props: SluiceTargetStackProps, partition: string): Role {
    const { config, environment: env, account, delivery } = props;
    const functionArns = functionsReaching(env).map((fn) =>
      functionRoleArn(partition, delivery, config.service, fn),
    );
    const operators = [...(props.operatorPrincipalArns ?? [])];
    for (const arn of operators) {
      if (!OPERATOR_ARN.test(arn)) {
        throw new Error(`operator principal ${arn} must be an IAM role or user ARN (never an account root)`);
      }
    }
    const externalId = account.externalId ? { StringEquals: { 'sts:ExternalId': account.externalId } } : {};
    const accountsOf = (arns: string[]) => [...new Set(arns.map((arn) => arn.split(':')[4]!))].sort();

    // The principal is the delivery account, narrowed by aws:PrincipalArn to the exact function
    // roles. Naming the roles themselves in Principal would make IAM store their unique ids: a
    // role deleted and recreated (a stack replaced) would silently lose the trust, and the
    // roles would have to exist before this stack (IAM User Guide, "Principal" element).
    const role = new Role(this, 'EnvironmentRole', {
      roleName: targetRoleName(config.service, env.name),
      description: `Sluice-${config.service} (account ${delivery.account}) releases into ${env.name} through this role`,
      assumedBy: new AccountPrincipal(delivery.account).withConditions({
        ArnEquals: { 'aws:PrincipalArn': functionArns },
        ...externalId,
      }),
    });
    const trust = role.assumeRolePolicy;
    if (!trust) throw new Error('a Role always has a trust policy');
    const everyone = [...functionArns, ...operators];
    const principals = accountsOf(everyone).map((id) => new AccountPrincipal(id));
    if (operators.length > 0) {
      trust.addStatements(
        new PolicyStatement({
          sid: 'OperatorsNameThemselves',
          actions: ['sts:AssumeRole'],
          principals: accountsOf(operators).map((id) => new AccountPrincipal(id)),
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': operators },
            // An operator's session carries who they are (sts:SourceIdentity, IAM User Guide,
            // "Monitor and control actions taken with assumed roles").
            Null: { 'sts:SourceIdentity': 'false' },
            ...externalId,
          },
        }),
      );
    }
    trust.addStatements(
      new PolicyStatement({
        sid: 'SessionTagsOfThisEnvironment',
        actions: ['sts:TagSession'],
        principals,
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': everyone },
          // Only Sluice's own tag keys, and the environment tag must name this environment
          // (IAM User Guide, "Pass session tags in AWS STS": the trust policy must allow sts:TagSession).
          'ForAllValues:StringEquals': { 'aws:TagKeys': [...SESSION_TAG_KEYS] },
          StringEquals: { [`aws:RequestTag/${SESSION_TAG_KEYS[0]}`]: env.name },
        },
      }),
      new PolicyStatement({
        sid: 'SourceIdentityOfTheActor',
        actions: ['sts:SetSourceIdentity'],
        principals,
        conditions: { ArnEquals: { 'aws:PrincipalArn': everyone } },
      }),
    );

    const one = environmentConfig(config, env);
    const { account: envAccount } = arnParts(env.listenerArn);
    const passRoleArns = passRolesOf(
      one,
      (props.ecsPassRoleArns ?? []).filter((arn) => arn.split(':')[4] === envAccount),
    );
    const statements = environmentPortStatements(one, environmentPortsOf(env), { passRoleArns });
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    // An operator's `sluice doctor --stack` reads the environment through this role.
    if (operators.length > 0)
      for (const statement of doctorReadStatements(one)) role.addToPrincipalPolicy(statement);
    acknowledgeStarResources(role);
    for (const [resource, reason] of Object.entries(ecsWildcardReasons(statements))) {
      ack(role, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
    }
    return role;
  }
}
