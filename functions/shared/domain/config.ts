import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { EnvironmentAccount } from './accounts.js';
import { formatDuration, parseDuration } from './duration.js';
import {
  BUILD_WAIT_SECONDS,
  DEFAULT_MAX_WINDOW_WAIT_SECONDS,
  describeWorstCase,
  IMAGE_TAG_TEMPLATE,
  MAX_DEPLOY_WAIT_SECONDS,
  PIPELINE_EXECUTION_TIMEOUT_SECONDS,
  PIPELINE_FIXED_OVERHEAD_SECONDS,
  PIPELINE_STAGE_OVERHEAD_SECONDS,
  RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS,
  RELEASE_EXECUTION_TIMEOUT_SECONDS,
  totalSeconds,
  type WorstCase,
  worstCase,
} from './limits.js';
import { expandDays, freezeOf, isTimeZone, parseDateOrInstant, windowHours } from './windows.js';

// The window rules read from an environment live in windows.ts, free of zod, for AwaitWindow's bundle.
export { freezesOf, windowsOf } from './windows.js';

/**
 * One ARN check with one message: service and resource type in a single regex, so a wrong ARN
 * reads as one problem. Not `abort: true`: an aborting issue silences every cross-field check.
 */
const arn = (service: string, resource: string, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:${resource}/.+$`),
      `must be ${what} ARN`,
    );

export const duration = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== undefined, 'must be a duration such as 30s, 5m or 1h')
  .transform((v) => parseDuration(v) as number);

/**
 * Cross-field checks run even when another field failed to parse (zod skips them by default), so
 * one ConfigError lists every problem: a mistyped weight does not hide a duplicate environment.
 */
export const whenObject = (payload: { value: unknown }) =>
  typeof payload.value === 'object' && payload.value !== null;
export const fieldOf = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
const weightOf = (step: unknown): number | undefined => {
  const weight = fieldOf(step, 'weight');
  return typeof weight === 'number' ? weight : undefined;
};

/**
 * An integer whose failure does not abort: zod's `.int()` raises a non-continuable issue that
 * silences every cross-field check, so a weight of 12.5 would hide a duplicate environment.
 */
export const wholeNumber = () =>
  z.number().refine(Number.isInteger, 'must be a whole number').meta({ type: 'integer' });

const Step = z.strictObject({
  weight: wholeNumber().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'),
  bake: duration.describe('How long traffic stays at this weight before the alarms are judged.'),
});

const EcsDeploy = z.strictObject({
  provider: z.literal('ecs'),
  cluster: z.string().min(1),
  /** One ECS service per target group: the service behind blue, and the one behind green. */
  services: z.strictObject({ blue: z.string().min(1), green: z.string().min(1) }),
  /** The container whose image tag becomes the pushed version; defaults to the first container. */
  container: z.string().min(1).optional(),
  /** How long to wait for the idle service to reach a steady state. */
  timeout: duration
    .refine(
      (seconds) => seconds <= MAX_DEPLOY_WAIT_SECONDS,
      `must be at most ${formatDuration(MAX_DEPLOY_WAIT_SECONDS)}: the Deploy Lambda runs at most 15 minutes (Lambda's limit) and needs the rest to register and verify`,
    )
    .default(600),
  /**
   * The task and execution roles the service's task definition uses: Sluice may pass only these
   * to ECS. Without them it may pass any role of the account to ECS, and synth warns.
   */
  passRoles: z
    .array(z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN'))
    .optional(),
  /**
   * After the post-release watch passes, the service now idle (it runs the previous version) is
   * set to this desired count, e.g. 0. Unset: it keeps running at full size, ready for a rollback.
   */
  previousDesiredCount: wholeNumber().min(0, 'must be 0 or more').optional(),
});

const ExternalDeploy = z.strictObject({
  provider: z.literal('external'),
});

const Approval = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('slack'),
    /** The Slack channel id (C…) the approval request and the release thread go to. */
    channel: z.string().min(1),
    /** Slack user ids (U…, W…) or user group ids (S…) who may approve or reject. */
    approvers: z.array(z.string().min(1)).min(1, 'must name at least one approver'),
    /** How long a release waits for a decision; at most 12h (the release itself may run 24h). */
    timeout: duration.default(14400).refine((v) => v >= 1 && v <= 43200, 'must be between 1s and 12h'),
  }),
]);

/**
 * An environment in its own AWS account (issue 19; the shape is EnvironmentAccount in
 * domain/accounts.ts). ExternalId's length and characters are STS AssumeRole's: 2–1224 of
 * `[\w+=,.@:/-]`.
 */
