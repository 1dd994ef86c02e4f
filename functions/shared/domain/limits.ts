import { formatDuration } from './duration.js';

/**
 * AWS's hard limits that a config can run into, checked at validate and synth time so that a
 * release never meets them at run time.
 */

/** Lambda runs at most 15 minutes (Lambda quotas); the Deploy function's timeout is 870 s. */
export const DEPLOY_FUNCTION_TIMEOUT_SECONDS = 870;
/** The deploy wait leaves 30 s of the Deploy function for registering the revision and verifying it. */
export const MAX_DEPLOY_WAIT_SECONDS = DEPLOY_FUNCTION_TIMEOUT_SECONDS - 30;

/** release.asl.json's TimeoutSeconds: a release execution that runs longer is timed out (a test holds the two equal). */
export const RELEASE_EXECUTION_TIMEOUT_SECONDS = 86_400;

/**
 * pipeline.asl.json's ReleaseEnvironment TimeoutSeconds: how long the pipeline waits for one
 * environment's child execution. It outlasts the child's own limit (a Task's TimeoutSeconds
 * raises States.Timeout in the parent, Step Functions "Task" state), so the child always ends
 * on its own terms first; the 300 s cover starting it and learning that it ended.
 */
export const RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS = RELEASE_EXECUTION_TIMEOUT_SECONDS + 300;

/** pipeline.asl.json's TimeoutSeconds: a push's whole route, every environment and soak (a test holds the two equal). */
export const PIPELINE_EXECUTION_TIMEOUT_SECONDS = 259_200;

/**
 * The pipeline's own Tasks, at most: per environment (RecordStageStarted, RecordStagePassed,
 * CheckSoakAlarms and ReleaseEnvironment's retry waits) and once per push (BeginPipeline and the
 * final record), each Task's timeout times its attempts plus its retry waits. A test computes both
 * from pipeline.asl.json and holds these above them.
 */
export const PIPELINE_STAGE_OVERHEAD_SECONDS = 1_500;
export const PIPELINE_FIXED_OVERHEAD_SECONDS = 1_500;

/**
 * An environment's maxWindowWait when the config sets none: how long a pipeline waits for its
 * window or a freeze's end (an operator's freeze holds any environment). Counted per environment
 * in the route's 72 h, so it is short; an environment with windows sets the longest gap it means
 * to wait across.
 */
export const DEFAULT_MAX_WINDOW_WAIT_SECONDS = 3600;

/** release.asl.json's BeginRelease retrier on ReleaseQueuedError. */
export const QUEUE_WAIT_SECONDS = 30 * 120;
/** release.asl.json's Deploy retrier on ScanPendingError: 20 attempts 30 s apart (a test holds the two equal). */
export const SCAN_WAIT_SECONDS = 20 * 30;
/** A route's default buildTimeout: how long VerifyBuild may wait for CI. */
export const BUILD_WAIT_SECONDS = 3600;
/**
 * release.asl.json's RequestApproval retrier on ApprovalRequestError (Slack refused the post):
 * its retry waits plus each failed attempt at the RequestApproval Lambda's timeout. A test
 * computes it from the ASL and holds this above it.
 */
export const APPROVAL_REQUEST_RETRY_SECONDS = 3_000;
/**
 * The release's own Tasks outside the waits counted on their own (queue, build, scan, deploy,
 * approval): BeginRelease, Promote, the post-release check, Complete, ScaleDownPrevious and
 * Rollback once, each at its Task timeout; and per canary step ShiftTraffic and CheckAlarms at
 * theirs plus ShiftTraffic's waits for healthy targets. A test computes both from the ASL.
 */
export const RELEASE_FIXED_TASKS_SECONDS = 1_500;
export const RELEASE_STEP_TASKS_SECONDS = 400;

/**
 * release.asl.json's CheckAlarmsAtStart retrier on AlarmsAtStartPendingError (`alarmsAtStart:
 * wait`): 20 retries 30 s apart, each attempt at most the Task's 60 s. A test holds it to the ASL.
 */
export const ALARMS_AT_START_WAIT_SECONDS = 20 * 30 + 21 * 60;
/** release.asl.json's AnalyzeCanary TimeoutSeconds: each look of the analysis adds at most this to its bake. */
export const ANALYZE_CANARY_TASK_SECONDS = 60;

