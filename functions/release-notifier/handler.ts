import { awsConfig } from '../shared/aws/config-port.js';
import { awsApprovals, awsThreads } from '../shared/aws/dynamodb-approval-store.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsDeployments } from '../shared/aws/github-deployments.js';
import { awsNotifier } from '../shared/aws/slack-notifier.js';
import { createReleaseNotifierHandler } from './release-notifier.js';

export const handler = createReleaseNotifierHandler({
  config: awsConfig,
  releases: awsReleases,
  approvals: awsApprovals,
  threads: awsThreads,
  notifier: awsNotifier,
  deployments: awsDeployments,
});
