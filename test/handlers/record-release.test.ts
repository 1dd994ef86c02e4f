import { createRecordReleaseHandler } from '../../functions/record-release/record-release.js';
import { fixedClock, storeWith, taskContext } from '../support/ports.js';
import { blueLive, releaseInput } from '../support/release.js';

describe('Handler: record-release', () => {
  it('records promotion of a running release', async () => {
    const input = releaseInput('dev');
    const store = await storeWith(input, { status: 'in_progress' });

    await createRecordReleaseHandler({ releases: () => store, now: fixedClock })(
      { ...input, targets: blueLive(input), event: 'promoted' },
      taskContext,
    );

    expect(await store.get(input.release.id, 'dev')).toMatchObject({
      status: 'promoted',
      promotedAt: fixedClock().toISOString(),
    });
  });

  it.each(['superseded', 'aborted', 'rolled_back'] as const)(
    'never writes a release that was %s back to life (a Promote retry still in flight)',
    async (status) => {
      const input = releaseInput('dev');
      const store = await storeWith(input, { status });

      await expect(
        createRecordReleaseHandler({ releases: () => store, now: fixedClock })(
          { ...input, targets: blueLive(input), event: 'promoted' },
          taskContext,
        ),
      ).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
      expect((await store.get(input.release.id, 'dev'))?.status).toBe(status);
    },
  );

  it.each([
    ['ReleaseSupersededError', 'superseded', 'superseded'],
    ['ReleaseLockedError', 'rejected', 'handler_error'],
    ['ListenerStateError', 'failed', 'handler_error'],
  ] as const)('records a release that could not begin with %s as %s', async (error, status, trigger) => {
    // Prepare: waiting for the lock (BeginRelease records it pending first)
    const input = releaseInput('dev');
    const store = await storeWith(input, { status: 'pending', targets: undefined });

    // Act
    const result = await createRecordReleaseHandler({ releases: () => store, now: fixedClock })(
      { ...input, event: 'not_started', error: { Error: error, Cause: 'why, in words' } },
      taskContext,
    );

    // Assess
    expect(await store.get(input.release.id, 'dev')).toMatchObject({
      status,
      cause: { trigger, error, message: 'why, in words' },
    });
    expect(result.error).toBe(error);
    expect(await store.lockHolder('dev')).toBeUndefined();
  });
});
