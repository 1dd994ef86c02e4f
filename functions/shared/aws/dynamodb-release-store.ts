import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import { ContentionError } from '../domain/errors.js';
import { assertRunning, newestFirst, PIPELINE_KEY, recordKeyOf, storedRecord } from '../domain/records.js';
import {
  type HistoryEntry,
  type HistoryEvent,
  isPipelineRecord,
  isReleaseRecord,
  type PipelineRecord,
  type ReleaseRecord,
  type StoredRecord,
} from '../domain/release.js';
import { type AdHocFreeze, type FreezeRecord, freezeInForce } from '../domain/windows.js';
import { log } from '../log.js';
import type { LockOwner, LockResult, ReleaseStore } from '../ports/release-store.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { isNamed } from './sdk-errors.js';

/** The table's key schema; the CDK table and the embedded runtime's table use exactly these. */
export const RELEASE_TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
/** The table's TTL attribute: epoch seconds, on items that expire (pushes, build waits, approvals). */
export const RELEASE_TABLE_TTL_ATTRIBUTE = 'expiresAt';

/**
 * Optimistic writes of one record collide when several writers end it at once (a burst of
 * newer pushes superseding it): retry with jittered backoff, then report contention, which the
 * state machine retries, never the SDK's ConditionalCheckFailedException.
 */
const UPDATE_ATTEMPTS = 8;
const backoff = (attempt: number) => sleep(Math.random() * 10 * 2 ** attempt);

const RELEASE_PREFIX = 'RELEASE#';
const LOCK_PREFIX = 'LOCK#';
/** An environment's operator freezes: `ACTIVE` is the one in force, `LOG#<startedAt>` each ended one. */
const FREEZE_PREFIX = 'FREEZE#';
/** One item per record that waits for check runs, keyed by commit: what a completed check looks up. */
const BUILD_WAIT_PREFIX = 'BUILDWAIT#';
/** A wait item outlives any wait (buildTimeout is at most a day); TTL removes one left by a crash. */
const BUILD_WAIT_TTL_SECONDS = 2 * 24 * 3600;

interface RecordItem<R extends StoredRecord = StoredRecord> {
  pk: string;
  sk: string;
  record: R;
  version: number;
  startedAt: string;
}

interface LockItem {
  pk: string;
  sk: string;
  releaseId: string;
  executionName: string;
  acquiredAt: string;
}

