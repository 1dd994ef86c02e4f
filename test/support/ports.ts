import type { Context } from 'aws-lambda';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import type { ReleaseInput, ReleaseRecord } from '../../functions/shared/domain/release.js';
import { recordOf } from './release.js';

/** What the fixed clock reads: five minutes after the records of recordOf started. */
export const NOW = '2026-01-01T00:05:00.000Z';

/** The `now` port of handler tests: a clock that never moves. */
export const fixedClock = (): Date => new Date(NOW);

/** Lambda's context as a Task handler reads it: only the request id, for its log lines. */
export const taskContext = { awsRequestId: 'test-request' } as Context;

/**
 * The in-memory ReleaseStore (held to the DynamoDB adapter's contract by test/ports) on the fixed
 * clock, holding the input's record as BeginRelease leaves it (with overrides) and its lock.
 */
export async function storeWith(
  input: ReleaseInput,
  overrides: Partial<ReleaseRecord> = {},
): Promise<MemoryReleaseStore> {
  const store = new MemoryReleaseStore(fixedClock);
  await store.create(recordOf(input, overrides));
  await store.acquireLock(input.environment.name, {
    releaseId: input.release.id,
    executionName: input.executionName,
  });
  return store;
}
