import type { AlarmEpisode, AlarmSource, AlarmStatus } from '../../functions/shared/ports/alarm-source.js';
import type { LocalCloudWatch } from '../cloudwatch.js';

/** Reads alarm states from the embedded CloudWatch. */
export class LocalAlarmSource implements AlarmSource {
  constructor(private readonly cloudWatch: LocalCloudWatch) {}

  /** One status per name, in order; an unknown alarm has state undefined. */
  async describe(names: string[]): Promise<AlarmStatus[]> {
    return this.cloudWatch.describe(names);
  }

  async alarmedSince(names: string[], since: Date): Promise<AlarmEpisode[]> {
    return this.cloudWatch.alarmedSince(names, since);
  }
}
