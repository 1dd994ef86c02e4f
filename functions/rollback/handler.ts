import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { systemClock } from '../shared/ports/index.js';
import { createRollbackHandler } from './rollback.js';

export const handler = createRollbackHandler({
  trafficRouter: awsTrafficRouter,
  releases: awsReleases,
  now: systemClock,
});
