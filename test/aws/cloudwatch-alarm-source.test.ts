import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
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

  describe('Method: alarmedSince', () => {
    // DescribeAlarmHistory: one AlarmName per call; composite alarms only with AlarmTypes; each
    // StateUpdate item's HistoryData is JSON with oldState/newState and their stateValue (API
    // reference, DescribeAlarmHistory and AlarmHistoryItem; aws-cli describe-alarm-history example).
    const change = (from: string, to: string, reason: string) =>
      JSON.stringify({
        version: '1.0',
        oldState: { stateValue: from, stateReason: 'before' },
        newState: { stateValue: to, stateReason: reason },
      });

    it('reads each alarm’s state updates since the date and keeps the changes into ALARM, oldest first', async () => {
      // Prepare: web-5xx fired and cleared; web-latency only cleared
      const since = new Date('2026-03-01T10:00:00.000Z');
      cloudwatch
        .on(DescribeAlarmHistoryCommand, { AlarmName: 'web-5xx' })
        .resolvesOnce({
          AlarmHistoryItems: [
            {
              AlarmName: 'web-5xx',
              HistoryItemType: 'StateUpdate',
              Timestamp: new Date('2026-03-01T10:07:00.000Z'),
              HistoryData: change('ALARM', 'OK', 'recovered'),
            },
          ],
          NextToken: 'page-2',
        })
        .resolvesOnce({
          AlarmHistoryItems: [
            {
              AlarmName: 'web-5xx',
              HistoryItemType: 'StateUpdate',
              Timestamp: new Date('2026-03-01T10:05:00.000Z'),
              HistoryData: change('OK', 'ALARM', 'Threshold Crossed: 1 datapoint [12.0]'),
            },
          ],
        });
      cloudwatch.on(DescribeAlarmHistoryCommand, { AlarmName: 'web-latency' }).resolves({
        AlarmHistoryItems: [
          {
            AlarmName: 'web-latency',
            HistoryItemType: 'StateUpdate',
            Timestamp: new Date('2026-03-01T10:02:00.000Z'),
            HistoryData: change('INSUFFICIENT_DATA', 'OK', 'ok'),
          },
        ],
      });

      // Act
      const episodes = await source.alarmedSince(['web-5xx', 'web-latency'], since);

      // Assess
      expect(episodes).toEqual([
        { name: 'web-5xx', at: '2026-03-01T10:05:00.000Z', reason: 'Threshold Crossed: 1 datapoint [12.0]' },
      ]);
      expect(cloudwatch).toHaveReceivedCommandWith(DescribeAlarmHistoryCommand, {
        AlarmName: 'web-5xx',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        HistoryItemType: 'StateUpdate',
        StartDate: since,
        ScanBy: 'TimestampAscending',
      });
      expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmHistoryCommand, 3);
    });

    it('stops reading an alarm’s history at its first change into ALARM (one page for a flapping alarm)', async () => {
      // Prepare: the first page already holds a change into ALARM, and more pages follow
      cloudwatch.on(DescribeAlarmHistoryCommand).resolves({
        AlarmHistoryItems: [
          {
            AlarmName: 'web-5xx',
            HistoryItemType: 'StateUpdate',
            Timestamp: new Date('2026-03-01T10:01:00.000Z'),
            HistoryData: change('OK', 'ALARM', 'flap'),
          },
        ],
        NextToken: 'more',
      });

      // Act
      const episodes = await source.alarmedSince(['web-5xx'], new Date('2026-03-01T10:00:00.000Z'));

      // Assess
      expect(episodes.map((e) => e.at)).toEqual(['2026-03-01T10:01:00.000Z']);
      expect(cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmHistoryCommand, 1);
    });
  });
});
