import type { SluiceConfig } from './config.js';
import { formatDuration } from './duration.js';
import { environmentNamed } from './environments.js';
import { DEFAULT_MAX_WINDOW_WAIT_SECONDS } from './limits.js';
import type { ReleasePlan } from './plan.js';
import { type AdHocFreeze, describeLocal, freezesOf, judgeWindow, windowsOf } from './windows.js';

/** When one environment of a plan would start, and who approves it. */
export interface EnvironmentSchedule {
  name: string;
  /** When the pipeline would reach it: the push, or the previous environment's expected end and soak. */
  reachesAt: string;
  /** When it would start: at once, after a wait for its window or a freeze's end, or never (past maxWindowWait). */
  startsAt?: string;
  /** Why it would wait, in words; absent when it would not. */
  wait?: string;
  approval: { approvers: string[]; timeoutSeconds: number } | 'none';
}

/**
 * Projects a plan onto the calendar: the first environment is reached at `at` (the push), each
 * later one when the one before would have ended (bakes, watch and soak; deploys excluded), and
 * each waits for its windows and freezes as AwaitWindow would.
 */
export function scheduleOf(
  config: SluiceConfig,
  plan: ReleasePlan,
  at: Date,
  adHoc: Record<string, AdHocFreeze | undefined> = {},
): EnvironmentSchedule[] {
  let reaches = at;
  return plan.environments.map((envPlan) => {
    const env = environmentNamed(config, envPlan.name);
    if (!env) throw new Error(`the plan names environment ${envPlan.name}, which the config does not have`);
    const freeze = adHoc[env.name];
    const verdict = judgeWindow(
      {
        windows: windowsOf(env),
        freezes: freezesOf(env),
        ...(freeze ? { adHoc: freeze } : {}),
        passFreezes: plan.route.passFreezes,
      },
      reaches,
    );
    const approval =
      env.approval.type === 'slack'
        ? { approvers: env.approval.approvers, timeoutSeconds: env.approval.timeout }
        : ('none' as const);
    const maxWait = env.maxWindowWait ?? DEFAULT_MAX_WINDOW_WAIT_SECONDS;
    const zone = env.windows?.[0]?.timeZone ?? 'UTC';
    const row: EnvironmentSchedule = { name: env.name, reachesAt: reaches.toISOString(), approval };
    if (verdict.open) {
      row.startsAt = reaches.toISOString();
    } else if (verdict.opensAt && verdict.opensAt.getTime() - reaches.getTime() <= maxWait * 1000) {
      row.startsAt = verdict.opensAt.toISOString();
      row.wait = `waits ${formatDuration(Math.round((verdict.opensAt.getTime() - reaches.getTime()) / 1000))}: ${verdict.reason}; opens ${describeLocal(verdict.opensAt, zone)}`;
    } else {
      row.wait = `would stop here: ${verdict.reason}; ${verdict.opensAt ? `opens ${describeLocal(verdict.opensAt, zone)}` : 'no end is set'}, past maxWindowWait ${formatDuration(maxWait)}`;
    }
    const started = row.startsAt ? new Date(row.startsAt) : reaches;
    reaches = new Date(started.getTime() + (envPlan.expectedSeconds + envPlan.soakSeconds) * 1000);
    return row;
  });
}
