import { judgeImage } from '../shared/domain/artifacts.js';
import {
  ArtifactNotVerifiedError,
  ListenerStateError,
  ReleaseStoppedError,
  ScanPendingError,
} from '../shared/domain/errors.js';
import type { HistoryEvent, ReleaseInput, Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets: Targets;
  /** `scale_down`: after the watch passed, size the previous version's service to `deploy.previousDesiredCount`. */
  phase?: 'deploy' | 'scale_down';
};

/** The ports Deploy uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type DeployPorts = Pick<Ports, 'trafficReader' | 'deployer' | 'releases' | 'artifacts'>;

/**
 * Puts the pushed version on the idle target group, after proving from the listener that it is
 * idle and, where the environment names its image repository, that the image exists and its scan
 * findings stay below the environment's `scan.failOn`.
 */
export const createDeployHandler = (ports: DeployPorts) =>
  lambdaHandler<Input, { deployed: string } | { scaledDown: string }, DeployPorts>(
    'Deploy',
    ports,
    async (input, p) => {
      if (input.phase === 'scale_down') return { scaledDown: await scaleDownPrevious(input, p) };
      const { release, environment, targets } = input;
      const weights = await p.trafficReader(environment).readWeights();
      if ((weights[targets.idle] ?? 0) !== 0) {
        throw new ListenerStateError(
          `target group ${targets.idle} serves ${weights[targets.idle]}% of traffic; refusing to deploy onto it`,
        );
      }
      const { artifact } = environment;
      if (artifact && environment.deploy.provider === 'ecs') {
        const image = `${artifact.repository}:${release.version}`;
        const report = await p.artifacts().describe(artifact.repository, release.version, !!artifact.failOn);
        const verdict = judgeImage(image, report, artifact.failOn);
        if (verdict.kind === 'wait')
          throw new ScanPendingError(`${verdict.reason}; nothing was deployed yet`);
        if (verdict.kind === 'refuse')
          throw new ArtifactNotVerifiedError(`${verdict.reason}; nothing was deployed`);
        await p
          .releases()
          .update(
            release.id,
            environment.name,
            {},
            { event: 'artifact_verified', detail: `${image} ${report.digest}` },
          );
      }
      const side = targets.idle === environment.targetGroups.blue ? 'blue' : 'green';
      const result = await p.deployer(environment.deploy.provider).deploy({
        environment: environment.name,
        deploy: environment.deploy,
        targetGroupArn: targets.idle,
        side,
        version: release.version,
      });
      await p
        .releases()
        .update(
          release.id,
          environment.name,
          {},
          { event: 'deployed', detail: `${result.deployed} on ${side}` },
        );
      return result;
    },
  );

/**
 * The previous version runs on the group that was live when the release began. Runs after the
 * release is recorded succeeded and has freed the environment, so no alarm or abort can roll
 * traffic back onto the service it shrinks; proves from the listener that the group serves
 * nothing, and leaves the service alone while a newer release holds the environment (that
 * release deploys onto it). A failure is recorded before it is rethrown; the release stands.
 */
async function scaleDownPrevious(
  { release, environment, targets, executionName }: Input,
  p: DeployPorts,
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
    const weights = await p.trafficReader(environment).readWeights();
    if ((weights[previous] ?? 0) !== 0) {
      throw new ListenerStateError(
        `target group ${previous} serves ${weights[previous]}% of traffic; refusing to scale down the service behind it`,
      );
    }
    const resized = await p.deployer(deploy.provider).resize({
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
