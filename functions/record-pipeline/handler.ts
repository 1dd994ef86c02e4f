import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsCheckReporter } from '../shared/aws/github-build-verifier.js';
import { systemClock } from '../shared/ports/index.js';
import { createRecordPipelineHandler } from './record-pipeline.js';

export const handler = createRecordPipelineHandler({
  releases: awsReleases,
  checkReporter: awsCheckReporter,
  now: systemClock,
});
