import type { CheckRun } from '../ports/build-verifier.js';

export type BuildVerdict =
  | { kind: 'verified'; checks: string[] }
  | { kind: 'pending'; pending: string[] }
  | { kind: 'rejected'; reasons: string[] };

/**
 * Judges the pushed commit's check runs against the required names. A check that ran more than
 * once counts by its latest run (GitHub lists newest first), as the branch protection UI does.
 */
export function judgeChecks(required: string[], runs: CheckRun[]): BuildVerdict {
  const latest = new Map<string, CheckRun>();
  for (const run of runs) if (!latest.has(run.name)) latest.set(run.name, run);

  const reasons: string[] = [];
  const pending: string[] = [];
  for (const name of required) {
    const run = latest.get(name);
    if (!run) reasons.push(`required check "${name}" has not run on this commit`);
    else if (run.status !== 'completed') pending.push(name);
    else if (run.conclusion !== 'success' && run.conclusion !== 'neutral' && run.conclusion !== 'skipped')
      reasons.push(`required check "${name}" concluded ${run.conclusion ?? 'without a conclusion'}`);
  }
  if (reasons.length > 0) return { kind: 'rejected', reasons };
  if (pending.length > 0) return { kind: 'pending', pending };
  return { kind: 'verified', checks: required };
}
