import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { awsBuildVerifier } from '../shared/aws/github-build-verifier.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { systemClock } from '../shared/ports/index.js';
import { createVerifyBuildHandler } from './verify-build.js';

export const handler = createVerifyBuildHandler({
  buildVerifier: awsBuildVerifier,
  orchestrator: awsOrchestrator,
  releases: awsReleases,
  now: systemClock,
});
