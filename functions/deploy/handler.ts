import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsArtifacts } from '../shared/aws/ecr-artifact-verifier.js';
import { awsDeployer } from '../shared/aws/ecs-deployer.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { createDeployHandler } from './deploy.js';

export const handler = createDeployHandler({
  trafficReader: awsTrafficRouter,
  deployer: awsDeployer,
  releases: awsReleases,
  artifacts: awsArtifacts,
});
