import { awsConfig } from '../shared/aws/config-port.js';
import { awsPushes } from '../shared/aws/dynamodb-push-log.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsSecrets } from '../shared/aws/secrets-manager.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { systemClock } from '../shared/ports/index.js';
import { createGithubWebhookHandler } from './github-webhook.js';

export const handler = createGithubWebhookHandler({
  config: awsConfig,
  secrets: awsSecrets,
  orchestrator: awsOrchestrator,
  releases: awsReleases,
  pushes: awsPushes,
  now: systemClock,
});
