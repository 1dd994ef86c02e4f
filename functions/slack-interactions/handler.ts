import { awsConfig } from '../shared/aws/config-port.js';
import { awsApprovals } from '../shared/aws/dynamodb-approval-store.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsTrafficRouter } from '../shared/aws/elbv2-traffic-router.js';
import { awsDeferral } from '../shared/aws/lambda-deferral.js';
import { awsSecrets } from '../shared/aws/secrets-manager.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { awsNotifier } from '../shared/aws/slack-notifier.js';
import { systemClock } from '../shared/ports/index.js';
import { createSlackInteractionsHandler } from './slack-interactions.js';

export const handler = createSlackInteractionsHandler({
  config: awsConfig,
  secrets: awsSecrets,
  approvals: awsApprovals,
  releases: awsReleases,
  orchestrator: awsOrchestrator,
  trafficRouter: awsTrafficRouter,
  notifier: awsNotifier,
  deferral: awsDeferral,
  now: systemClock,
});