const Account = z.strictObject({
  /** The 12-digit account id every ARN of the environment must name. */
  id: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  /** The role Sluice assumes there; defaults to the one the target stack SluiceTarget-<service>-<env> creates. */
  role: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')
    .optional(),
  /** Passed to AssumeRole; the role's trust policy requires it when set. */
  externalId: z
    .string()
    .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2 to 1224 letters, digits or _+=,.@:/- (STS ExternalId)')
    .optional(),
  /** The environment's region; defaults to the delivery stack's. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as eu-west-1')
    .optional(),
}) satisfies z.ZodType<EnvironmentAccount>;

const timeZone = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin or UTC')
  .describe('An IANA time zone (Europe/Berlin, America/New_York, UTC); daylight saving follows its rules.');

const Window = z
  .strictObject({
    /** Weekdays and ranges: mon, tue, …, sun; `mon-thu`; `fri-mon` wraps over the weekend. */
    days: z
      .array(
        z
          .string()
          .refine((d) => expandDays(d) !== undefined, 'must be a weekday (mon…sun) or a range (mon-thu)'),
      )
      .min(1, 'must name at least one day')
      .describe('Weekdays (mon…sun) or ranges (mon-thu) on which the window opens.'),
    /** Local wall-clock hours, `09:00-16:00`; the end may be 24:00. */
    hours: z
      .string()
      .refine(
        (h) => windowHours(h) !== undefined,
        'must be HH:MM-HH:MM with the end after the start (24:00 at most)',
      )
      .describe('Local hours, e.g. 09:00-16:00; a release may start from the first minute until the last.'),
    timeZone,
  })
  .describe('A deploy window: a release may start here only on these days between these hours, local time.');

const FreezeSpec = z
  .strictObject({
    /** First frozen day (YYYY-MM-DD, local midnight) or an instant with its offset. */
    from: z
      .string()
      .refine(
        (v) => parseDateOrInstant(v, 'UTC') !== undefined,
        'must be YYYY-MM-DD or an ISO 8601 time with an offset',
      ),
    /** Last frozen day (frozen all day) or the instant the freeze ends. */
    to: z
      .string()
      .refine(
        (v) => parseDateOrInstant(v, 'UTC') !== undefined,
        'must be YYYY-MM-DD or an ISO 8601 time with an offset',
      ),
    reason: z.string().min(1, 'say why, for the people who wait'),
    /** The time zone of dates without a time. @default the first window's, or UTC */
    timeZone: timeZone.optional(),
  })
  .describe(
    'A freeze: no release starts here from `from` until `to`; hotfix routes with passFreezes excepted.',
  );

