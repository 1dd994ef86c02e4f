import { accessScope } from '../shared/domain/accounts.js';
import { judgeImage } from '../shared/domain/artifacts.js';
import { ArtifactNotVerifiedError, ListenerStateError, ScanPendingError } from '../shared/domain/errors.js';
import type { ReleaseInput, Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & { targets: Targets };

/** The ports Deploy uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type DeployPorts = Pick<Ports, 'trafficReader' | 'deployer' | 'releases' | 'artifacts'>;

/**
 * Puts the pushed version on the idle target group, after proving from the listener that it is
 * idle and, where the environment names its image repository, that the image exists and its scan
 * findings stay below the environment's `scan.failOn`.
 */
export const createDeployHandler = (ports: DeployPorts) =>
  lambdaHandler<Input, { deployed: string }, DeployPorts>('Deploy', ports, async (input, p) => {
    const { release, environment, targets } = input;
    const scope = accessScope(environment.name, release.id);
    const weights = await p.trafficReader(environment, scope).readWeights();
    if ((weights[targets.idle] ?? 0) !== 0) {
      throw new ListenerStateError(
        `target group ${targets.idle} serves ${weights[targets.idle]}% of traffic; refusing to deploy onto it`,
      );
    }
    const { artifact } = environment;
    if (artifact && environment.deploy.provider === 'ecs') {
      const image = `${artifact.repository}:${release.version}`;
      const report = await p
        .artifacts(scope)
        .describe(artifact.repository, release.version, !!artifact.failOn);
      const verdict = judgeImage(image, report, artifact.failOn);
      if (verdict.kind === 'wait') throw new ScanPendingError(`${verdict.reason}; nothing was deployed yet`);
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
    const result = await p.deployer(environment.deploy.provider, scope).deploy({
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
  });
