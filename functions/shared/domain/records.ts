import { ReleaseStoppedError } from './errors.js';
import {
  type ReleaseCause,
  type ReleaseInput,
  type ReleaseRecord,
  type ReleaseStatus,
  TERMINAL_STATUSES,
} from './release.js';

/** A fresh record for one environment of a release, as BeginRelease writes it. */
export function newRecord(
  input: Pick<ReleaseInput, 'release' | 'environment' | 'executionName'>,
  now: Date,
): ReleaseRecord {
  const at = now.toISOString();
  return {
    releaseId: input.release.id,
    environment: input.environment.name,
    executionName: input.executionName,
    repository: input.release.repository,
    service: input.release.service,
    branch: input.release.branch,
    sha: input.release.sha,
    version: input.release.version,
    ...(input.release.commit ? { commit: input.release.commit } : {}),
    status: 'in_progress',
    steps: [],
    startedAt: at,
    updatedAt: at,
    history: [{ at, event: 'started', detail: `pushed by ${input.release.pusher}` }],
    attempt: input.release.attempt ?? 1,
  };
}

/**
 * The patch that turns an earlier attempt's record into this attempt's: same key (release,
 * environment), fresh status, steps and outcome; the history goes on.
 */
export function newAttempt(
  input: Pick<ReleaseInput, 'release' | 'environment' | 'executionName'>,
  now: Date,
): Partial<ReleaseRecord> {
  const { history: _history, ...fresh } = newRecord(input, now);
  return {
    ...fresh,
    targets: undefined,
    cause: undefined,
    firedAlarms: undefined,
    restoredAt: undefined,
    endedAt: undefined,
    buildWait: undefined,
  };
}

/** Maps a caught error's name to what triggered the end of a release. */
export function causeOf(error: string, message: string, extra: Partial<ReleaseCause> = {}): ReleaseCause {
  const trigger: ReleaseCause['trigger'] =
    error === 'ApprovalRejectedError'
      ? 'approval'
      : error === 'AlarmFiredError' || error === 'InsufficientDataError'
        ? 'alarm'
        : error === 'BuildNotVerifiedError'
          ? 'check_failed'
          : error === 'States.Timeout' || error === 'ApprovalTimedOut'
            ? 'timeout'
            : error === 'ReleaseSupersededError'
              ? 'superseded'
              : 'handler_error';
  return { trigger, error, message, ...extra };
}

/**
 * A release that ended without promoting: rolled back if traffic had moved (a step was recorded,
 * or the rollback had to write the listener back), failed if not.
 */
export function endStatus(record: ReleaseRecord | undefined, rollbackWrote = false): ReleaseStatus {
  return rollbackWrote || (record !== undefined && record.steps.length > 0) ? 'rolled_back' : 'failed';
}

/** Orders records newest first by start time (ISO timestamps compare as strings; localeCompare is 50x slower). */
export function newestFirst(a: ReleaseRecord, b: ReleaseRecord): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0;
}

/** Throws ReleaseStoppedError for a record that already ended. */
export function assertRunning(record: ReleaseRecord, event: string): void {
  if (TERMINAL_STATUSES.includes(record.status)) {
    throw new ReleaseStoppedError(
      `release ${record.releaseId} already ended ${record.status} in ${record.environment}; not recording ${event}`,
    );
  }
}
