import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BranchHead, PushLog, PushRecord } from '../ports/push-log.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { isNamed } from './sdk-errors.js';

const PUSH_PREFIX = 'PUSH#';
const HEAD_PREFIX = 'HEAD#';
/** Push items expire after 90 days (the table's TTL attribute), as long as an execution name is taken. */
const PUSH_TTL_SECONDS = 90 * 24 * 3600;

/** Pushes and branch heads in the release table under their own key prefixes. */
export class DynamoDbPushLog implements PushLog {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** A redelivery (same delivery id, or without one the same `before`) keeps the first receipt; a new push of the commit replaces it. */
  async record(push: PushRecord): Promise<boolean> {
    const expiresAt = Math.floor(Date.parse(push.receivedAt) / 1000) + PUSH_TTL_SECONDS;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...pushKey(push.branch, push.sha),
            push,
            before: push.before ?? '',
            ...(push.deliveryId ? { deliveryId: push.deliveryId } : {}),
            expiresAt,
          },
          ...(push.deliveryId
            ? {
                // A comparison with a missing attribute is false: a push recorded without an id is replaced.
                ConditionExpression:
                  'attribute_not_exists(pk) OR attribute_not_exists(#delivery) OR #delivery <> :delivery',
                ExpressionAttributeNames: { '#delivery': 'deliveryId' },
                ExpressionAttributeValues: { ':delivery': push.deliveryId },
              }
            : {
                ConditionExpression: 'attribute_not_exists(pk) OR #before <> :before',
                ExpressionAttributeNames: { '#before': 'before' },
                ExpressionAttributeValues: { ':before': push.before ?? '' },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (!isNamed(error, 'ConditionalCheckFailedException')) throw error;
      return false;
    }
  }

  async get(branch: string, sha: string): Promise<PushRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pushKey(branch, sha), ConsistentRead: true }),
    );
    return (Item as { push: PushRecord } | undefined)?.push;
  }

  async head(environment: string, branch: string): Promise<BranchHead | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: headKey(environment, branch), ConsistentRead: true }),
    );
    return (Item as { head: BranchHead } | undefined)?.head;
  }

  async advanceHead(head: BranchHead, expectedSha: string | undefined): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...headKey(head.environment, head.branch), head, sha: head.sha },
          ...(expectedSha === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#sha = :expected',
                ExpressionAttributeNames: { '#sha': 'sha' },
                ExpressionAttributeValues: { ':expected': expectedSha },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (isNamed(error, 'ConditionalCheckFailedException')) return false;
      throw error;
    }
  }
}

function pushKey(branch: string, sha: string) {
  return { pk: `${PUSH_PREFIX}${branch}`, sk: sha };
}

function headKey(environment: string, branch: string) {
  return { pk: `${HEAD_PREFIX}${environment}`, sk: `BRANCH#${branch}` };
}

/** The PushLog port on AWS: the release table named by SLUICE_TABLE_NAME. */
export const awsPushes = (): PushLog =>
  once('pushes', () => new DynamoDbPushLog(new DynamoDBClient({}), readLambdaEnv().SLUICE_TABLE_NAME));