/** Release records and environment locks in one DynamoDB table, with conditional writes for both. */
export class DynamoDbReleaseStore implements ReleaseStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Records carry optional fields that are often undefined; DynamoDB has no undefined.
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Writes the record unless one exists for (releaseId, environment). */
  async create(record: ReleaseRecord): Promise<boolean> {
    return this.put(record);
  }

  /** Writes the pipeline's record unless the release has one. */
  async createPipeline(record: PipelineRecord): Promise<boolean> {
    return this.put(record);
  }

  private async put(record: StoredRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: recordItem(record, 1),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** The record, or undefined. */
  async get(releaseId: string, environment: string): Promise<ReleaseRecord | undefined> {
    const record = (await this.getItem(releaseId, environment))?.record;
    return record && isReleaseRecord(record) ? record : undefined;
  }

  /** The pipeline's record, or undefined. */
  async pipelineOf(releaseId: string): Promise<PipelineRecord | undefined> {
    const record = (await this.getItem(releaseId, PIPELINE_KEY))?.record;
    return record && isPipelineRecord(record) ? record : undefined;
  }

  /** Merges the patch and appends the event, retrying when another writer got there first. */
  async update(
    releaseId: string,
    environment: string,
    patch: Partial<ReleaseRecord>,
    event: { event: HistoryEvent; detail?: string },
    options: { whileRunning?: boolean } = {},
  ): Promise<ReleaseRecord> {
    return this.append(releaseId, environment, isReleaseRecord, patch, event, options);
  }

  /** As update, on the pipeline's record. */
  async updatePipeline(
    releaseId: string,
    patch: Partial<PipelineRecord>,
    event: { event: HistoryEvent; detail?: string },
  ): Promise<PipelineRecord> {
    return this.append(releaseId, PIPELINE_KEY, isPipelineRecord, patch, event, {});
  }

  private async append<R extends StoredRecord>(
    releaseId: string,
    environment: string,
    isKind: (record: StoredRecord) => record is R,
    patch: Partial<R>,
    event: { event: HistoryEvent; detail?: string },
    options: { whileRunning?: boolean },
  ): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const item = await this.getItem(releaseId, environment);
      if (!item || !isKind(item.record))
        throw new Error(`release ${releaseId} has no record for environment ${environment}`);
      const current: R = item.record;
      // The write below is conditional on this read's version, so an end written meanwhile wins.
      if (options.whileRunning) assertRunning(current, event.event);
      const at = this.now().toISOString();
      const entry: HistoryEntry = event.detail === undefined ? { at, event: event.event } : { at, ...event };
      const next: R = {
        ...current,
        ...patch,
        history: [...(patch.history ?? current.history), entry],
        updatedAt: at,
      };
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: recordItem(next, item.version + 1),
            ConditionExpression: '#version = :expected',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expected': item.version },
          }),
        );
        // The record is written; a wait item that could not follow only costs a wake-up, which
        // VerifyBuild's slow poll makes up for: never fail the step for it.
        if ('buildWait' in patch && isReleaseRecord(next)) {
          await this.indexBuildWait(next).catch((error: unknown) =>
            log.warn('build wait item not written; the slow poll stands in', {
              releaseId,
              environment,
              error,
            }),
          );
        }
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (attempt >= UPDATE_ATTEMPTS) {
          throw new ContentionError(
            `record of release ${releaseId} in ${environment} changed under ${UPDATE_ATTEMPTS} writes in a row; try again`,
            { cause: error },
          );
        }
        await backoff(attempt);
      }
    }
  }

  /**
   * Every record, newest first. A filtered Scan reads the whole table; at scale the path is a GSI
   * on a constant partition with startedAt as its sort key, queried backwards.
   */
  async list(): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': RELEASE_PREFIX },
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as RecordItem[]) records.push(storedRecord(item.record));
    }
    return records.sort(newestFirst);
  }

  /** A Query on the release's partition (`RELEASE#<id>`), consistent: it may follow a write. */
  async recordsOf(releaseId: string): Promise<StoredRecord[]> {
    const records: StoredRecord[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${RELEASE_PREFIX}${releaseId}` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as RecordItem[]) records.push(storedRecord(item.record));
    }
    return records;
  }

  /** Reads the wait items of the commit, then each record (a stale wait item is skipped). */
  async waitingForChecks(sha: string): Promise<ReleaseRecord[]> {
    const waiting: ReleaseRecord[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${BUILD_WAIT_PREFIX}${sha}` },
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as { releaseId: string; environment: string }[]) {
        const record = await this.get(item.releaseId, item.environment);
        if (record?.buildWait) waiting.push(record);
      }
    }
    return waiting;
  }

  /** Keeps the commit's wait item in step with the record's `buildWait` (written after the record). */
  private async indexBuildWait(record: ReleaseRecord): Promise<void> {
    const Key = { pk: `${BUILD_WAIT_PREFIX}${record.sha}`, sk: `${record.releaseId}#${record.environment}` };
    if (!record.buildWait) {
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key }));
      return;
    }
    const expiresAt = Math.floor(this.now().getTime() / 1000) + BUILD_WAIT_TTL_SECONDS;
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...Key, releaseId: record.releaseId, environment: record.environment, expiresAt },
      }),
    );
  }

  /** Takes the lock if it is free or already this owner's; otherwise reports who holds it. */
  async acquireLock(environment: string, owner: LockOwner): Promise<LockResult> {
    // A second try covers a lock released between our failed write and our read of its holder.
    for (let attempt = 1; ; attempt++) {
      if (await this.putLock(environment, owner)) return { acquired: true };
      const holder = await this.lockHolder(environment);
      if (holder) return { acquired: false, holder };
      if (attempt >= 2)
        throw new ContentionError(`lock of environment ${environment} is contended; try again`);
    }
  }

  /** Deletes the lock only if this owner holds it. */
  async releaseLock(environment: string, owner: LockOwner): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: lockKey(environment),
          ConditionExpression: 'releaseId = :r AND executionName = :e',
          ExpressionAttributeValues: { ':r': owner.releaseId, ':e': owner.executionName },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The lock's owner, or undefined when the environment is free. */
  async lockHolder(environment: string): Promise<LockOwner | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: lockKey(environment), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const lock = Item as LockItem;
    return { releaseId: lock.releaseId, executionName: lock.executionName };
  }

  private async putLock(environment: string, owner: LockOwner): Promise<boolean> {
    const item: LockItem = {
      ...lockKey(environment),
      releaseId: owner.releaseId,
      executionName: owner.executionName,
      acquiredAt: this.now().toISOString(),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk) OR (releaseId = :r AND executionName = :e)',
          ExpressionAttributeValues: { ':r': owner.releaseId, ':e': owner.executionName },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Puts the freeze in force; a freeze already in force moves to the log first, ended by the same person. */
  async startFreeze(freeze: AdHocFreeze): Promise<void> {
    await this.endFreeze(freeze.environment, freeze.by, freeze.startedAt);
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: `${FREEZE_PREFIX}${freeze.environment}`, sk: 'ACTIVE', freeze },
      }),
    );
  }

  /** Writes the freeze in force to the log as ended, then deletes it if it is still the same one. */
  async endFreeze(environment: string, by: string, at: string): Promise<FreezeRecord | undefined> {
    const pk = `${FREEZE_PREFIX}${environment}`;
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk: 'ACTIVE' }, ConsistentRead: true }),
    );
    const current = (Item as { freeze?: AdHocFreeze } | undefined)?.freeze;
    if (!current) return undefined;
    const ended: FreezeRecord = { ...current, endedBy: by, endedAt: at };
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk, sk: `LOG#${current.startedAt}`, freeze: ended },
      }),
    );
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk, sk: 'ACTIVE' },
          ConditionExpression: 'freeze.startedAt = :s',
          ExpressionAttributeValues: { ':s': current.startedAt },
        }),
      );
    } catch (error) {
      // Another freeze started meanwhile: it stays in force.
      if (!isConditionFailure(error)) throw error;
    }
    return ended;
  }

  async activeFreeze(environment: string, at: Date): Promise<AdHocFreeze | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `${FREEZE_PREFIX}${environment}`, sk: 'ACTIVE' },
        ConsistentRead: true,
      }),
    );
    const freeze = (Item as { freeze?: AdHocFreeze } | undefined)?.freeze;
    return freezeInForce(freeze, at) ? freeze : undefined;
  }

  /** A Query on the environment's freeze partition: the one in force first, then the log, newest first. */
  async freezeLog(environment: string): Promise<FreezeRecord[]> {
    const items: { sk: string; freeze: FreezeRecord }[] = [];
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `${FREEZE_PREFIX}${environment}` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) items.push(...((page.Items ?? []) as typeof items));
    const active = items.filter((i) => i.sk === 'ACTIVE').map((i) => i.freeze);
    const log = items
      .filter((i) => i.sk !== 'ACTIVE')
      .map((i) => i.freeze)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return [...active, ...log];
  }

  private async getItem(releaseId: string, environment: string): Promise<RecordItem | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: recordKey(releaseId, environment),
        ConsistentRead: true,
      }),
    );
    const item = Item as RecordItem | undefined;
    return item && { ...item, record: storedRecord(item.record) };
  }
}

function recordKey(releaseId: string, environment: string): { pk: string; sk: string } {
  return { pk: `${RELEASE_PREFIX}${releaseId}`, sk: `ENV#${environment}` };
}

function lockKey(environment: string): { pk: string; sk: string } {
  return { pk: `${LOCK_PREFIX}${environment}`, sk: 'LOCK' };
}

function recordItem(record: StoredRecord, version: number): RecordItem {
  return {
    ...recordKey(record.releaseId, recordKeyOf(record)),
    record,
    version,
    startedAt: record.startedAt,
  };
}

function isConditionFailure(error: unknown): boolean {
  return isNamed(error, 'ConditionalCheckFailedException');
}

/** The ReleaseStore port on AWS: the table named by SLUICE_TABLE_NAME. */
export const awsReleases = (): ReleaseStore =>
  once('releases', () => new DynamoDbReleaseStore(new DynamoDBClient({}), readLambdaEnv().SLUICE_TABLE_NAME));
