import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  APPROVAL_TTL_GRACE_SECONDS,
  DynamoDbApprovalStore,
} from '../../functions/shared/aws/dynamodb-approval-store.js';
import { RELEASE_TABLE_TTL_ATTRIBUTE } from '../../functions/shared/aws/dynamodb-release-store.js';
import type { Approval } from '../../functions/shared/domain/approval.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());

describe('Class: DynamoDbApprovalStore', () => {
  describe('Method: create', () => {
    // DynamoDB TTL: the attribute must be a Number holding epoch seconds, else the item never expires.
    it('gives the item, which holds the task token, a numeric TTL of the approval timeout plus a day', async () => {
      // Prepare
      doc.on(PutCommand).resolves({});
      const approval: Approval = {
        id: 'ap_ttl',
        releaseId: 'shop-0123456789ab',
        environment: 'prod',
        executionName: 'prod-acme-shop-0123',
        service: 'shop',
        version: '0123456789ab',
        channel: 'C0RELEASES',
        status: 'pending',
        requestedAt: '2026-11-30T12:00:00.000Z',
        expiresAt: '2026-11-30T16:00:00.000Z',
      };

      // Act
      await new DynamoDbApprovalStore(new DynamoDBClient({}), 'sluice-releases').create(approval, 'TOKEN');

      // Assess
      const item = doc.commandCalls(PutCommand)[0]!.args[0].input.Item!;
      expect(item[RELEASE_TABLE_TTL_ATTRIBUTE]).toBe(
        Date.parse('2026-11-30T16:00:00.000Z') / 1000 + APPROVAL_TTL_GRACE_SECONDS,
      );
      expect(APPROVAL_TTL_GRACE_SECONDS).toBe(86_400);
    });
  });
});
