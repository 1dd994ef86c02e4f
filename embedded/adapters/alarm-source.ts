import type { AlarmEpisode, AlarmSource, AlarmStatus } from '../../functions/shared/ports/alarm-source.js';
import type { LocalPrincipal } from '../accounts.js';
import type { LocalCloudWatch } from '../cloudwatch.js';

/**
 * Reads alarm states from the embedded CloudWatch, as `principal` when given: DescribeAlarms and
 * DescribeAlarmHistory answer with the caller's own account's alarms only, so an alarm of another
 * account is one that does not exist (state undefined), as it is on AWS.
 */
export class LocalAlarmSource implements AlarmSource {
  constructor(
    private readonly cloudWatch: LocalCloudWatch,
    private readonly principal?: Pick<LocalPrincipal, 'identity'>,
  ) {}

  /** One status per name, in order; an unknown alarm has state undefined. */
  async describe(names: string[]): Promise<AlarmStatus[]> {
    const visible = this.visible();
    return this.cloudWatch
      .describe(names)
      .map((status) => (visible(status.name) ? status : { name: status.name, state: undefined }));
  }

  async alarmedSince(names: string[], since: Date): Promise<AlarmEpisode[]> {
    return this.cloudWatch.alarmedSince(names.filter(this.visible()), since);
  }

  private visible(): (name: string) => boolean {
    if (!this.principal) return () => true;
    const { account } = this.principal.identity();
    return (name) => this.cloudWatch.accountOf(name) === account;
  }
}
