/**
 * EnvironmentClients against moto_server (issue 19): the role an environment's target stack
 * creates, made in prod's account with IAM CreateRole and a trust policy of the target stack's
 * shape, is assumed with STS AssumeRole as the functions assume it, and the ELBv2 traffic router
 * built on that client reads and shifts prod's listener with the assumed credentials.
 *
 * What moto models and what it does not: it keeps one backend per account and answers AssumeRole
 * into another account with credentials that belong to that account (GetCallerIdentity with them
 * names arn:aws:sts::<account>:assumed-role/<role>/<RoleSessionName>, as STS's API reference
 * gives the assumed role user's ARN), so prod's load balancer, built in prod's account, is not
 * found with the caller's own credentials. moto does not evaluate trust policies or ExternalId;
 * those are held by the template tests (test/infra/accounts.test.ts, IAM's evaluation) and the
 * embedded runtime's local STS (test/embedded/accounts.test.ts).
 */
import { fileURLToPath } from 'node:url';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig } from '../../embedded/config.js';
import { Elbv2TrafficRouter } from '../../functions/shared/aws/elbv2-traffic-router.js';
import { EnvironmentClients } from '../../functions/shared/aws/environment-clients.js';
import { accessScope } from '../../functions/shared/domain/accounts.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { MOTO_REGION, type MotoServer, startMoto } from '../support/moto-server.js';
import { describeWithTool } from '../support/tools.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/accounts/sluice.config.yaml', import.meta.url));
const DELIVERY = '123456789012';
const PROD = '222222222222';
const EXTERNAL_ID = 'sluice-checkout-prod-7f3a';
const ROLE_NAME = 'sluice-checkout-prod';
const RELEASE = 'checkout-2c75c402f1eb';

let moto: MotoServer;
const clients: { destroy(): void }[] = [];
let config: SluiceConfig;
let listenerArn: string;
let blue: string;
let green: string;
/** An administrator's session in prod's account: what deploys the target stack there. */
let prodAdmin: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

/**
 * One IAM query-protocol call (the IAM SDK is not a dependency), as the caller whose access key
 * it names: moto keys its backends by the caller's account, and takes the signature as given.
 */
async function iam(action: string, params: Record<string, string>, accessKeyId: string): Promise<string> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${MOTO_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: action, Version: '2010-05-08', ...params }).toString(),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`IAM ${action}: ${response.status} ${text}`);
  return text;
}

function remember<C extends { destroy(): void }>(client: C): C {
  clients.push(client);
  return client;
}

describeWithTool('moto_server', 'EnvironmentClients on moto_server (issue 19)', () => {
  beforeAll(async () => {
    moto = await startMoto();
    const base = moto.clientConfig;
    const { Credentials: admin } = await remember(new STSClient(base)).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PROD}:role/admin`, RoleSessionName: 'deploy' }),
    );
    prodAdmin = {
      accessKeyId: admin!.AccessKeyId!,
      secretAccessKey: admin!.SecretAccessKey!,
      sessionToken: admin!.SessionToken!,
    };

    // The target stack's role, in prod's account: trusted by the delivery functions' roles, with the ExternalId
    await iam(
      'CreateRole',
      {
        RoleName: ROLE_NAME,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { AWS: `arn:aws:iam::${DELIVERY}:root` },
              Condition: {
                ArnEquals: {
                  'aws:PrincipalArn': `arn:aws:iam::${DELIVERY}:role/sluice-checkout-us-east-1-ShiftTraffic`,
                },
                StringEquals: { 'sts:ExternalId': EXTERNAL_ID },
              },
            },
            {
              Effect: 'Allow',
              Action: ['sts:TagSession', 'sts:SetSourceIdentity'],
              Principal: { AWS: `arn:aws:iam::${DELIVERY}:root` },
            },
          ],
        }),
      },
      prodAdmin.accessKeyId,
    );

    // prod's load balancer, in prod's account
    const elbv2 = remember(new ElasticLoadBalancingV2Client({ ...base, credentials: prodAdmin }));
    const { LoadBalancers } = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: 'checkout-prod',
        Type: 'application',
        Subnets: (await moto.defaultSubnets(prodAdmin.accessKeyId)).slice(0, 2),
      }),
    );
    const group = async (Name: string) => {
      const { TargetGroups } = await elbv2.send(
        new CreateTargetGroupCommand({ Name, Protocol: 'HTTP', Port: 80, VpcId: LoadBalancers?.[0]?.VpcId }),
      );
      return TargetGroups![0]!.TargetGroupArn!;
    };
    blue = await group('checkout-prod-blue');
    green = await group('checkout-prod-green');
    const { Listeners } = await elbv2.send(
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

    // The multi-account fixture, its prod pointed at the load balancer moto made
    const fixture = loadConfig(FIXTURE);
    config = {
      ...fixture,
      environments: fixture.environments.map((env) =>
        env.name === 'prod' ? { ...env, listenerArn, targetGroups: { blue, green } } : env,
      ),
    };
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await moto?.stop();
  });

  it('builds prod’s ELBv2 client on prod’s role, assumed for the release, and the traffic router reads and shifts prod’s listener with it', async () => {
    // Prepare: the functions' own credentials, in the delivery account (moto's default)
    const environments = new EnvironmentClients({
      config: () => config,
      base: { endpoint: moto.endpoint, region: MOTO_REGION, credentials: moto.clientConfig.credentials },
    });
    const scope = accessScope('prod', RELEASE);
    expect(listenerArn.split(':')[4]).toBe(PROD);
    const role = await iam('GetRole', { RoleName: ROLE_NAME }, prodAdmin.accessKeyId);
    expect(role).toContain(`<Arn>arn:aws:iam::${PROD}:role/${ROLE_NAME}</Arn>`);

    // Act
    const identity = await remember(environments.client(STSClient, scope)).send(
      new GetCallerIdentityCommand({}),
    );
    const router = new Elbv2TrafficRouter(
      remember(environments.client(ElasticLoadBalancingV2Client, scope, [listenerArn])),
      { listenerArn },
    );
    const before = await router.readWeights();
    await router.shift({ [blue]: 90, [green]: 10 });

    // Assess: the session is prod's role, named after the release
    expect(identity).toMatchObject({
      Account: PROD,
      Arn: `arn:aws:sts::${PROD}:assumed-role/${ROLE_NAME}/${RELEASE}`,
    });
    expect(before).toEqual({ [blue]: 100, [green]: 0 });
    // prod's own administrator sees the shift: it was written in prod's account
    const { Listeners } = await remember(
      new ElasticLoadBalancingV2Client({ ...moto.clientConfig, credentials: prodAdmin }),
    ).send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const weights = Object.fromEntries(
      (Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups ?? []).map((g) => [
        g.TargetGroupArn,
        g.Weight,
      ]),
    );
    expect(weights).toEqual({ [blue]: 90, [green]: 10 });
  });

  it('does not find prod’s listener with the functions’ own credentials: the delivery account has no such listener', async () => {
    const own = new Elbv2TrafficRouter(remember(new ElasticLoadBalancingV2Client(moto.clientConfig)), {
      listenerArn,
    });

    await expect(own.readWeights()).rejects.toThrow(/ListenerNotFound/);
  });
});
