import { type CauseError, type KnownCause, ReleaseStoppedError } from './errors.js';
import {
  type HistoryEvent,
  isTerminal,
  type PipelineRecord,
  type ReleaseCause,
  type ReleaseInput,
  type ReleaseRecord,
  type ReleaseStatus,
  type StoredRecord,
  type Trigger,
} from './release.js';

/**
 * The key a pipeline's record is stored under in place of an environment name (never a valid
 * one). Only the store's adapters use it; readers tell the kinds apart by `kind`.
 */
export const PIPELINE_KEY = '@pipeline';

/** The key of a record within its release: its environment, or the pipeline's key. */
export const recordKeyOf = (record: StoredRecord): string =>
  record.kind === 'pipeline' ? PIPELINE_KEY : record.environment;

/** A record as stored; one written before pipelines had their own type is known by its key. */
export function storedRecord(raw: StoredRecord): StoredRecord {
  if (raw.kind === undefined && (raw as { environment?: string }).environment === PIPELINE_KEY) {
    const { environment: _key, steps: _steps, ...pipeline } = raw as ReleaseRecord & Partial<PipelineRecord>;
    return { ...pipeline, kind: 'pipeline', pipeline: pipeline.pipeline ?? { route: '', environments: [] } };
  }
  return raw;
}

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
    promotedAt: undefined,
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
  AlarmsAtStartError: 'alarm',
  AlarmsAtStartPendingError: 'alarm',
  CanaryRegressionError: 'analysis',
  CanaryInconclusiveError: 'analysis',
  BuildNotVerifiedError: 'check_failed',
  'States.Timeout': 'timeout',
  ApprovalTimedOut: 'timeout',
  WindowWaitExceededError: 'timeout',
  ReleaseSupersededError: 'superseded',
  ReleaseSuperseded: 'superseded',
  ReleaseAborted: 'manual',
  ManualRollback: 'manual',
  StaleLock: 'crash',
  AlarmNotFoundError: 'handler_error',
  ApprovalRequestError: 'handler_error',
  ArtifactNotVerifiedError: 'handler_error',
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
export function newestFirst(a: Pick<StoredRecord, 'startedAt'>, b: Pick<StoredRecord, 'startedAt'>): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0;
}

/** Throws ReleaseStoppedError for a record that already ended. */
export function assertRunning(record: StoredRecord, event: HistoryEvent): void {
  if (isTerminal(record)) {
    throw new ReleaseStoppedError(
      `release ${record.releaseId} already ended ${record.status} in ${record.kind === 'pipeline' ? 'its pipeline' : record.environment}; not recording ${event}`,
    );
  }
}
