import { describeCaught, ReleaseStoppedError } from '../shared/domain/errors.js';
import { causeOf, newAttempt, newRecord } from '../shared/domain/records.js';
import { isTerminal, type ReleaseInput, type Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets?: Targets;
  event: 'promoted' | 'succeeded' | 'not_started';
  error?: { Error?: string; Cause?: string };
};

/** The ports RecordRelease uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type RecordReleasePorts = Pick<Ports, 'releases' | 'now'>;

/** Records the milestones that move no traffic: promotion, success, and a release that could not begin. */
export const createRecordReleaseHandler = (ports: RecordReleasePorts) =>
  lambdaHandler<Input, { error: string; cause: string }, RecordReleasePorts>(
    'RecordRelease',
    ports,
    async (input, p) => {
      const { release, environment } = input;
      const store = p.releases();
      const owner = { releaseId: release.id, executionName: input.executionName };
      const now = p.now().toISOString();

      if (input.event === 'not_started') {
        const { error, message } = describeCaught(input.error);
        const status =
          error === 'ReleaseLockedError'
            ? 'rejected'
            : error === 'ReleaseSupersededError'
              ? 'superseded'
              : 'failed';
        let record = await store.get(release.id, environment.name);
        if (!record) await store.create({ ...newRecord(input, p.now()), status });
        else if (record.executionName !== input.executionName) {
          // An earlier attempt's record: this attempt did not start, which its record must say.
          await store.update(release.id, environment.name, newAttempt(input, p.now()), { event: 'started' });
          record = undefined;
        }
        if (!isTerminal(record)) {
          await store.update(
            release.id,
            environment.name,
            { status, cause: causeOf(error, message), endedAt: now },
            { event: 'not_started', detail: message },
          );
        }
        await store.releaseLock(environment.name, owner);
        return { error, cause: `release ${release.id} did not start in ${environment.name}: ${message}` };
      }

      // A release stopped from outside (superseded, aborted, rolled back by its alarm) may still
      // have a Promote or Complete in flight or retrying: it must not write its record back to life.
      const current = await store.get(release.id, environment.name);
      if (isTerminal(current) && current?.executionName === input.executionName) {
        throw new ReleaseStoppedError(
          `release ${release.id} already ended ${current.status} in ${environment.name}; not recording ${input.event}`,
        );
      }

      if (input.event === 'promoted') {
        await store.update(
          release.id,
          environment.name,
          { status: 'promoted', promotedAt: now },
          { event: 'promoted', detail: `${input.targets?.idle ?? 'the new group'} serves 100%` },
        );
      } else {
        await store.update(
          release.id,
          environment.name,
          { status: 'succeeded', endedAt: now },
          { event: 'succeeded', detail: 'post-release watch passed' },
        );
        await store.releaseLock(environment.name, owner);
      }
      return { error: '', cause: '' };
    },
  );
