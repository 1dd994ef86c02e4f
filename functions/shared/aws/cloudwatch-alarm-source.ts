import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  paginateDescribeAlarmHistory,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import type { AccessScope } from '../domain/accounts.js';
import type { AlarmEpisode, AlarmSource, AlarmState, AlarmStatus } from '../ports/alarm-source.js';
import { environmentClient } from './environment-clients.js';

/** DescribeAlarms accepts at most 100 names per call. */
const NAMES_PER_CALL = 100;

interface Found {
  state: StateValue | undefined;
  reason: string | undefined;
  updatedAt: Date | undefined;
}

/** Reads metric and composite alarm states from CloudWatch. */
export class CloudWatchAlarmSource implements AlarmSource {
  constructor(private readonly client: CloudWatchClient) {}

  /**
   * One status per requested name, in order; a name CloudWatch does not return has state
   * undefined. CloudWatch API reference, DescribeAlarms: composite alarms are returned only with a
   * `cloudwatch:DescribeAlarms` permission scoped to `*`; a narrower scope omits them without an
   * error, which is why the permission is granted on `*` (infra/policies.ts) and why CheckAlarms
   * fails on a configured alarm that does not come back rather than passing it.
   */
  async describe(names: string[]): Promise<AlarmStatus[]> {
    const found = new Map<string, Found>();
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      await this.describeChunk(unique.slice(i, i + NAMES_PER_CALL), found);
    }
    return names.map((name) => toStatus(name, found.get(name)));
  }

  /**
   * Reads each alarm's StateUpdate history since `since` (DescribeAlarmHistory takes one alarm
   * name per call; composite alarms only when AlarmTypes asks for them). An item's HistoryData is
   * JSON with `oldState` and `newState`, each with its `stateValue` and `stateReason`.
   */
  async alarmedSince(names: string[], since: Date): Promise<AlarmEpisode[]> {
    const episodes: AlarmEpisode[] = [];
    for (const name of new Set(names)) {
      const pages = paginateDescribeAlarmHistory(
        { client: this.client },
        {
          AlarmName: name,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          HistoryItemType: 'StateUpdate',
          StartDate: since,
          // Oldest first, so the first change into ALARM ends the read: a flapping alarm's long
          // history costs one page, not all of them (the API is rate-limited per Region).
          ScanBy: 'TimestampAscending',
          MaxRecords: 100,
        },
      );
      history: for await (const page of pages) {
        for (const item of page.AlarmHistoryItems ?? []) {
          const change = parseHistoryData(item.HistoryData);
          if (change?.newState?.stateValue !== 'ALARM' || !item.Timestamp) continue;
          episodes.push({
            name,
            at: item.Timestamp.toISOString(),
            ...(change.newState.stateReason ? { reason: change.newState.stateReason } : {}),
          });
          break history;
        }
      }
    }
    return episodes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  private async describeChunk(names: string[], found: Map<string, Found>): Promise<void> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeAlarmsCommand({
          AlarmNames: names,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          NextToken: nextToken,
        }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (!alarm.AlarmName) continue;
        found.set(alarm.AlarmName, {
          state: alarm.StateValue,
          reason: alarm.StateReason,
          updatedAt: alarm.StateUpdatedTimestamp,
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
}

function parseHistoryData(
  data: string | undefined,
): { newState?: { stateValue?: string; stateReason?: string } } | undefined {
  try {
    return data ? JSON.parse(data) : undefined;
  } catch {
    return undefined;
  }
}

function toStatus(name: string, alarm: Found | undefined): AlarmStatus {
  if (!alarm) return { name, state: undefined };
  const status: AlarmStatus = { name, state: alarm.state as AlarmState | undefined };
  if (alarm.reason !== undefined) status.reason = alarm.reason;
  if (alarm.updatedAt !== undefined) status.updatedAt = alarm.updatedAt.toISOString();
  return status;
}

/** The AlarmSource port on AWS. */
export const awsAlarms = (scope: AccessScope): AlarmSource =>
  new CloudWatchAlarmSource(environmentClient(CloudWatchClient, scope));
