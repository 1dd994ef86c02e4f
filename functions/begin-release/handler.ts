import { awsPushes } from '../shared/aws/dynamodb-push-log.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { systemClock } from '../shared/ports/index.js';
import { createBeginReleaseHandler } from './begin-release.js';

export const handler = createBeginReleaseHandler({
  trafficRouter: awsTrafficRouter,
  releases: awsReleases,
  pushes: awsPushes,
  orchestrator: awsOrchestrator,
  now: systemClock,
});
