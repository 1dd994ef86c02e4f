import type { AnalysisSettings, Comparison } from './analysis.js';
import type { EnvironmentConfig, SluiceConfig } from './config.js';
import { environmentNamed } from './environments.js';
import { attemptName, executionName, routeTag } from './execution-name.js';
import { matchesAny } from './glob.js';
import { renderImageTag } from './limits.js';
import type { EnvironmentInput, PipelineInput, ReleaseInput, ReleaseRef, StepInput } from './release.js';
import { type Route, routesOf } from './routes.js';

/** The fields of GitHub's push event that a plan reads. */
export interface PushEvent {
  ref: string;
  after: string;
  /** The commit the branch pointed at before the push (all zeros when the push created it). */
  before?: string;
  deleted?: boolean;
  /** `pushed_at` is Unix seconds in push events (an ISO string in other events). */
  repository: { full_name: string; pushed_at?: number | string | null };
  pusher?: { name?: string | null } | null;
  sender?: { login?: string } | null;
  head_commit?: {
    message?: string;
    url?: string;
    /** ISO 8601 with the committer's offset, e.g. 2013-07-06T03:05:29-07:00. */
    timestamp?: string;
    author?: { name?: string; username?: string } | null;
  } | null;
}

export interface EnvironmentPlan {
  name: string;
  /** The first environment starts on the push; later ones on promotion. */
  startsOn: 'push' | 'promotion';
  executionName: string;
  input: ReleaseInput;
  /** Bakes plus the post-release watch, excluding the deploy itself. */
  expectedSeconds: number;
  /** Longest a bad version can take traffic before a bake's alarm check at the latest catches it. */
  worstCaseDetectionSeconds: number;
  /** After it succeeded, how long the pipeline waits before the next environment. */
  soakSeconds: number;
}

export interface ReleasePlan {
  kind: 'release';
  release: ReleaseRef;
  route: Route;
  /** The route's environments, in the order the pipeline walks them. */
  environments: EnvironmentPlan[];
  /** Every environment's bakes and watch, plus the soaks between them (deploys excluded). */
  expectedSeconds: number;
  worstCaseDetectionSeconds: number;
  /** The one execution the push starts: the pipeline, which runs each environment's release in turn. */
  pipeline: { executionName: string; input: PipelineInput };
}

export interface Ignored {
  kind: 'ignored';
  reason: string;
}

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = /^0{40}$/;

/** The push's time in Unix seconds, when the payload carries one. */
function pushedAtOf(event: PushEvent): { pushedAt?: number } {
  const at = event.repository.pushed_at;
  const seconds = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) / 1000 : Number.NaN;
  return Number.isFinite(seconds) ? { pushedAt: Math.floor(seconds) } : {};
}

/** Maps one environment's config to the state machine's input for it. */
export function environmentInput(
  config: SluiceConfig,
  env: EnvironmentConfig,
  buildTimeoutSeconds = 3600,
): EnvironmentInput {
  return {
    name: env.name,
    listenerArn: env.listenerArn,
    ...(env.ruleArn ? { ruleArn: env.ruleArn } : {}),
    targetGroups: env.targetGroups,
    deploy:
      env.deploy.provider === 'ecs'
        ? {
            provider: 'ecs',
            cluster: env.deploy.cluster,
            services: env.deploy.services,
            ...(env.deploy.container ? { container: env.deploy.container } : {}),
            timeoutSeconds: env.deploy.timeout,
            ...(env.deploy.previousDesiredCount !== undefined
              ? { previousDesiredCount: env.deploy.previousDesiredCount }
              : {}),
          }
        : { provider: 'external' },
    alarms: env.alarms,
    requiredChecks: config.requiredChecks,
    checks: {
      appId: config.checks.appId,
      allowConclusions: config.checks.allowConclusions,
      buildTimeoutSeconds,
    },
    ...(env.artifact
      ? {
          artifact: {
            repository: env.artifact.repository,
            ...(env.artifact.scan ? { failOn: env.artifact.scan.failOn } : {}),
          },
        }
      : {}),
    minHealthyTargets: env.minHealthyTargets,
    approval:
      env.approval.type === 'slack'
        ? { type: 'slack', timeoutSeconds: env.approval.timeout }
        : { type: 'none' },
    watchSeconds: env.watch,
    insufficientData: {
      policy: env.insufficientData.policy,
      maxExtensionSeconds: env.insufficientData.maxExtension,
    },
    concurrency: env.concurrency,
    otherBranches: env.otherBranches,
    ...(env.analysis ? { analysis: analysisSettings(env.analysis) } : {}),
    alarmsAtStart: env.alarmsAtStart,
  };
}

