import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Approval, ApprovalDecision } from '../domain/approval.js';
import type { ApprovalStore, DecideResult, ThreadState, ThreadStore } from '../ports/approvals.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { isNamed } from './sdk-errors.js';

const APPROVAL_PREFIX = 'APPROVAL#';
const THREAD_PREFIX = 'THREAD#';

interface ApprovalItem {
  pk: string;
  sk: string;
  approval: Approval;
  /** Kept beside the approval, never inside it: no read of `approval` can carry it. */
  taskToken: string;
  status: Approval['status'];
  /** Epoch seconds; the table's TTL attribute (release-store.ts), so the token does not outlive its use. */
  expiresAt: number;
}

/** An approval item outlives its approval's timeout by a day, for a late click to be answered. */
export const APPROVAL_TTL_GRACE_SECONDS = 86_400;

/**
 * Approvals (with their task tokens) and release threads, in the release table under their own
 * key prefixes. Reads project `approval` only; the token is returned by the one conditional
 * update that decides.
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(approval: Approval, taskToken: string): Promise<void> {
    const item: ApprovalItem = {
      ...approvalKey(approval.id),
      approval,
      taskToken,
      status: approval.status,
      expiresAt: Math.floor(Date.parse(approval.expiresAt) / 1000) + APPROVAL_TTL_GRACE_SECONDS,
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Approval | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: approvalKey(id),
        ConsistentRead: true,
        ProjectionExpression: 'approval',
      }),
    );
    return (Item as Pick<ApprovalItem, 'approval'> | undefined)?.approval;
  }

  async list(): Promise<Approval[]> {
    const found: Approval[] = [];
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ProjectionExpression: 'approval',
        ExpressionAttributeValues: { ':prefix': APPROVAL_PREFIX },
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as Pick<ApprovalItem, 'approval'>[]) found.push(item.approval);
    }
    return found.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  }

  async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: approvalKey(id),
        UpdateExpression: 'SET approval.message = :m',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':m': message },
      }),
    );
  }

  async decide(id: string, decision: ApprovalDecision): Promise<DecideResult> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: approvalKey(id),
          UpdateExpression:
            'SET #status = :s, approval.#status = :s, approval.decidedBy = :by, approval.decidedAt = :at',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':s': decision.status,
            ':by': decision.by,
            ':at': decision.at,
            ':pending': 'pending',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = Attributes as ApprovalItem;
      return { won: true, approval: item.approval, taskToken: item.taskToken };
    } catch (error) {
      if (isNamed(error, 'ConditionalCheckFailedException'))
        return { won: false, approval: await this.get(id) };
      throw error;
    }
  }

  async undelivered(id: string): Promise<{ approval: Approval; taskToken: string } | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: approvalKey(id), ConsistentRead: true }),
    );
    const item = Item as ApprovalItem | undefined;
    const delivery = item?.approval.delivery;
    if (!item || item.status === 'pending' || (delivery && delivery.outcome !== 'failed')) return undefined;
    return { approval: item.approval, taskToken: item.taskToken };
  }

  async setDelivery(id: string, delivery: NonNullable<Approval['delivery']>): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: approvalKey(id),
          UpdateExpression: 'SET approval.delivery = :d',
          ...(delivery.outcome === 'delivered'
            ? { ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':d': delivery } }
            : {
                ConditionExpression:
                  'attribute_exists(pk) AND (attribute_not_exists(approval.delivery) OR approval.delivery.outcome = :failed)',
                ExpressionAttributeValues: { ':d': delivery, ':failed': 'failed' },
              }),
        }),
      );
    } catch (error) {
      if (delivery.outcome !== 'delivered' && isNamed(error, 'ConditionalCheckFailedException')) return;
      throw error;
    }
  }

  async getThread(releaseId: string, environment: string): Promise<ThreadState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: threadKey(releaseId, environment),
        ConsistentRead: true,
      }),
    );
    return (Item as { thread: ThreadState } | undefined)?.thread;
  }

  async putThread(state: ThreadState): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...threadKey(state.releaseId, state.environment), thread: state },
      }),
    );
  }

  async listThreads(): Promise<ThreadState[]> {
    const found: ThreadState[] = [];
    const pages = paginateScan(
      { client: this.doc },
      {
        TableName: this.tableName,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': THREAD_PREFIX },
      },
    );
    for await (const page of pages) {
      for (const item of (page.Items ?? []) as { thread: ThreadState }[]) found.push(item.thread);
    }
    return found;
  }

  /** The ThreadStore view of this adapter. */
  threads(): ThreadStore {
    return {
      get: (releaseId, environment) => this.getThread(releaseId, environment),
      put: (state) => this.putThread(state),
      list: () => this.listThreads(),
    };
  }
}

function approvalKey(id: string) {
  return { pk: `${APPROVAL_PREFIX}${id}`, sk: 'APPROVAL' };
}

function threadKey(releaseId: string, environment: string) {
  return { pk: `${THREAD_PREFIX}${releaseId}`, sk: `ENV#${environment}` };
}

const awsStore = () =>
  once(
    'approvals',
    () => new DynamoDbApprovalStore(new DynamoDBClient({}), readLambdaEnv().SLUICE_TABLE_NAME),
  );

/** The ApprovalStore port on AWS: the release table, under APPROVAL# keys. */
export const awsApprovals = (): ApprovalStore => awsStore();
/** The ThreadStore port on AWS: the release table, under THREAD# keys. */
export const awsThreads = (): ThreadStore => awsStore().threads();