/** One comparison of the canary with the baseline; every rise beyond its tolerance is a regression. */
const Comparison = z.discriminatedUnion('metric', [
  z
    .strictObject({
      metric: z.literal('errorRate'),
      /** Percentage points the canary's 5xx rate may exceed the baseline's. @default 0.5 */
      maxIncreasePoints: z.number().positive('must be more than 0').max(100).default(0.5),
    })
    .describe('HTTPCode_Target_5XX_Count / RequestCount per target group, canary vs baseline.'),
  z
    .strictObject({
      metric: z.literal('latency'),
      /** The TargetResponseTime percentile. @default 99 */
      percentile: z
        .number()
        .min(50, 'must be between 50 and 99.9')
        .max(99.9, 'must be between 50 and 99.9')
        .default(99),
      /** Percent the canary's percentile may exceed the baseline's. @default 20 */
      maxIncreasePercent: z.number().positive('must be more than 0').default(20),
    })
    .describe(
      'TargetResponseTime at a percentile per target group, canary vs baseline, interval by interval.',
    ),
  z
    .strictObject({
      metric: z.literal('cloudwatch'),
      /** Any metric with LoadBalancer and TargetGroup dimensions; higher is worse. */
      namespace: z.string().min(1),
      name: z.string().min(1),
      statistic: z
        .string()
        .regex(
          /^(Sum|Average|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$/,
          'must be Sum, Average, Maximum, Minimum, SampleCount or pNN',
        ),
      maxIncreasePercent: z.number().positive('must be more than 0'),
    })
    .describe(
      'Any CloudWatch metric with a TargetGroup dimension, canary vs baseline, interval by interval.',
    ),
]);

export const DEFAULT_COMPARISONS = [
  { metric: 'errorRate' as const, maxIncreasePoints: 0.5 },
  { metric: 'latency' as const, percentile: 99, maxIncreasePercent: 20 },
];

/** The ALB's metrics are published at one-minute resolution. */
export const ANALYSIS_RESOLUTION_SECONDS = 60;

const Analysis = z
  .strictObject({
    /** What to compare. @default errorRate (+0.5 points) and latency (p99 +20%) */
    comparisons: z.array(Comparison).min(1, 'must have at least one comparison').default(DEFAULT_COMPARISONS),
    /** The chance a healthy canary passes, across every comparison and every look. @default 0.95 */
    confidence: z
      .number()
      .min(0.5, 'must be between 0.5 and 0.9999')
      .max(0.9999, 'must be between 0.5 and 0.9999')
      .default(0.95),
    /** Requests each side needs before a rate is judged at all. @default 200 */
    minRequests: wholeNumber().min(1).default(200),
    /** How often a bake judges the canary: whole minutes, the ALB metrics' resolution. @default 60s */
    interval: duration
      .refine(
        (s) => s >= ANALYSIS_RESOLUTION_SECONDS && s % ANALYSIS_RESOLUTION_SECONDS === 0,
        'must be a whole number of minutes (the ALB metrics have one-minute resolution)',
      )
      .default(ANALYSIS_RESOLUTION_SECONDS),
    /** At a bake's end, a verdict that is neither pass nor fail promotes (`pass`) or rolls back (`fail`). @default pass */
    inconclusive: z.enum(['pass', 'fail']).default('pass'),
  })
  .describe(
    'Canary analysis: at each interval of every bake, the canary group is judged against the live group with sequential tests (ADR 0007); fail rolls back at once.',
  );

const Environment = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes'),
    /** The environment's own AWS account: Sluice reaches its resources through a role assumed there. */
    account: Account.optional(),
    listenerArn: arn('elasticloadbalancing', 'listener', 'a listener'),
    /** Where people reach this environment; GitHub shows it on each deployment (its environment_url). */
    url: z.url().optional(),
    /** A listener rule to shift instead of the listener's default action. */
    ruleArn: arn('elasticloadbalancing', 'listener-rule', 'a listener rule').optional(),
    targetGroups: z.strictObject({
      blue: arn('elasticloadbalancing', 'targetgroup', 'a target group'),
      green: arn('elasticloadbalancing', 'targetgroup', 'a target group'),
    }),
    deploy: z.discriminatedUnion('provider', [EcsDeploy, ExternalDeploy]),
    steps: z.array(Step).min(1, 'must have at least one step'),
    alarms: z.array(z.string().min(1)).default([]),
    approval: Approval.default({ type: 'none' }),
    /** After promotion, the previous version stays on the idle group this long, ready to flip back. */
    watch: duration.default(300),
    /** Judge the canary against the live group during every bake (ADR 0007). */
    analysis: Analysis.optional(),
    /**
     * An alarm already in ALARM when a release starts: `refuse` (end it, naming the alarm), `wait`
     * (up to 10 minutes for it to clear, then refuse), or `ignore` (the first bake judges it).
     */
    alarmsAtStart: z.enum(['refuse', 'wait', 'ignore']).default('refuse'),
    /** Healthy targets the idle group needs before each shift. */
    minHealthyTargets: wholeNumber().min(1).default(1),
    /** What a bake does when its alarms have no data: fail, or extend the bake up to a limit. */
    insufficientData: z
      .strictObject({
        policy: z.enum(['fail', 'extend']).default('fail'),
        maxExtension: duration.default(300),
      })
      .default({ policy: 'fail', maxExtension: 300 }),
    /** What a newer push does while a release runs in this environment. */
    concurrency: z.enum(['supersede', 'queue', 'reject']).default('supersede'),
    /**
     * How a release meets one of another branch here, where push time says less than a branch's
     * push chain (ADR 0006). `newer-first`: a newer push (by push time, then receipt) applies
     * `concurrency` to the holder; an older one waits its turn instead of ending superseded.
     * `newest-only`: an older one ends superseded. `first-come`: neither stops the other; each
     * waits for the holder to end.
     */
    otherBranches: z.enum(['newer-first', 'newest-only', 'first-come']).default('newer-first'),
    /** After this environment succeeded, how long the pipeline waits (its alarms checked at the end) before the next one. */
    soak: duration.default(0),
    /** When a release may start here; none: at any time. The pipeline waits for the next one. */
    windows: z.array(Window).optional(),
    /** Date ranges in which no release starts here. */
    freezes: z.array(FreezeSpec).optional(),
    /**
     * How long the pipeline may wait for this environment's window, a freeze's end or an
     * operator's freeze (`sluice freeze`) before it gives up; counted in the route's limits.
     * Set it to the longest gap between windows a push should wait across (18h for 09:00–16:00 weekdays overnight).
     * @default 1h
     */
    maxWindowWait: duration.optional(),
    /** With `ecs`: where the image is, and what its scan findings may hold. */
    artifact: z
      .strictObject({
        /** The ECR repository name; the image tagged with the version must exist before anything deploys. */
        repository: z.string().min(1),
        /** Fail when the image's scan findings hold a finding at or above this severity. */
        scan: z.strictObject({ failOn: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) }).optional(),
      })
      .optional(),
  })
  .superRefine(
    (env, ctx) => {
      // Runs even when a field failed to parse (see `whenObject`), so read every field defensively.
      const steps: unknown[] = Array.isArray(env.steps) ? env.steps : [];
      steps.forEach((step, i) => {
        const weight = weightOf(step);
        const previous = weightOf(steps[i - 1]);
        if (weight !== undefined && previous !== undefined && weight <= previous) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'weight'],
            message: `must be greater than the previous step's weight (${previous})`,
          });
        }
      });
      const last = weightOf(steps.at(-1));
      if (last !== undefined && last !== 100) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', steps.length - 1, 'weight'],
          message: 'the last step must be 100',
        });
      }
      const freezes: unknown[] = Array.isArray(env.freezes) ? env.freezes : [];
      freezes.forEach((freeze, i) => {
        const rule = freezeOf(freeze, env.windows);
        if (rule && rule.to <= rule.from) {
          ctx.addIssue({ code: 'custom', path: ['freezes', i, 'to'], message: 'must be after from' });
        }
      });
      const interval = seconds(fieldOf(env.analysis, 'interval'));
      steps.forEach((step, i) => {
        const bake = seconds(fieldOf(step, 'bake'));
        if (interval !== undefined && bake !== undefined && bake < interval) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, 'bake'],
            message: `must be at least the analysis interval (${formatDuration(interval)})`,
          });
        }
      });
      const groups: Partial<EnvironmentConfig['targetGroups']> = env.targetGroups ?? {};
      if (typeof groups.blue === 'string' && groups.blue === groups.green) {
        ctx.addIssue({ code: 'custom', path: ['targetGroups', 'green'], message: 'must differ from blue' });
      }
    },
    { when: whenObject },
  );

