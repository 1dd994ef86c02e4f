/** The shapes that travel between the webhook, the state machine and the handlers. */
import type { AnalysisSettings } from './analysis.js';
import type { CauseError } from './errors.js';

export type { CauseError } from './errors.js';

/** Percent of traffic on each target group of a listener; the two always sum to 100. */
export interface Weights {
  [targetGroupArn: string]: number;
}

/** Which of the environment's two target groups serves traffic, derived from the listener. */
export interface Targets {
  live: string;
  idle: string;
}

export interface ReleaseRef {
  /** Stable for a (service, commit): the same push always names the same release. */
  id: string;
  repository: string;
  service: string;
  branch: string;
  sha: string;
  /** The version deployed: the image tag, the pushed commit's SHA. */
  version: string;
  pusher: string;
  deliveryId?: string;
  /** The commit the branch moved from in this push: with the push log, it orders pushes (domain/push-order.ts). */
  before?: string;
  /** The push's `repository.pushed_at`, Unix seconds: orders pushes the chain does not connect. */
  pushedAt?: number;
  /**
   * The pushed commit's first line, author and link, for the approval message; `committedAt` is its
   * timestamp (the push event's `head_commit.timestamp`), where change lead time starts.
   */
  commit?: { message: string; author: string; url: string; committedAt?: string };
  /** 1 for the first push of a commit; a re-push after a failed, aborted or rolled-back attempt is the next. */
  attempt?: number;
}

export type DeployInput =
  | {
      provider: 'ecs';
      cluster: string;
      services: { blue: string; green: string };
      container?: string;
      timeoutSeconds: number;
      /** Set: the previous version's service goes to this desired count once the watch passes. */
      previousDesiredCount?: number;
    }
  | { provider: 'external' };

