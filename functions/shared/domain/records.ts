import { type CauseError, type KnownCause, ReleaseStoppedError } from './errors.js';
import {
  type HistoryEvent,
  isTerminal,
  type ReleaseCause,
  type ReleaseInput,
  type ReleaseRecord,
  type ReleaseStatus,
  type Trigger,
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

/** What each known error means for the end of a release; a foreign one is a handler error. */
const TRIGGERS: Record<KnownCause, Trigger> = {
  ApprovalRejectedError: 'approval',
  AlarmFiredError: 'alarm',
  InsufficientDataError: 'alarm',
  BuildNotVerifiedError: 'check_failed',
  'States.Timeout': 'timeout',
  ApprovalTimedOut: 'timeout',
  ReleaseSupersededError: 'superseded',
  ReleaseSuperseded: 'superseded',
  ReleaseAborted: 'manual',
  ManualRollback: 'manual',
  StaleLock: 'crash',
  AlarmNotFoundError: 'handler_error',
  ApprovalRequestError: 'handler_error',
  ArtifactNotVerifiedError: 'handler_error',
  BuildPendingError: 'handler_error',
  ContentionError: 'handler_error',
  DeployError: 'handler_error',
  InvalidInputError: 'handler_error',
  ListenerStateError: 'handler_error',
  NotEnoughHealthyTargetsError: 'handler_error',
  ReleaseLockedError: 'handler_error',
  ReleaseQueuedError: 'handler_error',
  ReleaseStoppedError: 'handler_error',
  RollbackError: 'handler_error',
  ScanPendingError: 'handler_error',
  StickinessError: 'handler_error',
  TrafficShiftError: 'handler_error',
  WrongAccountError: 'handler_error',
  ReleaseNotStarted: 'handler_error',
  ReleaseNotRecorded: 'handler_error',
  PipelineStopped: 'handler_error',
  PipelineNotRecorded: 'handler_error',
};

/** What triggered the end of a release, from the error that ended it. */
export const triggerOf = (error: CauseError): Trigger =>
  Object.hasOwn(TRIGGERS, error) ? TRIGGERS[error as KnownCause] : 'handler_error';

/** The cause of a release that ended on `error`. */
export function causeOf(error: CauseError, message: string, extra: Partial<ReleaseCause> = {}): ReleaseCause {
  return { trigger: triggerOf(error), error, message, ...extra };
}

/**
 * A release that ended without promoting: rolled back if traffic had moved (a step was recorded,
 * or the rollback had to write the listener back), failed if not.
 */
export function endStatus(
  record: ReleaseRecord | undefined,
  rollbackWrote = false,
): Extract<ReleaseStatus, 'rolled_back' | 'failed'> {
  return rollbackWrote || (record !== undefined && record.steps.length > 0) ? 'rolled_back' : 'failed';
}

/** Orders records newest first by start time (ISO timestamps compare as strings; localeCompare is 50x slower). */
export function newestFirst(a: ReleaseRecord, b: ReleaseRecord): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0;
}

/** Throws ReleaseStoppedError for a record that already ended. */
export function assertRunning(record: ReleaseRecord, event: HistoryEvent): void {
  if (isTerminal(record)) {
    throw new ReleaseStoppedError(
      `release ${record.releaseId} already ended ${record.status} in ${record.environment}; not recording ${event}`,
    );
  }
}