/** A release's identity: the same service and commit is the same release, however it arrived. */
export function releaseId(service: string, sha: string): string {
  return `${service}-${sha.slice(0, 12)}`;
}

/**
 * Decides what a push means: a release plan, or "ignored" with the reason. Pure: the same config
 * and event always give the same plan, which is what makes redelivery a no-op.
 */
export function planRelease(
  config: SluiceConfig,
  event: PushEvent,
  deliveryId?: string,
  attempt = 1,
): ReleasePlan | Ignored {
  const target = pushTarget(config, event);
  if (target.kind === 'ignored') return target;
  const { branch, route } = target;
  const release = releaseRefOf(config, event, branch, deliveryId, attempt);
  // The route is part of every name: the same commit pushed to a branch of another route is
  // another pipeline, not a duplicate (StartExecution refuses a name used in the last 90 days).
  const names = { tag: routeTag(route), sha: event.after, attempt };
  const environments = route.environments.map((envName, i) =>
    environmentPlan(config, route, release, names, envName, i),
  );
  return {
    kind: 'release',
    release,
    route,
    environments,
    expectedSeconds: environments.reduce((sum, env) => sum + env.expectedSeconds + env.soakSeconds, 0),
    worstCaseDetectionSeconds: Math.max(...environments.map((env) => env.worstCaseDetectionSeconds)),
    pipeline: pipelinePlan(config, route, release, names, environments),
  };
}

/** The branch and route a push releases on, or why it releases nothing. */
function pushTarget(
  config: SluiceConfig,
  event: PushEvent,
): Ignored | { kind: 'target'; branch: string; route: Route } {
  const ignored = (reason: string): Ignored => ({ kind: 'ignored', reason });
  if (event.repository?.full_name?.toLowerCase() !== config.repository.toLowerCase()) {
    return ignored(
      `push to ${event.repository?.full_name ?? 'an unknown repository'}, not ${config.repository}`,
    );
  }
  if (!event.ref?.startsWith('refs/heads/')) {
    return ignored(`${event.ref} is not a branch (tag pushes are not releases)`);
  }
  const branch = event.ref.slice('refs/heads/'.length);
  if (event.deleted || ZERO_SHA.test(event.after)) return ignored(`branch ${branch} was deleted`);
  if (!SHA.test(event.after)) return ignored(`pushed commit "${event.after}" is not a SHA`);
  const routes = routesOf(config);
  const route = routes.find((r) => matchesAny(r.branches, branch));
  if (!route) {
    return ignored(`branch ${branch} matches no route (${routes.map((r) => r.name).join('; ')})`);
  }
  return { kind: 'target', branch, route };
}

/** What the push releases: the service at the pushed commit, who pushed it and the commit's first line. */
function releaseRefOf(
  config: SluiceConfig,
  event: PushEvent,
  branch: string,
  deliveryId: string | undefined,
  attempt: number,
): ReleaseRef {
  const commit = event.head_commit;
  return {
    id: releaseId(config.service, event.after),
    repository: config.repository,
    service: config.service,
    branch,
    sha: event.after,
    version: renderImageTag(config.imageTag, event.after),
    pusher: event.pusher?.name ?? event.sender?.login ?? 'unknown',
    ...(deliveryId ? { deliveryId } : {}),
    ...(event.before && SHA.test(event.before) ? { before: event.before } : {}),
    ...pushedAtOf(event),
    ...(commit?.message
      ? {
          commit: {
            // The first line only: the approval message shows it, and the execution input stays small.
            message: (commit.message.split('\n')[0] ?? '').slice(0, 200),
            author: commit.author?.username ?? commit.author?.name ?? 'unknown',
            url: commit.url ?? `https://github.com/${config.repository}/commit/${event.after}`,
            ...committedAtOf(commit.timestamp),
          },
        }
      : {}),
    attempt,
  };
}

