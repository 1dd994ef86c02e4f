import { awsMetrics } from '../shared/aws/cloudwatch-metrics.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { systemClock } from '../shared/ports/index.js';
import { createAnalyzeCanaryHandler } from './analyze-canary.js';

export const handler = createAnalyzeCanaryHandler({
  metrics: awsMetrics,
  releases: awsReleases,
  now: systemClock,
});
