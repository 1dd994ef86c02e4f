import type { AlarmStatus } from '../ports/alarm-source.js';

export type AlarmVerdict =
  | { kind: 'pass' }
  | { kind: 'alarm'; alarms: string[]; reason: string }
  | { kind: 'extend'; extendSeconds: number; waiting: string[] }
  | { kind: 'no-data'; alarms: string[]; reason: string }
  | { kind: 'missing'; alarms: string[] };

export interface AlarmPolicy {
  phase: 'bake' | 'watch' | 'soak';
  policy: 'fail' | 'extend';
  maxExtensionSeconds: number;
  extendedSeconds: number;
  bakeSeconds: number;
}

/**
 * Judges alarm states at the end of a bake or watch. ALARM always fails. During a bake,
 * INSUFFICIENT_DATA (or an alarm that does not exist) never promotes: it fails, or extends the
 * bake by one bake at a time until the limit. After promotion INSUFFICIENT_DATA passes, but a
 * configured alarm that CloudWatch does not return fails: nothing watches the release then.
 */
export function judgeAlarms(statuses: AlarmStatus[], policy: AlarmPolicy): AlarmVerdict {
  const firing = statuses.filter((s) => s.state === 'ALARM');
  if (firing.length > 0) {
    return {
      kind: 'alarm',
      alarms: firing.map((s) => s.name),
      reason: firing.map((s) => `${s.name}: ${s.reason ?? 'in ALARM'}`).join('; '),
    };
  }
  const missing = statuses.filter((s) => s.state === undefined).map((s) => s.name);
  const noData = statuses.filter((s) => s.state === 'INSUFFICIENT_DATA').map((s) => s.name);
  if (missing.length > 0 && policy.phase === 'bake') {
    return { kind: 'no-data', alarms: missing, reason: `alarm does not exist: ${missing.join(', ')}` };
  }
  if (missing.length > 0) return { kind: 'missing', alarms: missing };
  if (noData.length === 0 || policy.phase !== 'bake') return { kind: 'pass' };

  const remaining = policy.maxExtensionSeconds - policy.extendedSeconds;
  if (policy.policy === 'extend' && remaining > 0) {
    return {
      kind: 'extend',
      extendSeconds: Math.max(1, Math.min(policy.bakeSeconds, remaining)),
      waiting: noData,
    };
  }
  return {
    kind: 'no-data',
    alarms: noData,
    reason:
      policy.policy === 'extend'
        ? `no data from ${noData.join(', ')} after extending the bake by ${policy.extendedSeconds}s`
        : `no data from ${noData.join(', ')}; a bake never promotes without data`,
  };
}
