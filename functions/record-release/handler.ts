import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { systemClock } from '../shared/ports/index.js';
import { createRecordReleaseHandler } from './record-release.js';

export const handler = createRecordReleaseHandler({ releases: awsReleases, now: systemClock });
