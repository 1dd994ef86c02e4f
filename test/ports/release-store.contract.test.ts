import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createReleaseTable } from '../../embedded/dynalite.js';
import { DynamoDbReleaseStore } from '../../functions/shared/aws/dynamodb-release-store.js';
import { ReleaseStoppedError } from '../../functions/shared/domain/errors.js';
import { recordKeyOf } from '../../functions/shared/domain/records.js';
import type { PipelineRecord, ReleaseRecord } from '../../functions/shared/domain/release.js';
import type { ReleaseStore } from '../../functions/shared/ports/index.js';

const server = dynalite({ createTableMs: 0 });
let client: DynamoDBClient;
let table = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(async () => {
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const record = (releaseId: string, startedAt: string): ReleaseRecord => ({
  releaseId,
  environment: 'dev',
  executionName: `dev-${releaseId}`,
  repository: 'acme/shop',
  service: 'shop',
  branch: 'release/1',
  sha: 'a'.repeat(40),
  version: 'a'.repeat(40),
  status: 'in_progress',
  steps: [],
  startedAt,
  updatedAt: startedAt,
  history: [],
});

// The fault-injection suite runs on the memory store; the product runs on DynamoDB. Both must
// behave alike, so the same contract runs against each.
describe.each([
  ['MemoryReleaseStore', async (): Promise<ReleaseStore> => new MemoryReleaseStore()],
  [
    'DynamoDbReleaseStore (dynalite)',
    async (): Promise<ReleaseStore> => {
      const name = `contract-${++table}`;
      await createReleaseTable(client, name);
      return new DynamoDbReleaseStore(client, name);
    },
  ],
])('Contract: ReleaseStore — %s', (_name, make) => {
  it('creates a record once and reports the second create', async () => {
    const store = await make();
    expect(await store.create(record('r1', '2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(await store.create(record('r1', '2026-01-01T00:00:00.000Z'))).toBe(false);
  });

  it('merges an update and appends its event to the history', async () => {
    const store = await make();
    await store.create(record('r1', '2026-01-01T00:00:00.000Z'));
    const updated = await store.update(
      'r1',
      'dev',
      { status: 'promoted' },
      { event: 'promoted', detail: 'x' },
    );
    expect(updated).toMatchObject({ status: 'promoted', executionName: 'dev-r1' });
    expect(updated.history.map((h) => h.event)).toEqual(['promoted']);
    expect((await store.get('r1', 'dev'))?.status).toBe('promoted');
  });

  it('refuses an update while running to a record that already ended, and leaves it as it was', async () => {
    const store = await make();
    await store.create({ ...record('r1', '2026-01-01T00:00:00.000Z'), status: 'superseded' });
    await expect(
      store.update('r1', 'dev', { status: 'promoted' }, { event: 'promoted' }, { whileRunning: true }),
    ).rejects.toThrow(ReleaseStoppedError);
    expect(await store.get('r1', 'dev')).toMatchObject({ status: 'superseded', history: [] });
  });

  it('applies an update while running to a record that is still running', async () => {
    const store = await make();
    await store.create(record('r1', '2026-01-01T00:00:00.000Z'));
    const updated = await store.update(
      'r1',
      'dev',
      { status: 'promoted' },
      { event: 'promoted' },
      { whileRunning: true },
    );
    expect(updated.status).toBe('promoted');
  });

  it('never writes an ended record back to life when a step races its end', async () => {
    const store = await make();
    await store.create(record('r1', '2026-01-01T00:00:00.000Z'));
    const [end, step] = await Promise.allSettled([
      store.update('r1', 'dev', { status: 'superseded' }, { event: 'superseded' }),
      store.update('r1', 'dev', { status: 'promoted' }, { event: 'promoted' }, { whileRunning: true }),
    ]);
    expect(end.status).toBe('fulfilled');
    if (step.status === 'rejected') expect(step.reason).toBeInstanceOf(ReleaseStoppedError);
    expect((await store.get('r1', 'dev'))?.status).toBe('superseded');
  });

  it('refuses to update a record that does not exist', async () => {
    const store = await make();
    await expect(store.update('missing', 'dev', {}, { event: 'guard' })).rejects.toThrow();
  });

  it('lists records newest first', async () => {
    const store = await make();
    await store.create(record('old', '2026-01-01T00:00:00.000Z'));
    await store.create(record('new', '2026-01-02T00:00:00.000Z'));
    expect((await store.list()).map((r) => r.releaseId)).toEqual(['new', 'old']);
  });

  it('finds the records of one release, every environment of it and no other release', async () => {
    const store = await make();
    await store.create(record('r1', '2026-01-01T00:00:00.000Z'));
    await store.create({ ...record('r1', '2026-01-01T00:10:00.000Z'), environment: 'prod' });
    await store.create(record('r10', '2026-01-02T00:00:00.000Z'));

    const found = await store.recordsOf('r1');

    expect(found.map((r) => `${r.releaseId}/${recordKeyOf(r)}`).sort()).toEqual(['r1/dev', 'r1/prod']);
    expect(await store.recordsOf('r2')).toEqual([]);
  });

  it("keeps a pipeline record apart: its own reads and writes, listed among its release's records, never as an environment's", async () => {
    // Prepare
    const store = await make();
    const { environment: _e, steps: _s, ...base } = record('r1', '2026-01-01T00:00:00.000Z');
    const pipeline: PipelineRecord = {
      ...base,
      kind: 'pipeline',
      executionName: 'pipeline-r1',
      pipeline: { route: 'main', environments: ['dev', 'prod'] },
    };
    await store.create(record('r1', '2026-01-01T00:00:01.000Z'));

    // Act
    const created = [await store.createPipeline(pipeline), await store.createPipeline(pipeline)];
    const updated = await store.updatePipeline(
      'r1',
      { pipeline: { ...pipeline.pipeline, current: 'dev' } },
      { event: 'stage_started', detail: 'dev' },
    );

    // Assess
    expect(created).toEqual([true, false]);
    expect(updated).toMatchObject({
      kind: 'pipeline',
      pipeline: { current: 'dev' },
      history: [{ event: 'stage_started', detail: 'dev' }],
    });
    expect(await store.pipelineOf('r1')).toEqual(updated);
    expect(await store.get('r1', 'dev')).toMatchObject({ environment: 'dev', steps: [] });
    expect((await store.recordsOf('r1')).map((r) => r.kind ?? 'release').sort()).toEqual([
      'pipeline',
      'release',
    ]);
    expect(await store.pipelineOf('r2')).toBeUndefined();
  });

  it('finds the records of a commit that wait for check runs, and forgets them once they stop waiting', async () => {
    // Prepare: two releases of one commit, one of another commit, all waiting
    const store = await make();
    const other = { ...record('r-other', '2026-01-01T00:00:00.000Z'), sha: 'b'.repeat(40) };
    for (const r of [
      record('r-dev', '2026-01-01T00:00:00.000Z'),
      record('r-prod', '2026-01-01T00:00:01.000Z'),
      other,
    ]) {
      await store.create(r);
      await store.update(
        r.releaseId,
        'dev',
        { buildWait: { taskToken: `token-${r.releaseId}`, since: r.startedAt, pending: ['build'] } },
        { event: 'build_pending' },
      );
    }

    // Act: one of them stops waiting
    await store.update('r-prod', 'dev', { buildWait: undefined }, { event: 'build_verified' });

    // Assess
    const waiting = await store.waitingForChecks('a'.repeat(40));
    expect(waiting.map((r) => [r.releaseId, r.buildWait?.taskToken])).toEqual([['r-dev', 'token-r-dev']]);
    expect((await store.waitingForChecks('b'.repeat(40))).map((r) => r.releaseId)).toEqual(['r-other']);
    expect(await store.waitingForChecks('c'.repeat(40))).toEqual([]);
  });

  it('gives the lock to one owner, again to the same owner, and names the holder to others', async () => {
    const store = await make();
    const a = { releaseId: 'a', executionName: 'ea' };
    const b = { releaseId: 'b', executionName: 'eb' };
    expect(await store.acquireLock('dev', a)).toEqual({ acquired: true });
    expect(await store.acquireLock('dev', a)).toEqual({ acquired: true });
    expect(await store.acquireLock('dev', b)).toEqual({ acquired: false, holder: a });
    expect(await store.lockHolder('dev')).toEqual(a);
  });

  it('releases the lock only for its owner', async () => {
    const store = await make();
    const a = { releaseId: 'a', executionName: 'ea' };
    await store.acquireLock('dev', a);
    await store.releaseLock('dev', { releaseId: 'a', executionName: 'other' });
    expect(await store.lockHolder('dev')).toEqual(a);
    await store.releaseLock('dev', a);
    expect(await store.lockHolder('dev')).toBeUndefined();
  });

  it('keeps an operator’s freeze in force until it is ended, then logs it with who ended it', async () => {
    const store = await make();
    const freeze = {
      environment: 'prod',
      reason: 'incident 42',
      by: 'alice',
      startedAt: '2026-12-03T08:00:00.000Z',
    };
    const later = new Date('2026-12-03T09:00:00.000Z');
    expect(await store.activeFreeze('prod', later)).toBeUndefined();
    expect(await store.endFreeze('prod', 'bob', later.toISOString())).toBeUndefined();

    await store.startFreeze(freeze);
    expect(await store.activeFreeze('prod', later)).toEqual(freeze);
    expect(await store.activeFreeze('dev', later)).toBeUndefined();

    const ended = await store.endFreeze('prod', 'bob', '2026-12-03T10:00:00.000Z');
    expect(ended).toEqual({ ...freeze, endedBy: 'bob', endedAt: '2026-12-03T10:00:00.000Z' });
    expect(await store.activeFreeze('prod', later)).toBeUndefined();
    expect(await store.freezeLog('prod')).toEqual([ended]);
    expect(await store.list()).toEqual([]);
  });

  it('lets a freeze with an end lapse by itself, and a new freeze end the one in force', async () => {
    const store = await make();
    const first = {
      environment: 'prod',
      reason: 'release train',
      by: 'alice',
      startedAt: '2026-12-03T08:00:00.000Z',
      until: '2026-12-03T12:00:00.000Z',
    };
    await store.startFreeze(first);
    expect(await store.activeFreeze('prod', new Date('2026-12-03T11:59:59.000Z'))).toEqual(first);
    expect(await store.activeFreeze('prod', new Date('2026-12-03T12:00:00.000Z'))).toBeUndefined();

    const second = {
      environment: 'prod',
      reason: 'incident',
      by: 'carol',
      startedAt: '2026-12-03T09:00:00.000Z',
    };
    await store.startFreeze(second);
    expect(await store.activeFreeze('prod', new Date('2026-12-03T13:00:00.000Z'))).toEqual(second);
    expect(await store.freezeLog('prod')).toEqual([
      second,
      { ...first, endedBy: 'carol', endedAt: '2026-12-03T09:00:00.000Z' },
    ]);
  });
});
