import type { CheckRun } from '../ports/build-verifier.js';

export type BuildVerdict =
  | { kind: 'verified'; checks: string[] }
  | { kind: 'pending'; pending: string[]; reasons: string[] }
  | { kind: 'rejected'; reasons: string[] };

export interface CheckPolicy {
  /** Only runs created by this GitHub App count. */
  appId: number;
  /** Conclusions besides success that pass. */
  allowConclusions: readonly string[];
}

/**
 * Judges the pushed commit's check runs against the required names. Only runs of the pinned app
 * count, so a same-named run from another app can neither pass nor fail a build. A check that
 * ran more than once counts by its latest run (GitHub lists newest first). A required check that
 * has not been created yet is pending, not failed: the push webhook arrives before CI creates
 * its check runs.
 */
export function judgeChecks(required: string[], runs: CheckRun[], policy: CheckPolicy): BuildVerdict {
  const latest = new Map<string, CheckRun>();
  const foreign = new Map<string, number>();
  for (const run of runs) {
    if (run.appId !== policy.appId) {
      if (run.appId != null && !foreign.has(run.name)) foreign.set(run.name, run.appId);
      continue;
    }
    if (!latest.has(run.name)) latest.set(run.name, run);
  }

  const rejected: string[] = [];
  const pending: string[] = [];
  const waiting: string[] = [];
  for (const name of required) {
    const run = latest.get(name);
    if (!run) {
      pending.push(name);
      const other = foreign.get(name);
      waiting.push(
        other === undefined
          ? `required check "${name}" has not been created on this commit yet`
          : `required check "${name}" has no run from app ${policy.appId} (a run from app ${other} does not count)`,
      );
    } else if (run.status !== 'completed') {
      pending.push(name);
      waiting.push(`required check "${name}" is ${run.status}`);
    } else if (run.conclusion !== 'success' && !policy.allowConclusions.includes(run.conclusion ?? '')) {
      rejected.push(`required check "${name}" concluded ${run.conclusion ?? 'without a conclusion'}`);
    }
  }
  if (rejected.length > 0) return { kind: 'rejected', reasons: rejected };
  if (pending.length > 0) return { kind: 'pending', pending, reasons: waiting };
  return { kind: 'verified', checks: required };
}