export interface EnvironmentInput {
  name: string;
  listenerArn: string;
  ruleArn?: string;
  targetGroups: { blue: string; green: string };
  deploy: DeployInput;
  alarms: string[];
  requiredChecks: string[];
  /** Which check runs count, and how long a required one may stay pending. */
  checks: { appId: number; allowConclusions: ('neutral' | 'skipped')[]; buildTimeoutSeconds: number };
  /** With `ecs`: the image to verify before deploying. */
  artifact?: { repository: string; failOn?: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' };
  minHealthyTargets: number;
  /** Slack: the release waits for a decision this long after the new version is healthy on the idle group. */
  approval: { type: 'none' } | { type: 'slack'; timeoutSeconds: number };
  watchSeconds: number;
  insufficientData: { policy: 'fail' | 'extend'; maxExtensionSeconds: number };
  concurrency: 'supersede' | 'queue' | 'reject';
  /** Canary analysis in every bake (config `analysis`); absent: alarms alone judge. */
  analysis?: AnalysisSettings;
  /** An alarm in ALARM when the release starts (config `alarmsAtStart`); absent in inputs of older versions: `ignore`. */
  alarmsAtStart?: 'refuse' | 'wait' | 'ignore';
  /** How a release of another branch is met (config `otherBranches`); absent in inputs of older versions: `newer-first`. */
  otherBranches?: 'newer-first' | 'newest-only' | 'first-come';
}

export interface StepInput {
  index: number;
  weight: number;
  bakeSeconds: number;
}

/** One environment's release: the input of one release.asl.json execution. */
export interface ReleaseInput {
  release: ReleaseRef;
  environment: EnvironmentInput;
  steps: StepInput[];
  executionName: string;
}

export type ReleaseStatus =
  | 'pending'
  | 'in_progress'
  | 'promoted'
  | 'succeeded'
  | 'rolled_back'
  | 'failed'
  | 'aborted'
  | 'superseded'
  | 'rejected';

export const TERMINAL_STATUSES = [
  'succeeded',
  'rolled_back',
  'failed',
  'aborted',
  'superseded',
  'rejected',
] as const satisfies readonly ReleaseStatus[];

/** A status a record never leaves. */
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Whether the record ended (and so holds a terminal status). */
export function isTerminal<R extends { status: ReleaseStatus }>(
  record: R | undefined,
): record is R & { status: TerminalStatus } {
  return record !== undefined && (TERMINAL_STATUSES as readonly ReleaseStatus[]).includes(record.status);
}

/**
 * Every entry a record's history can hold, one list: readers (the Slack thread, the GitHub
 * deployment, the check run) switch on these, so a rename is a type error, not a silent change.
 */
export type HistoryEvent =
  // an environment's release, in the order they happen
  | 'started'
  | 'verifying_build'
  | 'build_pending'
  | 'build_verified'
  | 'build_rejected'
  | 'build_timed_out'
  | 'began'
  | 'idle_attached'
  | 'artifact_verified'
  | 'deployed'
  | 'approval_requested'
  | 'approved'
  | 'rejected'
  | 'shifted'
  | 'promote_now'
  | 'alarm'
  | 'analysis'
  | 'promoted'
  | 'succeeded'
  | 'scaled_down'
  | 'scale_down_skipped'
  | 'scale_down_failed'
  // how a release ends otherwise
  | 'rolled_back'
  | 'failed'
  | 'aborted'
  | 'superseded'
  | 'not_started'
  | 'guard'
  | 'traffic_restored'
  // a pipeline's own record
  | 'plan_posted'
  | 'stage_started'
  | 'stage_succeeded'
  | 'window_wait'
  | 'window_opened'
  | 'check_run_failed';

/** Some of the history events, named where a type lists them: each name is checked against the list. */
export type HistoryEventsOf<E extends HistoryEvent> = E;

/** One line of a record's history. */
export interface HistoryEntry {
  at: string;
  event: HistoryEvent;
  detail?: string;
}

/** What ended a release, in one word. */
export type Trigger =
  | 'alarm'
  | 'analysis'
  | 'handler_error'
  | 'manual'
  | 'timeout'
  | 'superseded'
  | 'crash'
  | 'check_failed'
  | 'approval';

/** Why a release ended the way it did. */
export interface ReleaseCause {
  trigger: Trigger;
  error?: CauseError;
  message: string;
  alarm?: string;
  /** When the alarm changed state (from its event), to measure detection-to-restore time. */
  alarmChangedAt?: string;
  by?: string;
}

export interface StepRecord {
  index: number;
  weight: number;
  observed: Weights;
  at: string;
}

/** One environment of a pipeline: its release execution and the soak that follows it. */
export interface StageInput {
  name: string;
  executionName: string;
  /** Whether the pipeline soaks after this environment (decided before the clock is scaled). */
  soak: boolean;
  soakSeconds: number;
  input: ReleaseInput;
}

/** The input of one pipeline.asl.json execution: the push's route, one stage per environment. */
export interface PipelineInput {
  pipeline: {
    executionName: string;
    route: { name: string; environments: string[] };
    release: ReleaseRef;
  };
  stages: StageInput[];
}

/** What every stored record has: the release it belongs to, its execution, status and history. */
interface RecordBase {
  releaseId: string;
  executionName: string;
  repository: string;
  service: string;
  branch: string;
  sha: string;
  version: string;
  status: ReleaseStatus;
  cause?: ReleaseCause;
  startedAt: string;
  updatedAt: string;
  endedAt?: string;
  history: HistoryEntry[];
  attempt?: number;
}

/** What the release store keeps for one environment of one release. */
export interface ReleaseRecord extends RecordBase {
  /** Absent on records written before pipelines had their own type. */
  kind?: 'release';
  environment: string;
  commit?: ReleaseRef['commit'];
  targets?: Targets;
  steps: StepRecord[];
  /** The alarms a bake check found in ALARM, as CheckAlarms recorded them. */
  firedAlarms?: string[];
  /** The environment's approval, when it has one: its short id and outcome (never its task token). */
  approval?: {
    id: string;
    status: 'pending' | 'approved' | 'rejected';
    expiresAt: string;
    decidedBy?: string;
    decidedAt?: string;
  };
  /** An approver asked to skip the remaining intermediate steps (Promote now in the thread). */
  promoteNow?: { by: string; at: string };
  /** When the new version took all traffic (RecordRelease's promotion): the post-release watch starts here. */
  promotedAt?: string;
  /** When traffic was last restored to the live group by a rollback. */
  restoredAt?: string;
  /** The group a manual rollback of a split listener put all traffic on, where not `targets.live`. */
  restoredTo?: string;
  /** While VerifyBuild waits for check runs: the task token a check_suite/check_run event wakes. */
  buildWait?: { taskToken: string; since: string; pending: string[] };
}

/** A pipeline's own record: the route's environments in order, the one running, the plan's check run. */
export interface PipelineRecord extends RecordBase {
  kind: 'pipeline';
  pipeline: {
    route: string;
    environments: string[];
    current?: string;
    checkRunId?: number;
    /** While the pipeline waits for an environment's deploy window or a freeze's end. */
    waiting?: { environment: string; until?: string; reason: string; since: string };
  };
}

/** Either kind of record the release store keeps. */
export type StoredRecord = ReleaseRecord | PipelineRecord;

export const isReleaseRecord = (record: StoredRecord): record is ReleaseRecord => record.kind !== 'pipeline';
export const isPipelineRecord = (record: StoredRecord): record is PipelineRecord =>
  record.kind === 'pipeline';
