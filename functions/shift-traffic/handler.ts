import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { systemClock } from '../shared/ports/index.js';
import { createShiftTrafficHandler } from './shift-traffic.js';

export const handler = createShiftTrafficHandler({
  trafficRouter: awsTrafficRouter,
  releases: awsReleases,
  now: systemClock,
});