/** How many times AnalyzeCanary runs over the bakes: once per interval, the last one shortened. */
function analysisLooks(bakes: number[], interval: number | undefined): number {
  return interval ? bakes.reduce((n, bake) => n + Math.ceil(bake / interval), 0) : 0;
}

/** What one environment's release can take at most, part by part. */
export interface WorstCase {
  queue: number;
  build: number;
  scan: number;
  deploy: number;
  approval: number;
  approvalRequest: number;
  tasks: number;
  bakes: number;
  extensions: number;
  watch: number;
  /** `alarmsAtStart: wait`: the wait for an alarm in ALARM to clear. */
  alarmsAtStart: number;
  /** The canary analysis' looks, one Task per interval of each bake. */
  analysis: number;
}

export interface WorstCaseInput {
  concurrency: 'supersede' | 'queue' | 'reject';
  /** Anything but `newest-only` (the default is `newer-first`) can queue behind another branch's release. */
  otherBranches?: 'newer-first' | 'newest-only' | 'first-come';
  /** The longest buildTimeout of the routes that enter this environment. */
  buildSeconds?: number;
  /** Whether Deploy waits for the image's scan (scan.failOn is set). */
  scanned?: boolean;
  deploySeconds: number;
  approvalSeconds: number;
  bakeSeconds: number[];
  /** The longest a bake may be extended for missing data (0 when the policy fails instead). */
  extensionSeconds: number;
  watchSeconds: number;
  alarmsAtStart?: 'refuse' | 'wait' | 'ignore';
  /** The analysis interval, when the environment has `analysis`. */
  analysisIntervalSeconds?: number;
}

/** Each part of the longest a release of this environment can run. */
export function worstCase(env: WorstCaseInput): WorstCase {
  return {
    queue:
      env.concurrency === 'queue' || (env.otherBranches ?? 'newer-first') !== 'newest-only'
        ? QUEUE_WAIT_SECONDS
        : 0,
    build: env.buildSeconds ?? BUILD_WAIT_SECONDS,
    scan: env.scanned ? SCAN_WAIT_SECONDS : 0,
    deploy: env.deploySeconds,
    approval: env.approvalSeconds,
    approvalRequest: env.approvalSeconds > 0 ? APPROVAL_REQUEST_RETRY_SECONDS : 0,
    tasks: RELEASE_FIXED_TASKS_SECONDS + RELEASE_STEP_TASKS_SECONDS * env.bakeSeconds.length,
    bakes: env.bakeSeconds.reduce((a, b) => a + b, 0),
    // Each bake, and the watch, may be extended once up to the limit.
    extensions: env.extensionSeconds * (env.bakeSeconds.length + 1),
    watch: env.watchSeconds,
    alarmsAtStart: env.alarmsAtStart === 'wait' ? ALARMS_AT_START_WAIT_SECONDS : 0,
    analysis: analysisLooks(env.bakeSeconds, env.analysisIntervalSeconds) * ANALYZE_CANARY_TASK_SECONDS,
  };
}

export const totalSeconds = (parts: WorstCase): number =>
  Object.values(parts).reduce((a: number, b: number) => a + b, 0);

/** "queue wait 1h + deploy 10m + …", naming the parts that are not zero. */
export function describeWorstCase(parts: WorstCase): string {
  const names: Record<keyof WorstCase, string> = {
    queue: 'queue wait',
    build: 'build wait',
    scan: 'scan wait',
    deploy: 'deploy',
    approval: 'approval',
    approvalRequest: 'approval request retries',
    tasks: "the release's own steps",
    bakes: 'bakes',
    extensions: 'no-data extensions',
    watch: 'watch',
    alarmsAtStart: 'wait for alarms at the start',
    analysis: 'canary analysis looks',
  };
  return (Object.keys(names) as (keyof WorstCase)[])
    .filter((key) => parts[key] > 0)
    .map((key) => `${names[key]} ${formatDuration(parts[key])}`)
    .join(' + ');
}

/** The image tag template: `${sha}` is the full commit SHA, `${sha:N}` its first N characters. */
export const IMAGE_TAG_TEMPLATE = /^[A-Za-z0-9_.-]*(\$\{sha(:([7-9]|[1-3][0-9]|40))?\}[A-Za-z0-9_.-]*)+$/;

/** The image tag (and version) a commit is released as. */
export function renderImageTag(template: string, sha: string): string {
  return template.replace(/\$\{sha(?::(\d+))?\}/g, (_, length?: string) =>
    length ? sha.slice(0, Number(length)) : sha,
  );
}
