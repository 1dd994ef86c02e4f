import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { CloudWatchAlarmSource } from '../../functions/shared/aws/cloudwatch-alarm-source.js';

const cloudwatch = mockClient(CloudWatchClient);

describe('Class: CloudWatchAlarmSource', () => {
  const source = new CloudWatchAlarmSource(new CloudWatchClient({ region: 'us-east-1' }));

  beforeEach(() => {
    cloudwatch.reset();
  });

  describe('Method: describe', () => {
    it('asks for metric and composite alarms by name and answers in the requested order', async () => {
      // Prepare
      const updated = new Date('2026-03-01T10:00:00.000Z');
      cloudwatch.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [
          {
            AlarmName: 'web-5xx',
            StateValue: 'OK',
            StateReason: 'Threshold not crossed',
            StateUpdatedTimestamp: updated,
          },
        ],
        CompositeAlarms: [
          {
            AlarmName: 'web-health',
            StateValue: 'ALARM',
            StateReason: 'web-5xx-rate in ALARM',
            StateUpdatedTimestamp: updated,
          },
        ],
      });

      // Act
      const statuses = await source.describe(['web-health', 'missing', 'web-5xx']);

      // Assess
      expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: ['web-health', 'missing', 'web-5xx'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
      expect(statuses).toEqual([
        {
          name: 'web-health',
          state: 'ALARM',
          reason: 'web-5xx-rate in ALARM',
          updatedAt: '2026-03-01T10:00:00.000Z',
        },
        { name: 'missing', state: undefined },
        {
          name: 'web-5xx',
          state: 'OK',
          reason: 'Threshold not crossed',
          updatedAt: '2026-03-01T10:00:00.000Z',
        },
      ]);
    });

    it('asks for at most 100 names per call', async () => {
      // Prepare
      const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`);
      cloudwatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }: { AlarmNames: string[] }) => ({
        MetricAlarms: AlarmNames.map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
      }));

      // Act
      const statuses = await source.describe(names);

      // Assess
      const sizes = cloudwatch
        .commandCalls(DescribeAlarmsCommand)
        .map((c) => c.args[0].input.AlarmNames?.length);
      expect(sizes).toEqual([100, 100, 50]);
      expect(statuses.map((s) => s.name)).toEqual(names);
      expect(statuses.every((s) => s.state === 'OK')).toBe(true);
    });

    it('follows NextToken until the last page', async () => {
      // Prepare
      cloudwatch
        .on(DescribeAlarmsCommand, { NextToken: undefined })
        .resolves({ MetricAlarms: [{ AlarmName: 'a', StateValue: 'OK' }], NextToken: 'page-2' })
        .on(DescribeAlarmsCommand, { NextToken: 'page-2' })
        .resolves({ MetricAlarms: [{ AlarmName: 'b', StateValue: 'INSUFFICIENT_DATA' }] });

      // Act
      const statuses = await source.describe(['a', 'b']);

      // Assess
      expect(statuses.map((s) => s.state)).toEqual(['OK', 'INSUFFICIENT_DATA']);
      expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 2);
    });

    it('makes no call for no names', async () => {
      // Act
      const statuses = await source.describe([]);

      // Assess
      expect(statuses).toEqual([]);
      expect(cloudwatch).not.toHaveReceivedCommand(DescribeAlarmsCommand);
    });
  });
});