const seconds = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** Each part of the longest a release of this environment can run; undefined while a field is not valid yet. */
export function environmentWorstCase(env: unknown, buildSeconds: number): WorstCase | undefined {
  const steps = fieldOf(env, 'steps');
  const deploy = fieldOf(env, 'deploy');
  const approval = fieldOf(env, 'approval');
  const noData = fieldOf(env, 'insufficientData');
  const bakes = Array.isArray(steps) ? steps.map((step) => seconds(fieldOf(step, 'bake'))) : [];
  const deploySeconds = fieldOf(deploy, 'provider') === 'ecs' ? seconds(fieldOf(deploy, 'timeout')) : 0;
  const approvalSeconds = fieldOf(approval, 'type') === 'slack' ? seconds(fieldOf(approval, 'timeout')) : 0;
  const extensionSeconds =
    fieldOf(noData, 'policy') === 'extend' ? seconds(fieldOf(noData, 'maxExtension')) : 0;
  const watchSeconds = seconds(fieldOf(env, 'watch'));
  const concurrency = fieldOf(env, 'concurrency');
  const otherBranches = fieldOf(env, 'otherBranches');
  const known = (n: number | undefined): n is number => n !== undefined;
  if (
    !bakes.every(known) ||
    !known(deploySeconds) ||
    !known(approvalSeconds) ||
    !known(extensionSeconds) ||
    !known(watchSeconds) ||
    (concurrency !== 'supersede' && concurrency !== 'queue' && concurrency !== 'reject')
  ) {
    return undefined;
  }
  return worstCase({
    concurrency,
    ...(otherBranches === 'newest-only' ? { otherBranches } : {}),
    buildSeconds,
    scanned: fieldOf(fieldOf(fieldOf(env, 'artifact'), 'scan'), 'failOn') !== undefined,
    deploySeconds,
    approvalSeconds,
    bakeSeconds: bakes,
    extensionSeconds,
    watchSeconds,
    ...(fieldOf(env, 'alarmsAtStart') === 'wait' ? { alarmsAtStart: 'wait' as const } : {}),
    ...(seconds(fieldOf(fieldOf(env, 'analysis'), 'interval'))
      ? { analysisIntervalSeconds: seconds(fieldOf(fieldOf(env, 'analysis'), 'interval')) }
      : {}),
  });
}

