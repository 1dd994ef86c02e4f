import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Construct ids of the queue and its alarm, children of the scope: a public contract (the logical ids). */
  readonly ids: { readonly queue: string; readonly alarm: string };
  /** What a parked message means for releases, and what to do: the alarm's description. */
  readonly alarmDescription: string;
  /**
   * Where the alarm goes (an SNS topic, for instance).
   * @default none
   */
  readonly alarmActions?: readonly IAlarmAction[];
}

/** An encrypted dead-letter queue (14 days) and an alarm on its first message. */
export function deadLetterQueue(
  scope: Construct,
  props: DeadLetterQueueProps,
): { queue: Queue; alarm: Alarm } {
  const queue = new Queue(scope, props.ids.queue, {
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const alarm = new Alarm(scope, props.ids.alarm, {
    alarmDescription: props.alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  for (const action of props.alarmActions ?? []) alarm.addAlarmAction(action);
  return { queue, alarm };
}
