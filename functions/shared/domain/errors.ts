/**
 * Named errors. A Lambda's errorType is the error's name, and Step Functions matches Retry and
 * Catch on it, so every name here is part of the state machine's contract: rename with care.
 */
abstract class SluiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The pushed commit is missing a required check, or one did not succeed. */
export class BuildNotVerifiedError extends SluiceError {
  override readonly name = 'BuildNotVerifiedError';
}
/** The new version could not be put on the idle target group. */
export class DeployError extends SluiceError {
  override readonly name = 'DeployError';
}
/** The idle target group has fewer healthy targets than the environment requires. */
export class NotEnoughHealthyTargetsError extends SluiceError {
  override readonly name = 'NotEnoughHealthyTargetsError';
}
/** The load balancer did not accept the weights, or reads back other weights than were written. */
export class TrafficShiftError extends SluiceError {
  override readonly name = 'TrafficShiftError';
}
/** The listener is not in a state Sluice can start from (not 100/0, or not forwarding to the configured groups). */
export class ListenerStateError extends SluiceError {
  override readonly name = 'ListenerStateError';
}
/**
 * The listener's target group stickiness outlasts the post-release watch while the environment
 * scales the previous version down: clients pinned to it would get 503s after the scale-down.
 */
export class StickinessError extends SluiceError {
  override readonly name = 'StickinessError';
}
/** An environment's deploy window does not open (or its freeze does not end) within its maxWindowWait. */
export class WindowWaitExceededError extends SluiceError {
  override readonly name = 'WindowWaitExceededError';
}
/** An alarm the environment watches is in ALARM. */
export class AlarmFiredError extends SluiceError {
  override readonly name = 'AlarmFiredError';
  /** `reason` names each alarm with its state reason: "checkout-5xx: Threshold Crossed: …". */
  constructor(
    readonly alarms: string[],
    reason = alarms.join(', '),
  ) {
    super(`in ALARM — ${reason}`);
  }
}
/** A configured alarm that CloudWatch does not return (deleted, renamed, or not readable): it watches nothing. */
export class AlarmNotFoundError extends SluiceError {
  override readonly name = 'AlarmNotFoundError';
  constructor(
    readonly alarms: string[],
    phase: string,
  ) {
    super(
      `CloudWatch returns no alarm named ${alarms.join(', ')} at the end of the ${phase}; the environment lists it, so the release is not watched`,
    );
  }
}
/** Alarms had no data for longer than the environment allows; a bake never promotes on no data. */
export class InsufficientDataError extends SluiceError {
  override readonly name = 'InsufficientDataError';
}
/** Another release holds the environment's lock and the policy says not to take it. */
export class ReleaseLockedError extends SluiceError {
  override readonly name = 'ReleaseLockedError';
}
/** An approver rejected the release in Slack (SendTaskFailure); it ends with traffic untouched. */
export class ApprovalRejectedError extends SluiceError {
  override readonly name = 'ApprovalRejectedError';
}
/** The approval request could not be posted (Slack down, rate limited); the state machine retries it. */
export class ApprovalRequestError extends SluiceError {
  override readonly name = 'ApprovalRequestError';
}
/** Restoring the live target group failed; the guard retries it from the execution's end event. */
export class RollbackError extends SluiceError {
  override readonly name = 'RollbackError';
}
/** The input a handler received does not have the shape the state machine promises. */
export class InvalidInputError extends SluiceError {
  override readonly name = 'InvalidInputError';
}

/** The canary analysis found a regression beyond the tolerance; the message is its evidence in numbers. */
export class CanaryRegressionError extends SluiceError {
  override readonly name = 'CanaryRegressionError';
}
/** At a bake's end the analysis could neither pass nor fail the canary, and the environment's policy fails it. */
export class CanaryInconclusiveError extends SluiceError {
  override readonly name = 'CanaryInconclusiveError';
}
/** An alarm the environment watches was in ALARM when the release started (`alarmsAtStart`); nothing moved. */
export class AlarmsAtStartError extends SluiceError {
  override readonly name = 'AlarmsAtStartError';
}
/** `alarmsAtStart: wait`: an alarm is still in ALARM; the state machine retries for up to 10 minutes. */
export class AlarmsAtStartPendingError extends SluiceError {
  override readonly name = 'AlarmsAtStartPendingError';
}

/** Reads an error name and message out of a Step Functions Catch result ({ Error, Cause }). */
export function describeCaught(caught: { Error?: string; Cause?: string } | undefined): {
  error: CauseError;
  message: string;
} {
  const error = causeErrorOf(caught?.Error ?? 'UnknownError');
  const cause = caught?.Cause ?? '';
  // On AWS, a Lambda failure's Cause is the JSON error object; locally it is the message itself.
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed && typeof parsed.errorMessage === 'string') return { error, message: parsed.errorMessage };
  } catch {
    // not JSON: the Cause is the message
  }
  return { error, message: cause };
}

/** The image for the version is not in the registry, or its scan findings are too severe. */
export class ArtifactNotVerifiedError extends SluiceError {
  override readonly name = 'ArtifactNotVerifiedError';
}

/** The image's scan is still IN_PROGRESS or PENDING; Deploy's Retry waits for it (bounded). */
export class ScanPendingError extends SluiceError {
  override readonly name = 'ScanPendingError';
}

