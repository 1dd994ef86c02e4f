import type { ReleaseInput } from './release.js';

/**
 * Why a release may not begin on a listener whose forward action has target group stickiness of
 * `durationSeconds` (undefined when off), or undefined when it may. Stickiness takes precedence
 * over weights (AWS re:Post, "ALB to automatically redirect traffic": clients pinned to a group
 * keep reaching it, with 503s once it has no healthy target, until the stickiness expires), and
 * ScaleDownPrevious resizes the previous version's service right after the watch: a cookie that
 * outlives the watch pins its client to a service that may have been scaled away.
 */
export function stickinessProblem(
  environment: Pick<ReleaseInput['environment'], 'name' | 'watchSeconds' | 'deploy'>,
  durationSeconds: number | undefined,
): string | undefined {
  const { deploy } = environment;
  if (durationSeconds === undefined || deploy.provider !== 'ecs') return undefined;
  if (deploy.previousDesiredCount === undefined || durationSeconds <= environment.watchSeconds)
    return undefined;
  return (
    `the listener's target group stickiness lasts ${durationSeconds}s, longer than ${environment.name}'s watch ` +
    `(${environment.watchSeconds}s), and deploy.previousDesiredCount scales the previous version to ` +
    `${deploy.previousDesiredCount} right after it: clients still pinned to it would get 503s. Shorten the ` +
    'stickiness to at most the watch, lengthen the watch, or unset previousDesiredCount'
  );
}