/**
 * The limits one environment's release runs inside, innermost first: the release execution's own
 * TimeoutSeconds, and the pipeline's Task that waits for it as a child execution.
 */
const RELEASE_LIMITS = [
  { seconds: RELEASE_EXECUTION_TIMEOUT_SECONDS, what: 'a release execution may run' },
  {
    seconds: RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS,
    what: "the pipeline waits for one environment (ReleaseEnvironment's TimeoutSeconds)",
  },
];

/**
 * The longest a release of this environment can run must fit in the release execution's limit
 * and in the pipeline's wait for it, or Step Functions times it out mid-release. Undefined when
 * it fits or a field is not valid yet.
 */
function worstCaseProblem(env: unknown, buildSeconds: number): string | undefined {
  const parts = environmentWorstCase(env, buildSeconds);
  if (!parts) return undefined;
  const total = totalSeconds(parts);
  const limit = RELEASE_LIMITS.find((l) => total > l.seconds);
  if (!limit) return undefined;
  return `a release here can take ${formatDuration(total)} (${describeWorstCase(parts)}), more than ${limit.what} (${formatDuration(limit.seconds)}); shorten the bakes, watch, approval or deploy timeout`;
}

/**
 * A push's pipeline walks its route's environments one after the other, each with its soak but
 * the last; the whole walk must fit in the pipeline execution's TimeoutSeconds. Undefined when it
 * fits or a field is not valid yet.
 */
function routeProblem(
  names: unknown[],
  environments: unknown[],
  buildSeconds: number,
  branches: unknown,
): string | undefined {
  const stages: { name: string; window: number; release: number; soak: number }[] = [];
  for (const [i, name] of names.entries()) {
    const env = environments.find((e) => fieldOf(e, 'name') === name);
    const parts = environmentWorstCase(env, buildSeconds);
    const soak = i === names.length - 1 ? 0 : seconds(fieldOf(env, 'soak'));
    const window = seconds(fieldOf(env, 'maxWindowWait') ?? DEFAULT_MAX_WINDOW_WAIT_SECONDS);
    if (typeof name !== 'string' || !parts || soak === undefined || window === undefined) return undefined;
    // AwaitWindow fails once the wait passes maxWindowWait; its last check, which may run past
    // it, is one of the pipeline's per-stage Tasks (PIPELINE_STAGE_OVERHEAD_SECONDS).
    stages.push({ name, window, release: totalSeconds(parts), soak });
  }
  const overhead = PIPELINE_FIXED_OVERHEAD_SECONDS + PIPELINE_STAGE_OVERHEAD_SECONDS * stages.length;
  const total = stages.reduce((sum, s) => sum + s.window + s.release + s.soak, overhead);
  if (total <= PIPELINE_EXECUTION_TIMEOUT_SECONDS) return undefined;
  const walk = stages
    .map(
      (s) =>
        `${s.name} ${s.window > 0 ? `window wait ${formatDuration(s.window)} + ` : ''}${formatDuration(s.release)}${s.soak ? ` + soak ${formatDuration(s.soak)}` : ''}`,
    )
    .join(', ');
  const on = Array.isArray(branches) ? ` (${branches.join(', ')})` : '';
  return `a push on this route${on} can take ${formatDuration(total)} (${walk}, and the pipeline's own steps ${formatDuration(overhead)}), more than a pipeline execution may run (${formatDuration(PIPELINE_EXECUTION_TIMEOUT_SECONDS)}); shorten the soaks, the window waits (maxWindowWait) or the environments' releases, or split the route`;
}

/** GitHub Actions' app id: check runs it creates carry `app.id` 15368. */
export const GITHUB_ACTIONS_APP_ID = 15368;

const Route = z.strictObject({
  /** Branch name globs this route takes (the first route that matches a push wins). */
  branches: z.array(z.string().min(1)).min(1, 'must name at least one branch pattern'),
  /** The environments a push walks through, in order. */
  environments: z.array(z.string().min(1)).min(1, 'must name at least one environment'),
  /** How long a required check may stay pending (or not yet created) before the build is rejected. */
  buildTimeout: duration.default(3600),
  /** A hotfix route: its pushes are not held by its environments' freezes (their windows still hold). */
  passFreezes: z.boolean().optional(),
});

