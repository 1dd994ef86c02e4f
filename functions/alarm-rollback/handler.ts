import { awsConfig } from '../shared/aws/config-port.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { systemClock } from '../shared/ports/index.js';
import { createAlarmRollbackHandler } from './alarm-rollback.js';

export const handler = createAlarmRollbackHandler({
  config: awsConfig,
  trafficRouter: awsTrafficRouter,
  releases: awsReleases,
  orchestrator: awsOrchestrator,
  now: systemClock,
});
