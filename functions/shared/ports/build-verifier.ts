export type CheckConclusion =
  | 'success'
  | 'failure'
  | 'neutral'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required'
  | 'stale'
  | null;

export interface CheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed' | string;
  conclusion: CheckConclusion | string;
}

/** Reads the CI check runs GitHub holds for a commit. */
export interface BuildVerifier {
  checkRuns(repository: string, sha: string): Promise<CheckRun[]>;
}