const Checks = z
  .strictObject({
    /** Only check runs created by this GitHub App count (a same-named run from another app is ignored). */
    appId: wholeNumber().min(1).default(GITHUB_ACTIONS_APP_ID),
    /** Conclusions other than success that pass a required check; by default none do. */
    allowConclusions: z.array(z.enum(['neutral', 'skipped'])).default([]),
  })
  .default({ appId: GITHUB_ACTIONS_APP_ID, allowConclusions: [] });

/** The config's fields, for a config file that adds sections of its own (the embedded runtime's). */
export const sluiceConfigShape = {
  repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be owner/name'),
  service: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lower-case letters, digits and dashes'),
  /** Branch name globs walking every environment in order; `routes` overrides it where given. */
  releaseBranches: z.array(z.string().min(1)).min(1, 'must name at least one branch pattern').optional(),
  /** Which branches enter which environments; the first route whose branches match a push wins. */
  routes: z.array(Route).min(1, 'must have at least one route').optional(),
  /**
   * The image tag (and version) a commit is released as: `${sha}` (the default) is the full
   * commit SHA, `${sha:N}` its first N characters (7–40), with any fixed text around it.
   */
  imageTag: z
    .string()
    .regex(
      IMAGE_TAG_TEMPLATE,
      'must contain ${sha} or ${sha:N} (N from 7 to 40), and otherwise letters, digits, _ . -',
    )
    .refine(
      (t) => t.replace(/\$\{sha(:\d+)?\}/g, 'x'.repeat(40)).length <= 128,
      'must render to at most 128 characters',
    )
    .default('${sha}'),
  /** GitHub check runs that must have succeeded on the pushed commit. */
  requiredChecks: z.array(z.string().min(1)).default([]),
  /** Release threads go to this Slack channel; an environment with a Slack approval uses the approval's channel. */
  slack: z.strictObject({ channel: z.string().min(1) }).optional(),
  /** Which check runs count: the app that created them, and the conclusions that pass. */
  checks: Checks,
  /** In promotion order: a push releases to the first; later ones follow it. */
  environments: z.array(Environment).min(1, 'must have at least one environment'),
};

/** Which environment watches each alarm (an alarm event must name one environment). */
export function alarmOwners(config: unknown): Map<string, string> {
  const owners = new Map<string, string>();
  const environments = fieldOf(config, 'environments');
  for (const env of Array.isArray(environments) ? environments : []) {
    const name = fieldOf(env, 'name');
    const alarms = fieldOf(env, 'alarms');
    if (typeof name !== 'string' || !Array.isArray(alarms)) continue;
    for (const alarm of alarms) if (typeof alarm === 'string' && !owners.has(alarm)) owners.set(alarm, name);
  }
  return owners;
}

/**
 * The checks across environments. Runs even when a field failed to parse (see `whenObject`), so
 * every field is read defensively.
 */
/**
 * Two environments that shift the same forward action (one listener's default action, or one
 * rule) overwrite each other's weights: ELBv2 has no conditional write, so neither could tell.
 * Environments that share a listener each name their own rule (`ruleArn`).
 */
function checkSharedListeners(environments: unknown[], ctx: z.RefinementCtx): void {
  const shifted = new Map<string, string>();
  environments.forEach((env, i) => {
    const name = fieldOf(env, 'name');
    const listenerArn = fieldOf(env, 'listenerArn');
    const ruleArn = fieldOf(env, 'ruleArn');
    if (typeof listenerArn !== 'string') return;
    const [key, path, what] =
      typeof ruleArn === 'string'
        ? [`rule ${ruleArn}`, ['ruleArn'], 'rule']
        : [`listener ${listenerArn}`, ['listenerArn'], "listener's default action"];
    const owner = shifted.get(key);
    if (owner !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['environments', i, ...path],
        message: `environment ${owner} already shifts this ${what}; environments that share a listener each need their own ruleArn`,
      });
      return;
    }
    shifted.set(key, typeof name === 'string' ? name : `environments[${i}]`);
  });
}

/** ARN: arn:partition:service:region:account:resource. */
const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):./;

