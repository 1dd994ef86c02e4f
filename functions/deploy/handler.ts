import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsDeployer } from '../shared/aws/ecs-deployer.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { ListenerStateError } from '../shared/domain/errors.js';
import type { ReleaseInput, Targets } from '../shared/domain/release.js';
import { taskHandler } from '../shared/handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & { targets: Targets };

/** The ports Deploy uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type DeployPorts = Pick<Ports, 'trafficReader' | 'deployer' | 'releases'>;

/** Puts the pushed version on the idle target group, after proving from the listener that it is idle. */
export const createDeployHandler = (ports: DeployPorts) =>
  taskHandler<Input, { deployed: string }, DeployPorts>(
    'Deploy',
    ports,
    async ({ release, environment, targets }, p) => {
      const weights = await p.trafficReader(environment).readWeights();
      if ((weights[targets.idle] ?? 0) !== 0) {
        throw new ListenerStateError(
          `target group ${targets.idle} serves ${weights[targets.idle]}% of traffic; refusing to deploy onto it`,
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

export const handler = createDeployHandler({
  trafficReader: awsTrafficRouter,
  deployer: awsDeployer,
  releases: awsReleases,
});
