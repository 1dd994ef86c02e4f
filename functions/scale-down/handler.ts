import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsServiceScaler } from '../shared/aws/ecs-service-scaler.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { createScaleDownHandler } from './scale-down.js';

export const handler = createScaleDownHandler({
  trafficReader: awsTrafficRouter,
  serviceScaler: awsServiceScaler,
  releases: awsReleases,
});
