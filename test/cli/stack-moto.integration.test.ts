/**
 * `sluice rollback --stack` and `sluice status --stack` against moto_server: the CLI's own ports
 * (CloudFormation outputs, STS caller, ELBv2 listener, DynamoDB records, Step Functions), reached
 * through the SDK's AWS_ENDPOINT_URL (AWS SDKs and Tools reference guide, "Service-specific
 * endpoints": the variable sets the endpoint of every service client that has none in code).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { stringify } from 'yaml';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { DynamoDbReleaseStore } from '../../functions/shared/aws/dynamodb-release-store.js';
import { configDigest } from '../../functions/shared/domain/config.js';
import type { ReleaseRecord, Weights } from '../../functions/shared/domain/release.js';
import { runCli } from '../support/cli.js';
import { exampleDocument } from '../support/config.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../support/moto-server.js';
import { recordOf, releaseInput } from '../support/release.js';
import { describeWithTool } from '../support/tools.js';

const STACK = 'Sluice-checkout';
const TABLE = 'Sluice-checkout-ReleaseTable';
/** moto's caller for any credentials: STS GetCallerIdentity names it. */
const MOTO_CALLER = 'arn:aws:sts::123456789012:user/moto';

let moto: MotoServer;
const saved: Record<string, string | undefined> = {};
let configFile: string;
let listenerArn: string;
let blue: string;
let green: string;
let elbv2: ElasticLoadBalancingV2Client;
let doc: DynamoDBDocumentClient;
let store: DynamoDbReleaseStore;

function sluice(...args: string[]) {
  return runCli(...args, '-c', configFile, '--region', MOTO_REGION);
}

async function serving(): Promise<Weights> {
  const { Listeners } = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  const groups = Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, g.Weight ?? 0]));
}

/** ModifyListener with a weighted forward: how a crashed release leaves the listener split. */
async function leaveSplit(weights: Weights): Promise<void> {
  await elbv2.send(
    new ModifyListenerCommand({
      ListenerArn: listenerArn,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: Object.entries(weights).map(([TargetGroupArn, Weight]) => ({
              TargetGroupArn,
              Weight,
            })),
          },
        },
      ],
    }),
  );
}

/** A dev record on moto's groups, as BeginRelease and the steps would have left it. */
function devRecord(releaseId: string, startedAt: string, overrides: Partial<ReleaseRecord>): ReleaseRecord {
  const input = releaseInput('dev');
  return recordOf(input, {
    releaseId,
    executionName: `checkout-dev-${releaseId}`,
    startedAt,
    updatedAt: startedAt,
    ...overrides,
  });
}

