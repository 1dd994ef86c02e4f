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

    const environment = p.config().environments.find((env) => env.alarms.includes(alarmName));
    if (!environment) return ignore('no environment watches this alarm');
    // The delivery bus admits events from every target account, and an alarm name is unique only
    // within an account: an event from another account than the environment's (another
    // environment's alarm of the same name, or any account allowed to put events) is not its alarm.
    const home = environmentAccountId(environment);
    if (home !== undefined && event.account !== home) {
      return ignore(`the event comes from account ${event.account}, not ${environment.name}'s ${home}`);
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