/** The commit's timestamp in UTC, when the push carried a valid one (change lead time starts there). */
function committedAtOf(timestamp: string | undefined): { committedAt?: string } {
  const ms = timestamp ? Date.parse(timestamp) : Number.NaN;
  return Number.isNaN(ms) ? {} : { committedAt: new Date(ms).toISOString() };
}

/** What every execution name of one push's attempt is made of. */
interface NameParts {
  tag: string;
  sha: string;
  attempt: number;
}

/** One environment of the route: its execution, its input, and how long it takes when healthy. */
function environmentPlan(
  config: SluiceConfig,
  route: Route,
  release: ReleaseRef,
  { tag, sha, attempt }: NameParts,
  envName: string,
  position: number,
): EnvironmentPlan {
  const env = environmentNamed(config, envName);
  // checkSluiceConfig refuses a route naming an environment the config does not have.
  if (!env) throw new Error(`route ${route.name} names no configured environment ${envName}`);
  const steps: StepInput[] = env.steps.map((step, index) => ({
    index,
    weight: step.weight,
    bakeSeconds: step.bake,
  }));
  const name = attemptName(executionName(env.name, config.repository, sha, tag), attempt);
  const bakes = steps.reduce((sum, step) => sum + step.bakeSeconds, 0);
  const last = position === route.environments.length - 1;
  return {
    name: env.name,
    startsOn: position === 0 ? 'push' : 'promotion',
    executionName: name,
    input: {
      release,
      environment: environmentInput(config, env, route.buildTimeoutSeconds),
      steps,
      executionName: name,
    },
    expectedSeconds: bakes + env.watch,
    worstCaseDetectionSeconds: Math.max(env.watch, ...steps.map((s) => s.bakeSeconds)),
    // Nothing follows the last environment, so it has nothing to soak for.
    soakSeconds: last ? 0 : env.soak,
  };
}

/** The one execution the push starts: the pipeline, which runs each environment's release in turn. */
function pipelinePlan(
  config: SluiceConfig,
  route: Route,
  release: ReleaseRef,
  { tag, sha, attempt }: NameParts,
  environments: EnvironmentPlan[],
): ReleasePlan['pipeline'] {
  const pipelineName = attemptName(executionName('pipeline', config.repository, sha, tag), attempt);
  return {
    executionName: pipelineName,
    input: {
      pipeline: {
        executionName: pipelineName,
        route: { name: route.name, environments: route.environments },
        release,
      },
      stages: environments.map((env) => ({
        name: env.name,
        executionName: env.executionName,
        soak: env.soakSeconds > 0,
        soakSeconds: env.soakSeconds,
        input: env.input,
      })),
    },
  };
}

/** The config's `analysis` as the judge reads it. */
export function analysisSettings(analysis: NonNullable<EnvironmentConfig['analysis']>): AnalysisSettings {
  return {
    intervalSeconds: analysis.interval,
    confidence: analysis.confidence,
    minRequests: analysis.minRequests,
    inconclusive: analysis.inconclusive,
    comparisons: analysis.comparisons.map((c): Comparison => {
      switch (c.metric) {
        case 'errorRate':
          return { kind: 'errorRate', maxIncreasePoints: c.maxIncreasePoints };
        case 'latency':
          return { kind: 'latency', percentile: c.percentile, maxIncreasePercent: c.maxIncreasePercent };
        default:
          return {
            kind: 'metric',
            namespace: c.namespace,
            name: c.name,
            statistic: c.statistic,
            maxIncreasePercent: c.maxIncreasePercent,
          };
      }
    }),
  };
}
