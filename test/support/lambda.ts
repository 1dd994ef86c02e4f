import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { CONFIG_FILE_NAME } from '../../functions/shared/aws/config-port.js';
import { forgetBuilt } from '../../functions/shared/aws/once.js';
import { configJson, type SluiceConfig } from '../../functions/shared/domain/config.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { exampleConfig } from './config.js';

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release';
export const PIPELINE_STATE_MACHINE_ARN =
  'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-pipeline';
const TABLE_NAME = 'sluice-releases';

/**
 * A function's code directory as the stack bundles it, holding only the config file: the value
 * Lambda gives LAMBDA_TASK_ROOT.
 */
export function functionCodeDir(config: SluiceConfig | Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-task-root-'));
  const json = 'environments' in config ? configJson(config as SluiceConfig) : JSON.stringify(config);
  writeFileSync(join(dir, CONFIG_FILE_NAME), json);
  return dir;
}

/** The Lambda environment of functions/shared/aws/env.ts, with the example config in the code. */
const LAMBDA_ENV: Record<string, string> = {
  LAMBDA_TASK_ROOT: functionCodeDir(exampleConfig()),
  SLUICE_TABLE_NAME: TABLE_NAME,
  SLUICE_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
  SLUICE_PIPELINE_STATE_MACHINE_ARN: PIPELINE_STATE_MACHINE_ARN,
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
  SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
  SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/slack-bot-token',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
};

/**
 * Sets the Lambda environment before each test and forgets the cached ports, so every test
 * builds fresh adapters (and a fresh secret cache) on the mocked clients.
 */
export function useLambdaEnv(extra: Record<string, string> = {}): void {
  const saved = { ...process.env };
  beforeEach(() => {
    Object.assign(process.env, LAMBDA_ENV, extra);
    forgetBuilt();
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
    forgetBuilt();
  });
}

/** Lambda's context; the handlers read none of it. */
export const context = {} as Context;

type Item = Record<string, unknown> & { pk: string; sk: string };
interface CommandInput {
  Key?: { pk: string; sk: string };
  Item?: Item;
  ConditionExpression?: string;
  ExpressionAttributeValues?: Record<string, unknown>;
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/**
 * A DynamoDB table behind the document client's Get, Put and Delete, honouring the conditions
 * DynamoDbReleaseStore writes, so handler tests run the real store against it.
 */
export class FakeReleaseTable {
  readonly items = new Map<string, Item>();

  private static key(k: { pk: string; sk: string }): string {
    return `${k.pk}|${k.sk}`;
  }

  get = (input: CommandInput) => {
    const item = input.Key ? this.items.get(FakeReleaseTable.key(input.Key)) : undefined;
    return { Item: item ? structuredClone(item) : undefined, $metadata: {} };
  };

  put = (input: CommandInput) => {
    const item = input.Item!;
    const existing = this.items.get(FakeReleaseTable.key(item));
    const values = input.ExpressionAttributeValues ?? {};
    const condition = input.ConditionExpression;
    const owns = existing?.releaseId === values[':r'] && existing?.executionName === values[':e'];
    const ok =
      condition === undefined ||
      (condition === 'attribute_not_exists(pk)' && !existing) ||
      (condition === '#version = :expected' && existing?.version === values[':expected']) ||
      (condition === 'attribute_not_exists(pk) OR (releaseId = :r AND executionName = :e)' &&
        (!existing || owns));
    if (!ok) throw conditionFailed();
    this.items.set(FakeReleaseTable.key(item), structuredClone(item));
    return { $metadata: {} };
  };

  delete = (input: CommandInput) => {
    const key = FakeReleaseTable.key(input.Key!);
    const existing = this.items.get(key);
    const values = input.ExpressionAttributeValues ?? {};
    if (input.ConditionExpression === 'releaseId = :r AND executionName = :e') {
      if (!existing || existing.releaseId !== values[':r'] || existing.executionName !== values[':e']) {
        throw conditionFailed();
      }
    }
    this.items.delete(key);
    return { $metadata: {} };
  };

  /** Seeds a release record as the store writes it. */
  putRecord(record: ReleaseRecord): void {
    const pk = `RELEASE#${record.releaseId}`;
    const sk = `ENV#${record.environment}`;
    this.items.set(`${pk}|${sk}`, {
      pk,
      sk,
      record: structuredClone(record),
      version: 1,
      startedAt: record.startedAt,
    });
  }

  record(releaseId: string, environment: string): ReleaseRecord | undefined {
    return this.items.get(`RELEASE#${releaseId}|ENV#${environment}`)?.record as ReleaseRecord | undefined;
  }

  /** Seeds an environment's lock. */
  putLock(environment: string, owner: { releaseId: string; executionName: string }): void {
    const pk = `LOCK#${environment}`;
    this.items.set(`${pk}|LOCK`, { pk, sk: 'LOCK', ...owner, acquiredAt: '2026-01-01T00:00:00.000Z' });
  }

  lock(environment: string): { releaseId: string; executionName: string } | undefined {
    const item = this.items.get(`LOCK#${environment}|LOCK`);
    return item
      ? { releaseId: String(item.releaseId), executionName: String(item.executionName) }
      : undefined;
  }
}
