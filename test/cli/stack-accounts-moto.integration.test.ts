/**
 * `sluice rollback|status --stack` with prod in its own account, against moto_server. moto keeps
 * one backend per account and answers STS AssumeRole into another account id with credentials
 * that belong to it (GetCallerIdentity with them names arn:aws:sts::222222222222:assumed-role/…),
 * so prod's load balancer, created with prod's session, exists only in account 222222222222: the
 * caller's own credentials (moto's default account 123456789012) do not find it, and the CLI
 * reaches it only through prod's role. The SDK reaches moto through AWS_ENDPOINT_URL (AWS SDKs and
 * Tools reference guide, "Service-specific endpoints").
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
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { stringify } from 'yaml';
import { awsDoctor } from '../../cli/doctor-aws.js';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { configDigest } from '../../functions/shared/domain/config.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import { runCli } from '../support/cli.js';
import { exampleDocument } from '../support/config.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../support/moto-server.js';
import { describeWithTool } from '../support/tools.js';

const STACK = 'Sluice-checkout';
const TABLE = 'Sluice-checkout-ReleaseTable';
const PROD_ACCOUNT = '222222222222';
const PROD_ROLE = `arn:aws:iam::${PROD_ACCOUNT}:role/sluice-checkout-prod`;

let moto: MotoServer;
const saved: Record<string, string | undefined> = {};
let configFile: string;
let listenerArn: string;
let blue: string;
let green: string;
/** prod's ELBv2, with a session in prod's account (as the target stack's role would give). */
let prodElbv2: ElasticLoadBalancingV2Client;
/** The caller's own ELBv2, in the delivery account. */
let ownElbv2: ElasticLoadBalancingV2Client;

function sluice(...args: string[]) {
  return runCli(...args, '-c', configFile, '--region', MOTO_REGION);
}

async function serving(): Promise<Weights> {
  const { Listeners } = await prodElbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  const groups = Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? [];
  return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, g.Weight ?? 0]));
}

describeWithTool('moto_server', 'The CLI across accounts on moto_server (issue 19)', () => {
  beforeAll(async () => {
    moto = await startMoto();
    for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
      saved[key] = process.env[key];
    }
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;
    process.env.AWS_REGION = MOTO_REGION;
    const client = moto.clientConfig;
    ownElbv2 = new ElasticLoadBalancingV2Client(client);

    // A session in prod's account, to build prod's load balancer there.
    const { Credentials } = await new STSClient(client).send(
      new AssumeRoleCommand({ RoleArn: PROD_ROLE, RoleSessionName: 'setup' }),
    );
    prodElbv2 = new ElasticLoadBalancingV2Client({
      ...client,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    const { LoadBalancers } = await prodElbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'checkout-prod',
        Type: 'application',
        Subnets: (await moto.defaultSubnets(Credentials!.AccessKeyId!)).slice(0, 2),
      }),
    );
    const group = async (Name: string, ip: string) => {
      const { TargetGroups } = await prodElbv2.send(
        new CreateTargetGroupCommand({
          Name,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: LoadBalancers?.[0]?.VpcId,
          TargetType: 'ip',
        }),
      );
      const arn = TargetGroups![0]!.TargetGroupArn!;
      await prodElbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: `${ip}.1` }, { Id: `${ip}.2` }] }),
      );
      return arn;
    };
    blue = await group('checkout-prod-blue', '10.1.1');
    green = await group('checkout-prod-green', '10.1.2');
    const { Listeners } = await prodElbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: LoadBalancers?.[0]?.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: blue, Weight: 100 },
                { TargetGroupArn: green, Weight: 0 },
              ],
            },
          },
        ],
      }),
    );
    listenerArn = Listeners![0]!.ListenerArn!;

    // The example config with prod in its own account, on moto's listener there.
    const document = exampleDocument();
    const prod = document.environments.find((e: { name: string }) => e.name === 'prod');
    prod.account = { id: PROD_ACCOUNT };
    prod.listenerArn = listenerArn;
    prod.targetGroups = { blue, green };
    configFile = join(mkdtempSync(join(tmpdir(), 'sluice-moto-accounts-')), 'sluice.config.yaml');
    writeFileSync(configFile, stringify(document));

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
    const { stateMachineArn } = await new SFNClient(client).send(
      new CreateStateMachineCommand({
        name: 'sluice-checkout-release',
        roleArn: 'arn:aws:iam::123456789012:role/sluice-release',
        definition: JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }),
      }),
    );
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
    prodElbv2?.destroy();
    ownElbv2?.destroy();
    await moto?.stop();
  });

  it("prod's listener lives in prod's account only: the caller's own credentials do not find it", async () => {
    await expect(
      ownElbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
    ).rejects.toMatchObject({ name: expect.stringMatching(/ListenerNotFound/) });
  });

  it("reads prod's traffic through prod's role with `sluice status --stack`", async () => {
    const { code, output } = await sluice('status', '--stack', STACK, '--json');

    expect(code).toBe(0);
    const prod = (JSON.parse(output) as { environments: { environment: string }[] }).environments.find(
      (e) => e.environment === 'prod',
    );
    expect(prod).toMatchObject({ traffic: 'blue 100 / green 0', live: 'blue' });
  });

  it("flips prod back to the idle group through prod's role with `sluice rollback --stack`", async () => {
    const { code, output } = await sluice(
      'rollback',
      '--env',
      'prod',
      '--stack',
      STACK,
      '--reason',
      'test',
      '--json',
    );

    expect([code, JSON.parse(output)]).toEqual([
      0,
      expect.objectContaining({ action: 'flipped', live: green }),
    ]);
    expect(await serving()).toEqual({ [blue]: 0, [green]: 100 });
  });

  it("doctors prod through prod's role: the role assumed, its listener and groups read there, what prod's account lacks named at its config path", async () => {
    const report = await awsDoctor(deployedConfig(loadConfig(configFile)), {
      stack: STACK,
      clientConfig: moto.clientConfig,
    });

    const prod = report.environments.find((e) => e.name === 'prod')!.checks;
    const byId = (id: string) => prod.find((c) => c.id === id);
    expect(byId('account:role')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`assumed ${PROD_ROLE}`),
    });
    expect(byId('listener')?.status).toBe('ok');
    expect(byId('targetGroups')?.status).toBe('ok');
    // moto's account 222222222222 has no ECS cluster and no alarms: each named where the config says.
    expect(byId('ecs:cluster')).toMatchObject({
      status: 'fail',
      detail: 'cluster checkout-prod (environments[2].deploy.cluster) does not exist in account 222222222222',
    });
    expect(byId('alarm:checkout-prod-5xx')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        '(environments[2].alarms[0]) was not returned by DescribeAlarms in account 222222222222',
      ),
    });
  });
});
