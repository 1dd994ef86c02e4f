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
  /** The GitHub App that created the run (`app.id`); GitHub Actions is 15368. */
  appId?: number | null;
}

/** Reads the CI check runs GitHub holds for a commit. */
export interface BuildVerifier {
  /** Every check run of the commit (all pages), newest first within each name. */
  checkRuns(repository: string, sha: string): Promise<CheckRun[]>;
}

/** What a check run Sluice writes says. */
export interface CheckRunReport {
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'neutral';
  title: string;
  summary: string;
}

/** Writes Sluice's own check run ("Sluice plan") on a commit. GitHub allows this to GitHub Apps only. */
export interface CheckReporter {
  /** Creates the check run and returns its id. */
  create(repository: string, sha: string, name: string, report: CheckRunReport): Promise<number>;
  update(repository: string, checkRunId: number, report: CheckRunReport): Promise<void>;
}
