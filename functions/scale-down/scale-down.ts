import { accessScope } from '../shared/domain/accounts.js';
import { ListenerStateError, ReleaseStoppedError } from '../shared/domain/errors.js';
import type { HistoryEvent, ReleaseInput, Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & { targets: Targets };

export type ScaleDownPorts = Pick<Ports, 'trafficReader' | 'serviceScaler' | 'releases'>;

/**
 * Sizes the previous version's service to `deploy.previousDesiredCount` once the release stands.
 * The previous version runs on the group that was live when the release began. This runs after
 * the release is recorded succeeded and has freed the environment, so no alarm or abort can roll
 * traffic back onto the service it shrinks. It proves from the listener that the group serves
 * nothing, and leaves the service alone while a newer release holds the environment (that
 * release deploys onto it). A failure is recorded before it is rethrown; the release stands.
 */
export const createScaleDownHandler = (ports: ScaleDownPorts) =>
  lambdaHandler<Input, { scaledDown: string }, ScaleDownPorts>('ScaleDown', ports, async (input, p) => ({
    scaledDown: await scaleDownPrevious(input, p),
  }));

async function scaleDownPrevious(
  { release, environment, targets, executionName }: Input,
  p: ScaleDownPorts,
): Promise<string> {
  const { deploy } = environment;
  if (deploy.provider !== 'ecs' || deploy.previousDesiredCount === undefined) return 'nothing to scale down';
  const desiredCount = deploy.previousDesiredCount;
  const previous = targets.live;
  const side = previous === environment.targetGroups.blue ? 'blue' : 'green';
  const record = (event: HistoryEvent, detail: string) =>
    p.releases().update(release.id, environment.name, {}, { event, detail });
  // Only this execution's release, recorded succeeded: one that was stopped from outside
  // (superseded, aborted) must not resize a service the next release may deploy onto.
  const current = await p.releases().get(release.id, environment.name);
  if (current?.executionName !== executionName || current.status !== 'succeeded') {
    throw new ReleaseStoppedError(
      `release ${release.id} in ${environment.name} is ${current?.status ?? 'not recorded'} (execution ${current?.executionName ?? 'none'}); not scaling down`,
    );
  }
  const holder = await p.releases().lockHolder(environment.name);
  if (holder) {
    const detail = `release ${holder.releaseId} holds ${environment.name} and deploys onto ${side}; left as it is`;
    await record('scale_down_skipped', detail);
    return detail;
  }
  let detail: string;
  try {
    const scope = accessScope(environment.name, release.id);
    const weights = await p.trafficReader(environment, scope).readWeights();
    if ((weights[previous] ?? 0) !== 0) {
      throw new ListenerStateError(
        `target group ${previous} serves ${weights[previous]}% of traffic; refusing to scale down the service behind it`,
      );
    }
    const resized = await p.serviceScaler(deploy.provider, scope).resize({
      environment: environment.name,
      deploy,
      targetGroupArn: previous,
      side,
      desiredCount,
    });
    detail = resized
      ? `service ${resized.service}: ${resized.from} → ${resized.to} tasks`
      : 'nothing to scale down';
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    await record('scale_down_failed', `${side}: ${why}; the release stands`).catch(() => undefined);
    throw error;
  }
  await record('scaled_down', detail);
  return detail;
}
