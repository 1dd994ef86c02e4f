import { Duration } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm, IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import {
  DEFERRED_MAX_EVENT_AGE_SECONDS,
  SLACK_INTERACTION_TIMEOUT_SECONDS,
} from '../../functions/shared/domain/approval.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { deadLetterQueue } from './dead-letter-queue.js';
import { SluiceFunction } from './sluice-function.js';

export interface SlackEndpointsProps {
  readonly slackInteractionsEntry: string;
  readonly releaseNotifierEntry: string;
  readonly environment: LambdaEnvInput;
  /** Bundled into each function as its config file. */
  readonly config: SluiceConfig;
  /** The HTTP API the GitHub webhook is on; Slack's interactivity Request URL shares it. */
  readonly api: HttpApi;
  /** The release table; its stream feeds the notifier. */
  readonly table: ITable;
  /** Actions of the alarm on the notifier's dead letters (an SNS topic). @default none */
  readonly notifierDeadLetterAlarmActions?: IAlarmAction[];
}

/**
 * Slack: POST /slack/interactions (Approve, Reject, Abort) on the shared HTTP API, and the
 * release notifier on the release table's stream (Slack threads, GitHub deployment statuses).
 */
export class SlackEndpoints extends Construct {
  readonly slackInteractions: SluiceFunction;
  readonly releaseNotifier: SluiceFunction;
  /** The URL to give Slack as the app's Interactivity Request URL. */
  readonly interactionsUrl: string;
  /** Stream batches the notifier could not deliver after its retries: its own, not the rollback queue. */
  readonly notifierDeadLetters: Queue;
  readonly notifierDeadLetterAlarm: Alarm;
  /** Clicks whose second invocation failed after Lambda's retries, or waited too long. */
  readonly clickDeadLetters: Queue;
  readonly clickDeadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: SlackEndpointsProps) {
    super(scope, id);
    this.slackInteractions = new SluiceFunction(this, 'SlackInteractions', {
      entry: props.slackInteractionsEntry,
      environment: props.environment,
      config: props.config,
      description: 'Sluice: verify Slack interactions and decide approvals',
      // Slack shows an error unless it has a 200 within 3 s, but gives up on its own and does not
      // retry: a longer timeout only lets a decision that started finish (its send, its record).
      timeout: Duration.seconds(SLACK_INTERACTION_TIMEOUT_SECONDS),
      memorySize: 512,
    });
    // The click's second invocation (an asynchronous self-invocation): two retries, as Lambda's
    // default, but kept at most as long as the handler accepts the event, and parked with an
    // alarm when it fails for good, since its approver was answered 200 already.
    const clicks = deadLetterQueue(this, {
      ids: { queue: 'ClickDeadLetters', alarm: 'ClickDeadLetterAlarm' },
      alarmDescription:
        'Sluice: a Slack click (approve, reject, abort or promote now) was answered but not acted on after its retries. An abort may not have restored traffic: run `sluice status` and, if needed, `sluice abort` or `sluice rollback`. Inspect the queue.',
      alarmActions: props.notifierDeadLetterAlarmActions,
    });
    this.clickDeadLetters = clicks.queue;
    this.clickDeadLetterAlarm = clicks.alarm;
    this.slackInteractions.function.configureAsyncInvoke({
      maxEventAge: Duration.seconds(DEFERRED_MAX_EVENT_AGE_SECONDS),
      retryAttempts: 2,
      onFailure: new SqsDestination(clicks.queue),
    });
    props.api.addRoutes({
      path: '/slack/interactions',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackInteractionsIntegration', this.slackInteractions.function),
    });
    this.interactionsUrl = `${props.api.apiEndpoint}/slack/interactions`;

    this.releaseNotifier = new SluiceFunction(this, 'ReleaseNotifier', {
      entry: props.releaseNotifierEntry,
      environment: props.environment,
      config: props.config,
      description: 'Sluice: post release threads to Slack and deployment statuses to GitHub',
      timeout: Duration.seconds(30),
    });
    const parked = deadLetterQueue(this, {
      ids: { queue: 'NotifierDeadLetters', alarm: 'NotifierDeadLetterAlarm' },
      alarmDescription:
        'Sluice: a release notification (Slack thread message or GitHub deployment status) was dropped after its retries; releases and traffic are not affected, approval requests are posted by the release itself. Inspect the queue.',
      alarmActions: props.notifierDeadLetterAlarmActions,
    });
    this.notifierDeadLetters = parked.queue;
    this.notifierDeadLetterAlarm = parked.alarm;
    this.releaseNotifier.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 10,
        // A notification that keeps failing is retried, then parked; it never blocks later ones for long.
        retryAttempts: 5,
        bisectBatchOnError: true,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(this.notifierDeadLetters),
        filters: [
          FilterCriteria.filter({ dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('RELEASE#') } } } }),
        ],
      }),
    );
  }
}
