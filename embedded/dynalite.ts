import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DynamoDbApprovalStore } from '../functions/shared/aws/dynamodb-approval-store.js';
import { DynamoDbPushLog } from '../functions/shared/aws/dynamodb-push-log.js';
import { DynamoDbReleaseStore, RELEASE_TABLE_KEYS } from '../functions/shared/aws/dynamodb-release-store.js';

/** Creates the release table on demand billing (the keys CDK's table has); an existing table is kept. */
export async function createReleaseTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey } = RELEASE_TABLE_KEYS;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: partitionKey, AttributeType: 'S' },
          { AttributeName: sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}

/** A DynamoDB client for an in-process dynalite on loopback (any credentials do). */
export function dynaliteClient(port: number): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
  });
}

/** An in-process DynamoDB (dynalite) on a free loopback port. */
export async function startDynalite(): Promise<{ port: number; close: () => Promise<void> }> {
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (db.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => db.close(() => resolve())),
  };
}

/** The DynamoDB release store adapter against dynalite, with its table; `close` stops both. */
export async function startDynaliteStore(tableName = 'sluice-releases'): Promise<{
  store: DynamoDbReleaseStore;
  approvals: DynamoDbApprovalStore;
  pushes: DynamoDbPushLog;
  close: () => Promise<void>;
}> {
  const db = await startDynalite();
  const client = dynaliteClient(db.port);
  try {
    await createReleaseTable(client, tableName);
  } catch (error) {
    client.destroy();
    await db.close();
    throw error;
  }
  return {
    store: new DynamoDbReleaseStore(client, tableName),
    approvals: new DynamoDbApprovalStore(client, tableName),
    pushes: new DynamoDbPushLog(client, tableName),
    close: async () => {
      client.destroy();
      await db.close();
    },
  };
}