/** Every ARN an environment names, at its path: the ones it must hold in its account and region. */
export function environmentArns(env: unknown): { path: (string | number)[]; arn: string }[] {
  const groups = fieldOf(env, 'targetGroups');
  const deploy = fieldOf(env, 'deploy');
  const services = fieldOf(deploy, 'services');
  const candidates: [(string | number)[], unknown][] = [
    [['listenerArn'], fieldOf(env, 'listenerArn')],
    [['ruleArn'], fieldOf(env, 'ruleArn')],
    [['targetGroups', 'blue'], fieldOf(groups, 'blue')],
    [['targetGroups', 'green'], fieldOf(groups, 'green')],
    [['deploy', 'cluster'], fieldOf(deploy, 'cluster')],
    [['deploy', 'services', 'blue'], fieldOf(services, 'blue')],
    [['deploy', 'services', 'green'], fieldOf(services, 'green')],
    [['artifact', 'repository'], fieldOf(fieldOf(env, 'artifact'), 'repository')],
    [['account', 'role'], fieldOf(fieldOf(env, 'account'), 'role')],
  ];
  const lists: [string[], unknown][] = [
    [['alarms'], fieldOf(env, 'alarms')],
    [['deploy', 'passRoles'], fieldOf(deploy, 'passRoles')],
  ];
  for (const [path, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (const [i, value] of list.entries()) candidates.push([[...path, i], value]);
  }
  // Names (an alarm's, a cluster's, a repository's) are in the environment's account by construction.
  return candidates.flatMap(([path, value]) =>
    typeof value === 'string' && ARN.test(value) ? [{ path, arn: value }] : [],
  );
}

/**
 * Where each environment's ARNs must be. An environment without `account` is reached with the
 * stack's own credentials, so all of those share one account and region (the stack's). One with
 * `account` is reached through a role in `account.id`: every ARN must name that account, and
 * `account.region` (else the stack's region, which the others share). IAM ARNs have no region.
 */
function checkAccounts(environments: unknown[], ctx: z.RefinementCtx): void {
  let homeAccount: { account: string; at: string } | undefined;
  let homeRegion: { region: string; at: string } | undefined;
  environments.forEach((env, i) => {
    const account = fieldOf(env, 'account');
    const id = fieldOf(account, 'id');
    const region = fieldOf(account, 'region');
    const inAccount = account !== undefined;
    for (const { path, arn } of environmentArns(env)) {
      const [, , arnRegion = '', arnAccount = ''] = ARN.exec(arn) ?? [];
      const at = formatPath(['environments', i, ...path]);
      const problems: string[] = [];
      if (inAccount) {
        if (typeof id === 'string' && arnAccount !== id) {
          problems.push(`is in account ${arnAccount}, not in this environment's account ${id} (account.id)`);
        }
      } else if (!homeAccount) homeAccount = { account: arnAccount, at };
      else if (arnAccount !== homeAccount.account) {
        problems.push(
          `is in account ${arnAccount}, but ${homeAccount.at} is in ${homeAccount.account}: environments without \`account\` are all in the stack's account; give this one an \`account\``,
        );
      }
      if (arnRegion !== '') {
        if (inAccount && typeof region === 'string') {
          if (arnRegion !== region) {
            problems.push(
              `is in region ${arnRegion}, not in this environment's region ${region} (account.region)`,
            );
          }
        } else if (!homeRegion) homeRegion = { region: arnRegion, at };
        else if (arnRegion !== homeRegion.region) {
          problems.push(
            `is in region ${arnRegion}, but ${homeRegion.at} is in ${homeRegion.region}: an environment in another region than the stack's names it in \`account.region\``,
          );
        }
      }
      for (const message of problems)
        ctx.addIssue({ code: 'custom', path: ['environments', i, ...path], message });
    }
  });
}

export function checkSluiceConfig(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const environments: unknown[] = Array.isArray(config.environments) ? config.environments : [];
  const owners = new Map<string, string>();
  environments.forEach((env, i) => {
    const name = fieldOf(env, 'name');
    const alarms = fieldOf(env, 'alarms');
    if (typeof name !== 'string' || !Array.isArray(alarms)) return;
    alarms.forEach((alarm: unknown, j) => {
      if (typeof alarm !== 'string') return;
      const owner = owners.get(alarm);
      if (owner && owner !== name) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', i, 'alarms', j],
          message: `alarm "${alarm}" is already watched by environment ${owner}; an alarm event must name one environment`,
        });
      }
      owners.set(alarm, name);
    });
  });
  checkAccounts(environments, ctx);
  checkSharedListeners(environments, ctx);
  const seen = new Set<string>();
  environments.forEach((env, i) => {
    const name = fieldOf(env, 'name');
    if (typeof name !== 'string') return;
    if (seen.has(name)) {
      ctx.addIssue({ code: 'custom', path: ['environments', i, 'name'], message: `duplicate "${name}"` });
    }
    seen.add(name);
  });
  const routes: unknown[] = Array.isArray(config.routes) ? config.routes : [];
  // VerifyBuild may wait up to the longest buildTimeout of the routes that enter an environment.
  environments.forEach((env, i) => {
    const name = fieldOf(env, 'name');
    const timeouts = routes
      .filter((r) => {
        const names = fieldOf(r, 'environments');
        return Array.isArray(names) && names.includes(name);
      })
      .map((r) => seconds(fieldOf(r, 'buildTimeout')) ?? BUILD_WAIT_SECONDS);
    const tooLong = worstCaseProblem(
      env,
      Math.max(BUILD_WAIT_SECONDS * (routes.length === 0 ? 1 : 0), ...timeouts),
    );
    if (tooLong) ctx.addIssue({ code: 'custom', path: ['environments', i], message: tooLong });
  });
  // Without routes, releaseBranches walk every environment in order with the default build wait.
  const walks: { path: (string | number)[]; route: unknown }[] = Array.isArray(config.routes)
    ? routes.map((route, i) => ({ path: ['routes', i], route }))
    : Array.isArray(config.releaseBranches)
      ? [
          {
            path: ['releaseBranches'],
            route: {
              branches: config.releaseBranches,
              environments: environments.map((env) => fieldOf(env, 'name')),
            },
          },
        ]
      : [];
  for (const { path, route } of walks) {
    const names = fieldOf(route, 'environments');
    if (!Array.isArray(names)) continue;
    const buildSeconds = seconds(fieldOf(route, 'buildTimeout')) ?? BUILD_WAIT_SECONDS;
    const tooLong = routeProblem(names, environments, buildSeconds, fieldOf(route, 'branches'));
    if (tooLong) ctx.addIssue({ code: 'custom', path, message: tooLong });
  }
  if (config.routes === undefined && config.releaseBranches === undefined) {
    ctx.addIssue({ code: 'custom', path: ['routes'], message: 'name releaseBranches or routes' });
  }
  routes.forEach((route, i) => {
    const names = fieldOf(route, 'environments');
    if (!Array.isArray(names)) return;
    const inRoute = new Set<unknown>();
    names.forEach((name: unknown, j) => {
      if (typeof name === 'string' && !seen.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'environments', j],
          message: `no environment named "${name}"`,
        });
      }
      if (inRoute.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['routes', i, 'environments', j], message: `"${name}" twice` });
      }
      inRoute.add(name);
    });
  });
}

