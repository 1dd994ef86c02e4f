import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createCheckAlarmsHandler } from '../../functions/check-alarms/handler.js';
import { awsAlarms } from '../../functions/shared/aws/cloudwatch-alarm-source.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import { systemClock } from '../../functions/shared/ports/index.js';
import { context, useLambdaEnv } from '../support/lambda.js';
import { recordOf, releaseInput } from '../support/release.js';

const metricAlarm = (
  AlarmName: string,
  StateValue: MetricAlarm['StateValue'],
  StateReason?: string,
): MetricAlarm => ({
  AlarmName,
  StateValue,
  StateReason,
  StateUpdatedTimestamp: new Date('2026-11-23T09:00:00Z'),
});

describe('Handler: check-alarms', () => {
  useLambdaEnv();
  const cloudwatch = mockClient(CloudWatchClient);
  let store: MemoryReleaseStore;
  const handler = createCheckAlarmsHandler({ alarms: awsAlarms, releases: () => store, now: systemClock });

  const check = (input: ReleaseInput, phase: 'bake' | 'watch', extendedSeconds = 0, bakeSeconds = 300) =>
    handler(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        phase,
        extendedSeconds,
        bakeSeconds,
      },
      context,
    );

  beforeEach(async () => {
    cloudwatch.reset();
    store = new MemoryReleaseStore();
    for (const env of ['dev', 'staging', 'prod'] as const) await store.create(recordOf(releaseInput(env)));
  });

  it('passes a bake when every alarm of the environment is OK', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        metricAlarm('checkout-staging-5xx', 'OK'),
        metricAlarm('checkout-staging-p99-latency', 'OK'),
      ],
    });

    // Act
    const result = await check(releaseInput('staging'), 'bake');

    // Assess
    expect(result).toEqual({ verdict: 'pass', extendSeconds: 0, extendedSeconds: 0 });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNames: ['checkout-staging-5xx', 'checkout-staging-p99-latency'],
    });
  });

  it('fails with AlarmFiredError naming the alarm in ALARM, so the state machine rolls back', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        metricAlarm(
          'checkout-staging-5xx',
          'ALARM',
          'Threshold Crossed: 1 datapoint [14.0] was greater than 5.0',
        ),
        metricAlarm('checkout-staging-p99-latency', 'OK'),
      ],
    });

    // Act
    const checking = check(releaseInput('staging'), 'bake');

    // Assess
    await expect(checking).rejects.toMatchObject({
      name: 'AlarmFiredError',
      alarms: ['checkout-staging-5xx'],
      message: 'in ALARM — checkout-staging-5xx: Threshold Crossed: 1 datapoint [14.0] was greater than 5.0',
    });
    const input = releaseInput('staging');
    // The names travel to Rollback as data in the record, not in the error message.
    expect((await store.get(input.release.id, 'staging'))?.firedAlarms).toEqual(['checkout-staging-5xx']);
  });

  it('fails with AlarmFiredError in the post-release watch', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [metricAlarm('checkout-dev-5xx', 'ALARM')] });

    // Act + Assess
    await expect(check(releaseInput('dev'), 'watch')).rejects.toMatchObject({ name: 'AlarmFiredError' });
  });

  it('fails a bake with InsufficientDataError when an alarm has no data and the policy is fail', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [metricAlarm('checkout-dev-5xx', 'INSUFFICIENT_DATA')] });

    // Act + Assess
    await expect(check(releaseInput('dev'), 'bake')).rejects.toMatchObject({ name: 'InsufficientDataError' });
  });

  it('extends a bake with no data when the policy is extend, counting the extension', async () => {
    // Prepare: staging extends by up to 10m
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        metricAlarm('checkout-staging-5xx', 'INSUFFICIENT_DATA'),
        metricAlarm('checkout-staging-p99-latency', 'OK'),
      ],
    });

    // Act
    const first = await check(releaseInput('staging'), 'bake', 0, 300);
    const last = await check(releaseInput('staging'), 'bake', 600, 300).catch((e: Error) => e);

    // Assess
    expect(first).toEqual({ verdict: 'extend', extendSeconds: 300, extendedSeconds: 300 });
    expect(last).toMatchObject({ name: 'InsufficientDataError' });
  });

  it('treats an alarm CloudWatch does not know as no data', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [metricAlarm('checkout-staging-5xx', 'OK')] });

    // Act + Assess
    await expect(check(releaseInput('staging'), 'bake')).rejects.toMatchObject({
      name: 'InsufficientDataError',
      message: 'alarm does not exist: checkout-staging-p99-latency',
    });
  });

  it('passes the post-release watch on no data', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [metricAlarm('checkout-dev-5xx', 'INSUFFICIENT_DATA')] });

    // Act + Assess
    await expect(check(releaseInput('dev'), 'watch')).resolves.toEqual({
      verdict: 'pass',
      extendSeconds: 0,
      extendedSeconds: 0,
    });
  });

  it('passes without calling CloudWatch when the environment watches no alarm', async () => {
    // Prepare
    const input = releaseInput('dev');
    input.environment.alarms = [];

    // Act + Assess
    await expect(check(input, 'bake')).resolves.toMatchObject({ verdict: 'pass' });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });
});
