import { Duration } from 'aws-cdk-lib';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { SluiceFunction } from './sluice-function.js';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';
/** EventBridge's default limit on an event pattern's size (EventBridge quotas; raisable to 4096). */
export const EVENT_PATTERN_MAX_CHARACTERS = 2048;

/** The alarm rule's pattern as EventBridge stores it, for some alarm names. */
export function alarmPattern(alarmNames: string[]) {
  return {
    source: ['aws.cloudwatch'],
    'detail-type': [ALARM_STATE_CHANGE],
    detail: { alarmName: alarmNames, state: { value: ['ALARM'] } },
  };
}

/**
 * The alarm names in groups whose patterns each fit EventBridge's limit, in name order: one rule
 * per group. Greedy packing is enough here; the limit is what matters, not the fewest rules.
 */
export function alarmRuleGroups(alarmNames: string[], limit = EVENT_PATTERN_MAX_CHARACTERS): string[][] {
  const groups: string[][] = [];
  for (const name of [...new Set(alarmNames)].sort()) {
    const current = groups.at(-1);
    if (current && JSON.stringify(alarmPattern([...current, name])).length <= limit) current.push(name);
    else groups.push([name]);
  }
  return groups;
}
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';
/** The endings where the state machine's own Rollback may not have run. */
export const GUARDED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];

export interface AlarmRollbackProps {
  /** The alarm-rollback handler's entry file. */
  readonly alarmRollbackEntry: string;
  /** The release-guard handler's entry file. */
  readonly releaseGuardEntry: string;
  readonly environment: LambdaEnvInput;
  /** Bundled into each function as its config file. */
  readonly config: SluiceConfig;
  /** Every alarm any environment watches; an ALARM event of one of them rolls its release back. */
  readonly alarmNames: string[];
  /** The release state machine whose failed, timed-out and aborted executions the guard checks. */
  readonly stateMachineArn: string;
  /**
   * Actions when an event lands in the dead-letter queue (e.g. an SNS topic that pages).
   * @default - none: the alarm shows in CloudWatch only
   */
  readonly deadLetterAlarmActions?: IAlarmAction[];
  /**
   * How long EventBridge and Lambda keep retrying an alarm event. Short: the handler rolls back
   * whichever release holds the environment now, so a stale event must not reach a newer one.
   * @default Duration.minutes(15)
   */
  readonly alarmEventMaxAge?: Duration;
}

/**
 * The event-driven safety net around the state machine:
 *  - an alarm the config names goes to ALARM → alarm-rollback restores traffic and stops the execution;
 *  - a release execution ends FAILED/TIMED_OUT/ABORTED → release-guard checks the listener is 100/0
 *    on the live group and the lock is free.
 * Events that cannot be delivered, and invocations that fail after Lambda's retries, land in one
 * dead-letter queue with an alarm on it.
 */
export class AlarmRollback extends Construct {
  readonly alarmRollback: SluiceFunction;
  readonly releaseGuard: SluiceFunction;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;
  /** One rule per group of alarm names whose pattern fits EventBridge's size limit; none without alarms. */
  readonly alarmRules: Rule[];
  readonly executionEndedRule: Rule;

  constructor(scope: Construct, id: string, props: AlarmRollbackProps) {
    super(scope, id);
    const alarmEventMaxAge = props.alarmEventMaxAge ?? Duration.minutes(15);

    const parked = deadLetterQueue(this, {
      ids: { queue: 'DeadLetterQueue', alarm: 'DeadLetterAlarm' },
      alarmDescription:
        'Sluice: an alarm or execution-ended event was not handled; a release may not have been rolled back. Inspect the queue.',
      alarmActions: props.deadLetterAlarmActions,
    });
    this.deadLetterQueue = parked.queue;
    this.deadLetterAlarm = parked.alarm;

    this.alarmRollback = new SluiceFunction(this, 'AlarmRollbackFunction', {
      entry: props.alarmRollbackEntry,
      environment: props.environment,
      config: props.config,
      description: 'Sluice: roll back the running release when one of its alarms fires',
      timeout: Duration.seconds(60),
    });
    this.releaseGuard = new SluiceFunction(this, 'ReleaseGuardFunction', {
      entry: props.releaseGuardEntry,
      environment: props.environment,
      config: props.config,
      description: 'Sluice: after a failed, timed-out or aborted release, verify traffic and free the lock',
      timeout: Duration.seconds(60),
    });
    // EventBridge invokes asynchronously: its target DLQ catches undeliverable events, and this
    // on-failure destination catches events whose invocations failed after Lambda's retries.
    this.alarmRollback.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
      maxEventAge: alarmEventMaxAge,
    });
    this.releaseGuard.function.configureAsyncInvoke({
      onFailure: new SqsDestination(this.deadLetterQueue),
      retryAttempts: 2,
    });

    // The first rule keeps its construct id (and so its logical id) from before rules were split.
    this.alarmRules = alarmRuleGroups(props.alarmNames).map((names, i) => {
      const pattern = alarmPattern(names);
      const rule = new Rule(this, i === 0 ? 'AlarmStateRule' : `AlarmStateRule${i + 1}`, {
        description: 'Sluice: a watched alarm entered ALARM',
        eventPattern: { source: pattern.source, detailType: pattern['detail-type'], detail: pattern.detail },
      });
      rule.addTarget(
        new LambdaFunction(this.alarmRollback.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: alarmEventMaxAge,
        }),
      );
      return rule;
    });

    this.executionEndedRule = new Rule(this, 'ExecutionEndedRule', {
      description: 'Sluice: a release execution failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [props.stateMachineArn], status: GUARDED_STATUSES },
      },
    });
    this.executionEndedRule.addTarget(
      new LambdaFunction(this.releaseGuard.function, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(2),
      }),
    );
  }
}