// Routes live in their own module, free of zod, so the Lambdas that plan a push (the webhook)
// do not bundle the schema; config.ts re-exports them for everything else.
export { type Route, routesOf } from './routes.js';

export const SluiceConfigSchema = z
  .strictObject(sluiceConfigShape)
  .superRefine(checkSluiceConfig, { when: whenObject });

export type SluiceConfig = z.output<typeof SluiceConfigSchema>;
export type EnvironmentConfig = SluiceConfig['environments'][number];

/** One problem in a config, with the path a person can find it at. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A config that failed validation: the message lists every problem, one a line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: ConfigProblem[],
    source = 'config',
  ) {
    super(
      `${source} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  ${p.path || '(root)'}: ${p.message}`)
        .join('\n')}`,
    );
  }
}

/** environments[1].steps[0].weight */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** Validates a parsed config document; throws ConfigError listing every problem. */
export function parseConfig(document: unknown, source?: string): SluiceConfig {
  return parseWith(SluiceConfigSchema, document, source);
}

/** Validates a document against a schema; throws ConfigError listing every problem with its path. */
export function parseWith<T extends z.ZodType>(schema: T, document: unknown, source?: string): z.output<T> {
  const result = schema.safeParse(document);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
    source,
  );
}

/**
 * The config as the Lambdas receive it (sluice-config.json in each function's bundle): its own
 * fields only, as JSON, so a config file's other sections (the embedded runtime's) never reach AWS.
 */
export function configJson(config: SluiceConfig): string {
  return JSON.stringify(
    Object.fromEntries(Object.keys(sluiceConfigShape).map((key) => [key, config[key as keyof SluiceConfig]])),
  );
}

/** A short digest of configJson: the stack publishes it, and `--stack` commands compare it with their file. */
export function configDigest(config: SluiceConfig): string {
  return createHash('sha256').update(configJson(config)).digest('hex').slice(0, 16);
}
