import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

  /**
   * A redelivery (a delivery id this commit's pushes already arrived with, or without one the same
   * `before`) keeps what is recorded; a new push of the commit replaces it. The item keeps every
   * delivery id it was written with, so a late redelivery of an older one is a no-op too.
   */
  async record(push: PushRecord): Promise<boolean> {
    const expiresAt = Math.floor(Date.parse(push.receivedAt) / 1000) + PUSH_TTL_SECONDS;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pushKey(push.branch, push.sha),
          ...(push.deliveryId
            ? {
                // contains() on a missing attribute is false: a push recorded without ids is replaced.
                UpdateExpression:
                  'SET #push = :push, #before = :before, expiresAt = :expiresAt ADD #deliveries :ids',
                ConditionExpression: 'attribute_not_exists(pk) OR NOT contains(#deliveries, :delivery)',
                ExpressionAttributeNames: {
                  '#push': 'push',
                  '#before': 'before',
                  '#deliveries': 'deliveries',
                },
                ExpressionAttributeValues: {
                  ':push': push,
                  ':before': push.before ?? '',
                  ':expiresAt': expiresAt,
                  ':ids': new Set([push.deliveryId]),
                  ':delivery': push.deliveryId,
                },
              }
            : {
                UpdateExpression: 'SET #push = :push, #before = :before, expiresAt = :expiresAt',
                ConditionExpression: 'attribute_not_exists(pk) OR #before <> :before',
                ExpressionAttributeNames: { '#push': 'push', '#before': 'before' },
                ExpressionAttributeValues: {
                  ':push': push,
                  ':before': push.before ?? '',
                  ':expiresAt': expiresAt,
                },
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
