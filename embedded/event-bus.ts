import type { SluiceConfig } from '../functions/shared/domain/config.js';
import type { LocalAccounts } from './accounts.js';
import type { AlarmStateChangeEvent } from './cloudwatch.js';

const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** Where an alarm state change went: delivered to the delivery account, forwarded there first, or kept where it happened. */
export type EventRoute =
  | { route: 'delivered' }
  | { route: 'forwarded'; from: string; by: string }
  | { route: 'not-forwarded'; reason: string };

/**
 * The default event buses of the delivery account and of each environment's account. An alarm
 * state change happens in its alarm's account: in the delivery account it reaches Sluice's rule
 * directly; in an environment's own account, the target stack's rule (infra/target-stack.ts,
 * `alarmForwardPattern`) forwards the state changes of that environment's alarms to the delivery
 * bus, whose policy admits only the target accounts and only this detail-type. A forwarded event
 * keeps its `account`: events carry "the account and region in which [they] occurred"
 * (EventBridge reference, Event structure).
 */
export class LocalEventBuses {
  /** Every event the delivery bus accepted from another account, oldest first. */
  readonly forwarded: AlarmStateChangeEvent[] = [];

  constructor(
    private readonly config: SluiceConfig,
    private readonly accounts: LocalAccounts,
    /** The delivery account's rule: alarm state changes → alarm-rollback. */
    private readonly deliver: (event: AlarmStateChangeEvent) => Promise<unknown>,
  ) {}

  /** An alarm state change put on its own account's default bus by CloudWatch. */
  async put(event: AlarmStateChangeEvent): Promise<EventRoute & { result?: unknown }> {
    if (event.account === this.accounts.delivery.account) {
      return { route: 'delivered', result: await this.deliver(event) };
    }
    // The target stack's forwarding rule in the event's account, for its environment's alarms only;
    // the delivery bus's policy admits exactly those accounts (and this detail-type).
    const env = this.config.environments.find(
      (e) => e.account?.id === event.account && e.alarms.includes(event.detail.alarmName),
    );
    if (event.source !== 'aws.cloudwatch' || event['detail-type'] !== ALARM_STATE_CHANGE || !env) {
      return {
        route: 'not-forwarded',
        reason: `no rule in ${event.account} forwards ${event.detail.alarmName}`,
      };
    }
    this.forwarded.push(event);
    const by = `arn:aws:events:${event.region}:${event.account}:rule/SluiceTarget-${this.config.service}-${env.name}-AlarmForwardRule`;
    return { route: 'forwarded', from: event.account, by, result: await this.deliver(event) };
  }
}
