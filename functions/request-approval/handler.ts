import { awsConfig } from '../shared/aws/config-port.js';
import { awsApprovals, awsThreads } from '../shared/aws/dynamodb-approval-store.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsNotifier } from '../shared/aws/slack-notifier.js';
import { systemClock } from '../shared/ports/index.js';
import { createRequestApprovalHandler } from './request-approval.js';

export const handler = createRequestApprovalHandler({
  config: awsConfig,
  approvals: awsApprovals,
  releases: awsReleases,
  threads: awsThreads,
  notifier: awsNotifier,
  now: systemClock,
});