describeWithTool('moto_server', 'The CLI against a deployed stack on moto_server', () => {
  beforeAll(async () => {
    moto = await startMoto();
    for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
      saved[key] = process.env[key];
    }
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = MOTO_REGION;
    const client = {
      endpoint: moto.endpoint,
      region: MOTO_REGION,
      credentials: MOTO_CREDENTIALS,
      maxAttempts: 1,
    };

    // dev's load balancer: two target groups with two healthy targets each, one listener
    elbv2 = new ElasticLoadBalancingV2Client(client);
    const { LoadBalancers } = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'checkout-dev',
        Type: 'application',
        Subnets: (await moto.defaultSubnets()).slice(0, 2),
      }),
    );
    const group = async (Name: string, ip: string) => {
      const { TargetGroups } = await elbv2.send(
        new CreateTargetGroupCommand({
          Name,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: LoadBalancers?.[0]?.VpcId,
          TargetType: 'ip',
        }),
      );
      const arn = TargetGroups![0]!.TargetGroupArn!;
      await elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: `${ip}.1` }, { Id: `${ip}.2` }] }),
      );
      return arn;
    };
    blue = await group('checkout-dev-blue', '10.0.1');
    green = await group('checkout-dev-green', '10.0.2');
    const { Listeners } = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: LoadBalancers?.[0]?.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }],
      }),
    );
    listenerArn = Listeners![0]!.ListenerArn!;

    // The example config with dev on moto's listener; staging and prod keep ARNs moto does not have.
    const document = exampleDocument();
    const dev = document.environments.find((e: { name: string }) => e.name === 'dev');
    dev.listenerArn = listenerArn;
    dev.targetGroups = { blue, green };
    configFile = join(mkdtempSync(join(tmpdir(), 'sluice-moto-')), 'sluice.config.yaml');
    writeFileSync(configFile, stringify(document));

    // The stack's records table (keys as infra/constructs/release-store.ts) and state machine
    await new DynamoDBClient(client).send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    doc = DynamoDBDocumentClient.from(new DynamoDBClient(client));
    store = new DynamoDbReleaseStore(new DynamoDBClient(client), TABLE);
    const { stateMachineArn } = await new SFNClient(client).send(
      new CreateStateMachineCommand({
        name: 'sluice-checkout-release',
        roleArn: 'arn:aws:iam::123456789012:role/sluice-release',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
    // The outputs `sluice --stack` reads (infra/sluice-stack.ts), on a stack CloudFormation keeps
    await new CloudFormationClient(client).send(
      new CreateStackCommand({
        StackName: STACK,
        TemplateBody: JSON.stringify({
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: {
            StateMachineArn: { Value: stateMachineArn },
            ReleaseTableName: { Value: TABLE },
            ConfigDigest: { Value: configDigest(deployedConfig(loadConfig(configFile))) },
          },
        }),
      }),
    );
  }, 60_000);

  afterAll(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    elbv2?.destroy();
    doc?.destroy();
    await moto?.stop();
  });

  beforeEach(async () => {
    const { Items } = await doc.send(new ScanCommand({ TableName: TABLE }));
    for (const item of Items ?? []) {
      await doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));
    }
  });

  describe('CLI: sluice rollback --stack on a split listener no release holds (moto_server)', () => {
    // ELBv2 forward action: traffic is spread over the TargetGroups in proportion to their Weight
    // (0-999; TargetGroupTuple, ELBv2 API reference), and ModifyListener replaces DefaultActions
    // whole: 70/30 here is what a release that died between its write and its restore leaves.
    it('restores the group the last succeeded release made live, reads it back and records the caller', async () => {
      // Prepare: r1 made green live; r2 began from green and crashed at 30% on blue
      await store.create(
        devRecord('r1', '2026-12-04T10:00:00.000Z', {
          status: 'succeeded',
          targets: { live: blue, idle: green },
        }),
      );
      await store.create(
        devRecord('r2', '2026-12-04T11:00:00.000Z', {
          status: 'in_progress',
          targets: { live: green, idle: blue },
          steps: [
            { index: 0, weight: 30, observed: { [green]: 70, [blue]: 30 }, at: '2026-12-04T11:05:00.000Z' },
          ],
        }),
      );
      await leaveSplit({ [green]: 70, [blue]: 30 });

      // Act
      const { code, output } = await sluice(
        'rollback',
        '--env',
        'dev',
        '--stack',
        STACK,
        '--reason',
        'dev stuck at 70/30',
        '--json',
      );

      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(output)).toEqual({
        action: 'restored',
        releaseId: 'r2',
        live: green,
        side: 'green',
        weights: { [green]: 100, [blue]: 0 },
        why: 'release r1 made it live',
      });
      expect(await serving()).toEqual({ [green]: 100, [blue]: 0 });
      expect(await store.get('r2', 'dev')).toMatchObject({
        status: 'rolled_back',
        restoredTo: green,
        cause: {
          trigger: 'manual',
          by: MOTO_CALLER,
          message: `rolled back by ${MOTO_CALLER}: dev stuck at 70/30`,
        },
      });
      expect(await store.lockHolder('dev')).toBeUndefined();
    });

    it('asks for --to where no record says which group was live, then restores the group named', async () => {
      // Prepare: no record at all; the listener is split
      await leaveSplit({ [blue]: 70, [green]: 30 });

      // Act
      const refused = await sluice('rollback', '--env', 'dev', '--stack', STACK);
      const afterRefusal = await serving();
      const restored = await sluice('rollback', '--env', 'dev', '--stack', STACK, '--to', 'blue', '--json');

      // Assess
      expect(refused.code).toBe(1);
      expect(refused.output).toContain('name the group to restore with --to blue|green');
      expect(afterRefusal).toEqual({ [blue]: 70, [green]: 30 });
      expect(restored.code).toBe(0);
      expect(JSON.parse(restored.output)).toMatchObject({ action: 'restored', side: 'blue', live: blue });
      expect(await serving()).toEqual({ [blue]: 100, [green]: 0 });
      expect(await store.lockHolder('dev')).toBeUndefined();
    });
  });

  describe('CLI: sluice status --stack (moto_server)', () => {
    it('reports dev from its listener and staging and prod, whose listeners do not exist, each with its error', async () => {
      // Prepare: r1 made green live, then something else put blue back (review H3)
      await store.create(
        devRecord('r1', '2026-12-04T10:00:00.000Z', {
          status: 'succeeded',
          targets: { live: blue, idle: green },
        }),
      );
      await leaveSplit({ [blue]: 100, [green]: 0 });

      // Act
      const { code, output } = await sluice('status', '--stack', STACK, '--json');

      // Assess
      expect(code).toBe(0);
      const { environments } = JSON.parse(output) as { environments: Record<string, unknown>[] };
      expect(environments[0]).toMatchObject({
        environment: 'dev',
        traffic: 'blue 100 / green 0',
        live: 'blue',
        drift: expect.stringContaining('but release r1 recorded blue 0 / green 100: something else'),
      });
      // ELBv2 DescribeListeners answers ListenerNotFound for an ARN it does not have.
      for (const env of environments.slice(1)) {
        expect(env).toMatchObject({ live: 'unreadable', error: expect.stringContaining('ListenerNotFound') });
      }
      expect(environments.map((e) => e.environment)).toEqual(['dev', 'staging', 'prod']);
    });
  });
});