/** Another release holds the environment and this one waits for it (concurrency `queue`, otherBranches, or the same commit released by another execution); the state machine retries. */
export class ReleaseQueuedError extends SluiceError {
  override readonly name = 'ReleaseQueuedError';
}
/** A newer push of the branch already holds, or already began in, the environment: this one moves nothing. */
export class ReleaseSupersededError extends SluiceError {
  override readonly name = 'ReleaseSupersededError';
}
/**
 * Another writer got there first (the environment's lock, a record's conditional write): not a
 * failure of the release. The state machine retries it within seconds.
 */
export class ContentionError extends SluiceError {
  override readonly name = 'ContentionError';
}
/**
 * A call on one environment's resources was asked for with another environment's scope (its
 * ARN names another account or region than the scope's environment): refused before any call,
 * so one environment's role never reaches another's resources.
 */
export class WrongAccountError extends SluiceError {
  override readonly name = 'WrongAccountError';
}

/** The release was stopped (alarm, abort, superseded) while this step ran; its traffic change was undone. */
export class ReleaseStoppedError extends SluiceError {
  override readonly name = 'ReleaseStoppedError';
}

/**
 * The names release.asl.json's Fail states give an execution when recording itself failed; the
 * release guard and the runbook read them.
 */
export const EXECUTION_ERROR_NAMES = [
  'ReleaseNotStarted',
  'ReleaseNotRecorded',
  'PipelineStopped',
  'PipelineNotRecorded',
] as const;

/**
 * Every named error class, keyed by its name: the one list the `SluiceErrorName` type is derived
 * from. A class missing here, or one whose `name` is not a literal equal to its key, fails the
 * type-check below.
 */
export const SLUICE_ERRORS = {
  AlarmFiredError,
  AlarmNotFoundError,
  AlarmsAtStartError,
  AlarmsAtStartPendingError,
  CanaryInconclusiveError,
  CanaryRegressionError,
  ApprovalRejectedError,
  ApprovalRequestError,
  ArtifactNotVerifiedError,
  BuildNotVerifiedError,
  ContentionError,
  DeployError,
  InsufficientDataError,
  InvalidInputError,
  ListenerStateError,
  NotEnoughHealthyTargetsError,
  ReleaseLockedError,
  ReleaseQueuedError,
  ReleaseStoppedError,
  ReleaseSupersededError,
  RollbackError,
  ScanPendingError,
  StickinessError,
  TrafficShiftError,
  WindowWaitExceededError,
  WrongAccountError,
} as const;

/** The name of an error a Sluice handler throws (each class's `override readonly name`). */
export type SluiceErrorName = InstanceType<(typeof SLUICE_ERRORS)[keyof typeof SLUICE_ERRORS]>['name'];

type ErrorsModule = typeof import('./errors.js');
/** Exported error classes of this module that SLUICE_ERRORS lacks. */
type UnlistedErrorClass = Exclude<
  {
    [K in keyof ErrorsModule]: ErrorsModule[K] extends abstract new (...args: never[]) => Error ? K : never;
  }[keyof ErrorsModule],
  keyof typeof SLUICE_ERRORS
>;
/** Classes whose `name` is not the literal of their class name (a plain `name = '…'` widens to string). */
type MisnamedErrorClass = {
  [K in keyof typeof SLUICE_ERRORS]: InstanceType<(typeof SLUICE_ERRORS)[K]>['name'] extends K
    ? string extends InstanceType<(typeof SLUICE_ERRORS)[K]>['name']
      ? K
      : never
    : K;
}[keyof typeof SLUICE_ERRORS];
type MustBeTrue<T extends true> = T;
/** Fails the type-check while a class is unlisted or misnamed (hover the lists above to see which). */
export type ErrorNamesChecked = MustBeTrue<
  [UnlistedErrorClass, MisnamedErrorClass] extends [never, never] ? true : false
>;

declare const foreign: unique symbol;
/**
 * An error name that comes from outside Sluice's vocabulary (a Lambda runtime error, a Step
 * Functions status, a name an older version wrote): carried and shown, never branched on.
 */
export type ForeignError = string & { readonly [foreign]: true };
export const foreignError = (name: string) => name as ForeignError;

/**
 * The causes that are not a class: Step Functions' own timeout, and the names Sluice gives an
 * ending it decides without throwing (an abort, an operator's rollback, a newer push, a stale
 * lock, an approval that expired) or a Fail state of the state machines.
 */
export const NON_CLASS_CAUSES = [
  'States.Timeout',
  'ApprovalTimedOut',
  'ReleaseAborted',
  'ManualRollback',
  'ReleaseSuperseded',
  'StaleLock',
  ...EXECUTION_ERROR_NAMES,
] as const;

/** An error name Sluice knows and may branch on. */
export type KnownCause = SluiceErrorName | (typeof NON_CLASS_CAUSES)[number];
/** The error a release's cause names: one Sluice knows, or a foreign one it only carries. */
export type CauseError = KnownCause | ForeignError;

const KNOWN_CAUSES: ReadonlySet<string> = new Set([...Object.keys(SLUICE_ERRORS), ...NON_CLASS_CAUSES]);

/** Whether an error name is the known cause `name` (a comparison the compiler checks: a plain `===` with a CauseError is not). */
export const isCause = (error: string | undefined, name: KnownCause): boolean => error === name;

/** Types an error name read from outside (a Catch result, an execution event): known, or foreign. */
export const causeErrorOf = (name: string): CauseError =>
  KNOWN_CAUSES.has(name) ? (name as KnownCause) : foreignError(name);
