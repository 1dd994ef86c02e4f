import { despiteContention, stopRelease } from '../shared/control/release-control.js';
import { environmentAccountId } from '../shared/domain/accounts.js';
import { AlarmStateChangeEventSchema, parseEvent } from '../shared/domain/events.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import { log } from '../shared/log.js';
import type { Ports } from '../shared/ports/index.js';

export type AlarmRollbackResult =
  | { action: 'ignored'; reason: string }
  | { action: 'rolled_back'; releaseId: string; environment: string; restored: boolean };

/** The ports AlarmRollback uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type AlarmRollbackPorts = Pick<
  Ports,
  'config' | 'trafficRouter' | 'releases' | 'orchestrator' | 'now'
>;

/**
 * The first line of defence: CloudWatch delivers every alarm state change to EventBridge, so a
 * release is rolled back on the event itself rather than at its next bake check. Restores the live
 * group to 100% directly, then stops the execution with the alarm as its cause.
 */
export const createAlarmRollbackHandler = (ports: AlarmRollbackPorts) =>
  lambdaHandler<unknown, AlarmRollbackResult, AlarmRollbackPorts>('AlarmRollback', ports, async (raw, p) => {
    const event = parseEvent(AlarmStateChangeEventSchema, raw, 'CloudWatch Alarm State Change');
    const { alarmName, state } = event.detail;
    const ignore = (reason: string): AlarmRollbackResult => {
      log.info('alarm event ignored', { alarm: alarmName, state: state.value, reason });
      return { action: 'ignored', reason };
    };
    if (state.value !== 'ALARM') return ignore(`state is ${state.value}`);

    // An alarm name is unique only within an account, and the delivery bus admits events from
    // every target account: the environment is the one watching this name in the event's account
    // (two environments in two accounts may each have an alarm of the same name).
    const watching = p.config().environments.filter((env) => env.alarms.includes(alarmName));
    const [first] = watching;
    if (!first) return ignore('no environment watches this alarm');
    const environment = watching.find((env) => {
      const home = environmentAccountId(env);
      return home === undefined || home === event.account;
    });
    if (!environment) {
      return ignore(
        `the event comes from account ${event.account}, not ${first.name}'s ${environmentAccountId(first)}`,
      );
    }
    const holder = await p.releases().lockHolder(environment.name);
    if (!holder) return ignore(`no release is running in ${environment.name}`);

    const { restored } = await despiteContention(() =>
      stopRelease(p, { ...holder, environment: environment.name }, environment, 'rolled_back', {
        trigger: 'alarm',
        error: 'AlarmFiredError',
        alarm: alarmName,
        alarmChangedAt: state.timestamp ?? event.time,
        message: `${alarmName} in ALARM: ${state.reason ?? 'threshold crossed'}`,
      }),
    );
    log.warn('release rolled back by alarm', { alarm: alarmName, releaseId: holder.releaseId, restored });
    return { action: 'rolled_back', releaseId: holder.releaseId, environment: environment.name, restored };
  });
