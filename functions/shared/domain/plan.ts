import picomatch from 'picomatch';
import type { EnvironmentConfig, SluiceConfig } from './config.js';
import { executionName } from './execution-name.js';
import { renderImageTag } from './limits.js';
import type { EnvironmentInput, ReleaseInput, ReleaseRef, StepInput } from './release.js';

/** The fields of GitHub's push event that a plan reads. */
export interface PushEvent {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: { full_name: string };
  pusher?: { name?: string | null } | null;
  sender?: { login?: string } | null;
  head_commit?: {
    message?: string;
    url?: string;
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
}

export interface ReleasePlan {
  kind: 'release';
  release: ReleaseRef;
  environments: EnvironmentPlan[];
  expectedSeconds: number;
  worstCaseDetectionSeconds: number;
}

export interface Ignored {
  kind: 'ignored';
  reason: string;
}

const SHA = /^[0-9a-f]{40}$/;
const ZERO_SHA = /^0{40}$/;

/** Maps one environment's config to the state machine's input for it. */
export function environmentInput(config: SluiceConfig, env: EnvironmentConfig): EnvironmentInput {
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
          }
        : { provider: 'external' },
    alarms: env.alarms,
    requiredChecks: config.requiredChecks,
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
): ReleasePlan | Ignored {
  if (event.repository?.full_name?.toLowerCase() !== config.repository.toLowerCase()) {
    return {
      kind: 'ignored',
      reason: `push to ${event.repository?.full_name ?? 'an unknown repository'}, not ${config.repository}`,
    };
  }
  if (!event.ref?.startsWith('refs/heads/')) {
    return { kind: 'ignored', reason: `${event.ref} is not a branch (tag pushes are not releases)` };
  }
  const branch = event.ref.slice('refs/heads/'.length);
  if (event.deleted || ZERO_SHA.test(event.after)) {
    return { kind: 'ignored', reason: `branch ${branch} was deleted` };
  }
  if (!SHA.test(event.after)) {
    return { kind: 'ignored', reason: `pushed commit "${event.after}" is not a SHA` };
  }
  const isRelease = picomatch(config.releaseBranches);
  if (!isRelease(branch)) {
    return {
      kind: 'ignored',
      reason: `branch ${branch} matches no release branch pattern (${config.releaseBranches.join(', ')})`,
    };
  }

  const release: ReleaseRef = {
    id: releaseId(config.service, event.after),
    repository: config.repository,
    service: config.service,
    branch,
    sha: event.after,
    version: renderImageTag(config.imageTag, event.after),
    pusher: event.pusher?.name ?? event.sender?.login ?? 'unknown',
    ...(deliveryId ? { deliveryId } : {}),
    ...(event.head_commit?.message
      ? {
          commit: {
            // The first line only: the approval message shows it, and the execution input stays small.
            message: event.head_commit.message.split('\n')[0]!.slice(0, 200),
            author: event.head_commit.author?.username ?? event.head_commit.author?.name ?? 'unknown',
            url: event.head_commit.url ?? `https://github.com/${config.repository}/commit/${event.after}`,
          },
        }
      : {}),
  };

  const environments = config.environments.map((env, i): EnvironmentPlan => {
    const steps: StepInput[] = env.steps.map((step, index) => ({
      index,
      weight: step.weight,
      bakeSeconds: step.bake,
    }));
    const name = executionName(env.name, config.repository, event.after);
    const bakes = steps.reduce((sum, step) => sum + step.bakeSeconds, 0);
    return {
      name: env.name,
      startsOn: i === 0 ? 'push' : 'promotion',
      executionName: name,
      input: { release, environment: environmentInput(config, env), steps, executionName: name },
      expectedSeconds: bakes + env.watch,
      worstCaseDetectionSeconds: Math.max(env.watch, ...steps.map((s) => s.bakeSeconds)),
    };
  });

  return {
    kind: 'release',
    release,
    environments,
    expectedSeconds: environments.reduce((sum, env) => sum + env.expectedSeconds, 0),
    worstCaseDetectionSeconds: Math.max(...environments.map((env) => env.worstCaseDetectionSeconds)),
  };
}
