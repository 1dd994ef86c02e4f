import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import dynalite from 'dynalite';
import { createReleaseTable } from '../../embedded/dynalite.js';
import {
  DynamoDbReleaseStore,
  RELEASE_TABLE_KEYS,
} from '../../functions/shared/aws/dynamodb-release-store.js';
import { ContentionError, ReleaseStoppedError } from '../../functions/shared/domain/errors.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';

const TABLE = 'sluice-releases';

function record(releaseId: string, environment: string, startedAt: string): ReleaseRecord {
  return {
    releaseId,
    environment,
    executionName: `${releaseId}-${environment}`,
    repository: 'acme/web',
    service: 'web',
    branch: 'main',
    sha: 'abc1234',
    version: 'abc1234',
    status: 'in_progress',
    steps: [],
    startedAt,
    updatedAt: startedAt,
    history: [{ at: startedAt, event: 'started' }],
  };
}

describe('Class: DynamoDbReleaseStore (on dynalite)', () => {
  let server: Server;
  let client: DynamoDBClient;
  let store: DynamoDbReleaseStore;
  let clock: Date;

  beforeAll(async () => {
    server = dynalite({ createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await createReleaseTable(client, TABLE);
    store = new DynamoDbReleaseStore(client, TABLE, () => clock);
  });

  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    clock = new Date('2026-03-01T12:00:00.000Z');
  });

  describe('Function: createReleaseTable', () => {
    it('creates the table with the string keys pk and sk, on demand', async () => {
      // Act
      const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));

      // Assess
      expect(Table?.KeySchema).toEqual([
        { AttributeName: RELEASE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: RELEASE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    });

    it('keeps an existing table', async () => {
      // Act
      const creating = createReleaseTable(client, TABLE);

      // Assess
      await expect(creating).resolves.toBeUndefined();
    });
  });

  describe('Method: create', () => {
    it('creates a record once and refuses the second create of the same release and environment', async () => {
      // Prepare
      const first = record('r-create', 'prod', '2026-03-01T10:00:00.000Z');

      // Act
      const created = await store.create(first);
      const again = await store.create({ ...first, status: 'failed' });

      // Assess
      expect(created).toBe(true);
      expect(again).toBe(false);
      expect(await store.get('r-create', 'prod')).toEqual(first);
    });

    it('keeps one record per environment of a release', async () => {
      // Act
      const staging = await store.create(record('r-envs', 'staging', '2026-03-01T10:00:00.000Z'));
      const prod = await store.create(record('r-envs', 'prod', '2026-03-01T10:00:00.000Z'));

      // Assess
      expect([staging, prod]).toEqual([true, true]);
      expect((await store.get('r-envs', 'prod'))?.environment).toBe('prod');
    });

    it('stores records with optional fields left undefined', async () => {
      // Prepare
      const withUndefined = { ...record('r-undef', 'prod', '2026-03-01T10:00:00.000Z'), cause: undefined };

      // Act
      const created = await store.create(withUndefined);

      // Assess
      expect(created).toBe(true);
      expect(await store.get('r-undef', 'prod')).not.toHaveProperty('cause');
    });
  });

  describe('Method: get', () => {
    it('returns undefined for an unknown release', async () => {
      // Act
      const found = await store.get('r-none', 'prod');

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Method: update', () => {
    it('merges the patch, appends the event to history and stamps updatedAt', async () => {
      // Prepare
      await store.create(record('r-update', 'prod', '2026-03-01T10:00:00.000Z'));
      clock = new Date('2026-03-01T10:05:00.000Z');

      // Act
      const updated = await store.update(
        'r-update',
        'prod',
        { targets: { live: 'arn:blue', idle: 'arn:green' } },
        { event: 'deployed', detail: 'task-definition/web:8 on green' },
      );
      clock = new Date('2026-03-01T10:06:00.000Z');
      await store.update('r-update', 'prod', { status: 'promoted' }, { event: 'promoted' });

      // Assess
      const stored = await store.get('r-update', 'prod');
      expect(updated.targets).toEqual({ live: 'arn:blue', idle: 'arn:green' });
      expect(stored?.status).toBe('promoted');
      expect(stored?.targets).toEqual({ live: 'arn:blue', idle: 'arn:green' });
      expect(stored?.updatedAt).toBe('2026-03-01T10:06:00.000Z');
      expect(stored?.history).toEqual([
        { at: '2026-03-01T10:00:00.000Z', event: 'started' },
        { at: '2026-03-01T10:05:00.000Z', event: 'deployed', detail: 'task-definition/web:8 on green' },
        { at: '2026-03-01T10:06:00.000Z', event: 'promoted' },
      ]);
    });

    it('loses no event when several writers update the same record at once', async () => {
      // Prepare
      await store.create(record('r-race', 'prod', '2026-03-01T10:00:00.000Z'));

      // Act
      await Promise.all(
        (['alarm', 'approved', 'deployed'] as const).map((event) =>
          store.update('r-race', 'prod', {}, { event }),
        ),
      );

      // Assess
      const events = (await store.get('r-race', 'prod'))?.history.map((h) => h.event);
      expect(events?.slice(1).sort()).toEqual(['alarm', 'approved', 'deployed']);
    });

    it('throws for a record that does not exist', async () => {
      // Act
      const updating = store.update('r-missing', 'prod', { status: 'failed' }, { event: 'failed' });

      // Assess
      await expect(updating).rejects.toThrow('release r-missing has no record for environment prod');
    });
  });

  describe('Method: list', () => {
    it('lists every record newest first and no locks', async () => {
      // Prepare
      const local = new DynamoDbReleaseStore(client, 'sluice-list', () => clock);
      await createReleaseTable(client, 'sluice-list');
      await local.create(record('r-old', 'prod', '2026-01-01T00:00:00.000Z'));
      await local.create(record('r-new', 'prod', '2026-03-01T00:00:00.000Z'));
      await local.create(record('r-mid', 'staging', '2026-02-01T00:00:00.000Z'));
      await local.acquireLock('prod', { releaseId: 'r-new', executionName: 'r-new-prod' });

      // Act
      const listed = await local.list();

      // Assess
      expect(listed.map((r) => r.releaseId)).toEqual(['r-new', 'r-mid', 'r-old']);
    });
  });

  describe('Lock', () => {
    const owner = { releaseId: 'r-1', executionName: 'r-1-prod' };
    const other = { releaseId: 'r-2', executionName: 'r-2-prod' };

    it('is taken by one release, re-taken by the same owner, and refused to another with its holder', async () => {
      // Act
      const first = await store.acquireLock('lock-env', owner);
      const again = await store.acquireLock('lock-env', owner);
      const contested = await store.acquireLock('lock-env', other);

      // Assess
      expect(first).toEqual({ acquired: true });
      expect(again).toEqual({ acquired: true });
      expect(contested).toEqual({ acquired: false, holder: owner });
      expect(await store.lockHolder('lock-env')).toEqual(owner);
    });

    it('refuses the same release under another execution name', async () => {
      // Prepare
      await store.acquireLock('lock-exec', owner);

      // Act
      const rerun = await store.acquireLock('lock-exec', { ...owner, executionName: 'r-1-prod-retry' });

      // Assess
      expect(rerun).toEqual({ acquired: false, holder: owner });
    });

    it('is not released by a release that does not hold it', async () => {
      // Prepare
      await store.acquireLock('lock-foreign', owner);

      // Act
      await store.releaseLock('lock-foreign', other);

      // Assess
      expect(await store.lockHolder('lock-foreign')).toEqual(owner);
    });

    it('is freed by its owner, after which another release takes it', async () => {
      // Prepare
      await store.acquireLock('lock-free', owner);

      // Act
      await store.releaseLock('lock-free', owner);
      const holderAfter = await store.lockHolder('lock-free');
      const next = await store.acquireLock('lock-free', other);

      // Assess
      expect(holderAfter).toBeUndefined();
      expect(next).toEqual({ acquired: true });
      expect(await store.lockHolder('lock-free')).toEqual(other);
    });

    it('treats releasing a free lock as a no-op', async () => {
      // Act
      const releasing = store.releaseLock('lock-never', owner);

      // Assess
      await expect(releasing).resolves.toBeUndefined();
    });

    it('lets exactly one of several concurrent releases take a free lock', async () => {
      // Prepare
      const contenders = ['a', 'b', 'c', 'd'].map((id) => ({
        releaseId: `r-${id}`,
        executionName: `r-${id}-prod`,
      }));

      // Act
      const results = await Promise.all(contenders.map((c) => store.acquireLock('lock-race', c)));

      // Assess
      const winners = results.filter((r) => r.acquired);
      expect(winners).toHaveLength(1);
      const holder = await store.lockHolder('lock-race');
      for (const r of results) if (!r.acquired) expect(r.holder).toEqual(holder);
    });
  });
});

describe('Class: DynamoDbReleaseStore (requests)', () => {
  // Mocked per test and restored after: the document client's prototype is shared with the dynalite suite above.
  let dynamo: AwsClientStub<DynamoDBDocumentClient>;
  let store: DynamoDbReleaseStore;
  const conflict = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  beforeEach(() => {
    dynamo = mockClient(DynamoDBDocumentClient);
    // No backoff between attempts: the jitter is Math.random() times the attempt's ceiling.
    jest.spyOn(Math, 'random').mockReturnValue(0);
    store = new DynamoDbReleaseStore(
      new DynamoDBClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
      TABLE,
      () => new Date('2026-03-01T12:00:00.000Z'),
    );
  });

  afterEach(() => {
    dynamo.restore();
    jest.restoreAllMocks();
  });

  /** Each Get reads the record at the next version, as if another writer had just written it. */
  function recordReadAt(status: ReleaseRecord['status'] = 'in_progress') {
    let version = 0;
    dynamo.on(GetCommand).callsFake(() => ({
      Item: {
        pk: 'RELEASE#r-busy',
        sk: 'ENV#prod',
        record: { ...record('r-busy', 'prod', '2026-03-01T10:00:00.000Z'), status },
        version: ++version,
      },
    }));
  }

  describe('Method: update', () => {
    it('reports contention by name after 8 conflicting writes, never the SDK error', async () => {
      // Prepare
      recordReadAt();
      dynamo.on(PutCommand).rejects(conflict());

      // Act
      const updating = store.update('r-busy', 'prod', { status: 'superseded' }, { event: 'superseded' });

      // Assess
      const error = await updating.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContentionError);
      expect(error).toMatchObject({
        name: 'ContentionError',
        message: expect.stringMatching(/release r-busy in prod/),
      });
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(8);
      expect((error as Error).cause).toBeInstanceOf(ConditionalCheckFailedException);
    });

    it('succeeds when the conflict clears on the third attempt, writing against the version it read', async () => {
      // Prepare
      recordReadAt();
      dynamo.on(PutCommand).rejectsOnce(conflict()).rejectsOnce(conflict()).resolves({});

      // Act
      const updated = await store.update('r-busy', 'prod', {}, { event: 'deployed' });

      // Assess
      const puts = dynamo.commandCalls(PutCommand);
      expect(puts).toHaveLength(3);
      expect(puts[2]!.args[0].input).toMatchObject({
        ConditionExpression: '#version = :expected',
        ExpressionAttributeValues: { ':expected': 3 },
        Item: { version: 4 },
      });
      expect(updated.history.at(-1)).toEqual({ at: '2026-03-01T12:00:00.000Z', event: 'deployed' });
    });

    it('keeps a record update that set buildWait when the commit’s wait item cannot be written (the slow poll stands in)', async () => {
      // Prepare: the record's conditional Put succeeds; the wait item's Put is throttled
      recordReadAt();
      dynamo
        .on(PutCommand)
        .resolvesOnce({})
        .rejects(
          Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }),
        );
      const buildWait = { taskToken: 'token', since: '2026-03-01T12:00:00.000Z', pending: ['build'] };

      // Act
      const updated = await store.update('r-busy', 'prod', { buildWait }, { event: 'build_pending' });

      // Assess
      expect(updated.buildWait).toEqual(buildWait);
      const puts = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.pk);
      expect(puts).toEqual(['RELEASE#r-busy', 'BUILDWAIT#abc1234']);
    });

    it('throws ReleaseStoppedError and writes nothing when a step updates a superseded release while running', async () => {
      // Prepare
      recordReadAt('superseded');
      dynamo.on(PutCommand).resolves({});

      // Act
      const updating = store.update(
        'r-busy',
        'prod',
        { steps: [] },
        { event: 'shifted' },
        { whileRunning: true },
      );

      // Assess
      await expect(updating).rejects.toThrow(ReleaseStoppedError);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });
  });

  describe('Method: acquireLock', () => {
    it('reports contention by name when the lock is taken and gone again on both tries', async () => {
      // Prepare: every write loses to a holder that has released by the time we read it.
      dynamo.on(PutCommand).rejects(conflict());
      dynamo.on(GetCommand).resolves({});

      // Act
      const acquiring = store.acquireLock('prod', { releaseId: 'r-late', executionName: 'prod-r-late' });

      // Assess
      await expect(acquiring).rejects.toMatchObject({
        name: 'ContentionError',
        message: 'lock of environment prod is contended; try again',
      });
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(2);
    });
  });
});
