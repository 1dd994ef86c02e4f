import { awsConfig } from '../shared/aws/config-port.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsCheckReporter } from '../shared/aws/github-build-verifier.js';
import { awsNotifier } from '../shared/aws/slack-notifier.js';
import { systemClock } from '../shared/ports/index.js';
import { createAwaitWindowHandler } from './await-window.js';

export const handler = createAwaitWindowHandler({
  config: awsConfig,
  releases: awsReleases,
  checkReporter: awsCheckReporter,
  notifier: awsNotifier,
  now: systemClock,
});
