import { awsAlarms } from '../shared/aws/cloudwatch-alarm-source.js';
import { awsReleases } from '../shared/aws/dynamodb-release-store.js';
import { systemClock } from '../shared/ports/index.js';
import { createCheckAlarmsHandler } from './check-alarms.js';

export const handler = createCheckAlarmsHandler({
  alarms: awsAlarms,
  releases: awsReleases,
  now: systemClock,
});
