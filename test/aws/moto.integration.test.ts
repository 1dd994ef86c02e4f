/**
 * The adapters against moto_server: real SDK v3 serialization (query protocol for ELBv2 and
 * CloudWatch, JSON for Secrets Manager and Step Functions) and real service error names.
 */

import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchAlarmSource } from '../../functions/shared/aws/cloudwatch-alarm-source.js';
import { Elbv2TrafficRouter } from '../../functions/shared/aws/elbv2-traffic-router.js';
import { SecretsManagerSecrets } from '../../functions/shared/aws/secrets-manager.js';
import { SfnOrchestrator } from '../../functions/shared/aws/sfn-orchestrator.js';
import { restoreTraffic } from '../../functions/shared/control/release-control.js';
import { accessScope } from '../../functions/shared/domain/accounts.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import { MOTO_CREDENTIALS, MOTO_REGION, type MotoServer, startMoto } from '../support/moto-server.js';
import { describeWithTool } from '../support/tools.js';

const REGION = MOTO_REGION;
const CREDENTIALS = MOTO_CREDENTIALS;

let moto: MotoServer | undefined;
let endpoint: string;

/** moto starts with a default VPC and its default subnets. */
const defaultSubnets = () => moto!.defaultSubnets();

const clients: { destroy(): void }[] = [];

/** Points an SDK client at moto, and remembers it so afterAll closes its sockets. */
function local<C extends { destroy(): void }>(create: (config: ReturnType<typeof clientConfig>) => C): C {
  const client = create(clientConfig());
  clients.push(client);
  return client;
}

function clientConfig() {
  return { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
}

describeWithTool('moto_server', 'The AWS adapters on moto_server', () => {
  beforeAll(async () => {
    moto = await startMoto();
    endpoint = moto.endpoint;
  }, 20_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await moto?.stop();
  });

  describe('Elbv2TrafficRouter on moto', () => {
    const elbv2 = () => local((c) => new ElasticLoadBalancingV2Client(c));
    let blue: string;
    let green: string;
    let listenerArn: string;

    beforeAll(async () => {
      const client = elbv2();
      const subnets = await defaultSubnets();
      const { LoadBalancers } = await client.send(
        new CreateLoadBalancerCommand({ Name: 'web', Type: 'application', Subnets: subnets.slice(0, 2) }),
      );
      const loadBalancer = LoadBalancers?.[0];
      const group = async (Name: string) => {
        const { TargetGroups } = await client.send(
          new CreateTargetGroupCommand({
            Name,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: loadBalancer?.VpcId,
            TargetType: 'ip',
          }),
        );
        return TargetGroups![0]!.TargetGroupArn!;
      };
      blue = await group('web-blue');
      green = await group('web-green');
      const { Listeners } = await client.send(
        new CreateListenerCommand({
          LoadBalancerArn: loadBalancer?.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }],
        }),
      );
      listenerArn = Listeners![0]!.ListenerArn!;
    });

    it('reads a plain forward to the live group as 100/0', async () => {
      // Prepare
      const router = new Elbv2TrafficRouter(elbv2(), { listenerArn });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [blue]: 100 });
    });

    it('writes 90/10 to the listener and reads exactly 90/10 back', async () => {
      // Prepare
      const router = new Elbv2TrafficRouter(elbv2(), { listenerArn });

      // Act
      await router.shift({ [blue]: 90, [green]: 10 });
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [blue]: 90, [green]: 10 });
      const { Listeners } = await elbv2().send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
      expect(Listeners?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
        { TargetGroupArn: blue, Weight: 90 },
        { TargetGroupArn: green, Weight: 10 },
      ]);
    });

    it("shifts a rule's weights without touching the listener's default action", async () => {
      // Prepare
      const client = elbv2();
      await new Elbv2TrafficRouter(client, { listenerArn }).shift({ [blue]: 100, [green]: 0 });
      const { Rules } = await client.send(
        new CreateRuleCommand({
          ListenerArn: listenerArn,
          Priority: 10,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
          Actions: [{ Type: 'forward', TargetGroupArn: blue }],
        }),
      );
      const rule = new Elbv2TrafficRouter(client, { listenerArn, ruleArn: Rules![0]!.RuleArn! });

      // Act
      await rule.shift({ [blue]: 75, [green]: 25 });

      // Assess
      expect(await rule.readWeights()).toEqual({ [blue]: 75, [green]: 25 });
      expect(await new Elbv2TrafficRouter(client, { listenerArn }).readWeights()).toEqual({
        [blue]: 100,
        [green]: 0,
      });
    });

    it('attaches the idle group at weight 0 to a listener that forwards to one group, as BeginRelease does', async () => {
      // Prepare
      const client = elbv2();
      const { LoadBalancers } = await client.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
      const { Listeners } = await client.send(
        new CreateListenerCommand({
          LoadBalancerArn: LoadBalancers?.[0]?.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 8081,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: blue }],
        }),
      );
      const router = new Elbv2TrafficRouter(client, { listenerArn: Listeners![0]!.ListenerArn! });

      // Act
      const attached = await router.shift({ [blue]: 100, [green]: 0 });

      // Assess
      expect(attached).toEqual({ [blue]: 100, [green]: 0 });
      const { Listeners: after } = await client.send(
        new DescribeListenersCommand({ ListenerArns: [Listeners![0]!.ListenerArn!] }),
      );
      expect(after?.[0]?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
        { TargetGroupArn: blue, Weight: 100 },
        { TargetGroupArn: green, Weight: 0 },
      ]);
    });

    it('keeps an authenticate-oidc action before the forward through a shift and the restore', async () => {
      // Prepare: a second listener that signs users in before forwarding (ModifyListener replaces
      // the whole DefaultActions list, so a bare forward would drop the sign-in)
      const client = elbv2();
      const { LoadBalancers } = await client.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
      const oidc = {
        Type: 'authenticate-oidc' as const,
        Order: 1,
        AuthenticateOidcConfig: {
          Issuer: 'https://idp.example.com',
          AuthorizationEndpoint: 'https://idp.example.com/authorize',
          TokenEndpoint: 'https://idp.example.com/token',
          UserInfoEndpoint: 'https://idp.example.com/userinfo',
          ClientId: 'checkout',
          ClientSecret: 'not-a-real-secret',
        },
      };
      const { Listeners } = await client.send(
        new CreateListenerCommand({
          LoadBalancerArn: LoadBalancers?.[0]?.LoadBalancerArn,
          Protocol: 'HTTP',
          Port: 8443,
          DefaultActions: [oidc, { Type: 'forward', Order: 2, TargetGroupArn: blue }],
        }),
      );
      const signedIn = { listenerArn: Listeners![0]!.ListenerArn! };
      const router = new Elbv2TrafficRouter(client, signedIn);

      // Act
      const shifted = await router.shift({ [blue]: 90, [green]: 10 });
      const restored = await restoreTraffic(
        { trafficRouter: () => router },
        signedIn,
        { live: blue, idle: green },
        accessScope('dev'),
      );

      // Assess
      const { Listeners: after } = await client.send(
        new DescribeListenersCommand({ ListenerArns: [signedIn.listenerArn] }),
      );
      const actions = after?.[0]?.DefaultActions ?? [];
      expect(shifted).toEqual({ [blue]: 90, [green]: 10 });
      expect(restored).toBe(true);
      expect(actions.map((a) => [a.Type, a.Order])).toEqual([
        ['authenticate-oidc', 1],
        ['forward', 2],
      ]);
      expect(actions[0]?.AuthenticateOidcConfig).toMatchObject({
        Issuer: 'https://idp.example.com',
        ClientId: 'checkout',
      });
      expect(await router.readWeights()).toEqual({ [blue]: 100, [green]: 0 });
    });

    it('counts the healthy targets of a target group', async () => {
      // Prepare
      const client = elbv2();
      await client.send(
        new RegisterTargetsCommand({
          TargetGroupArn: green,
          Targets: [
            { Id: '172.31.0.10', Port: 80 },
            { Id: '172.31.0.11', Port: 80 },
          ],
        }),
      );
      const router = new Elbv2TrafficRouter(client, { listenerArn });

      // Act
      const counts = [await router.healthyTargets(green), await router.healthyTargets(blue)];

      // Assess
      expect(counts).toEqual([2, 0]);
    });
  });

  describe('CloudWatchAlarmSource on moto', () => {
    it('sees ALARM and OK as set, and undefined for an alarm that does not exist', async () => {
      // Prepare
      const client = local((c) => new CloudWatchClient(c));
      for (const AlarmName of ['web-5xx', 'web-latency']) {
        await client.send(
          new PutMetricAlarmCommand({
            AlarmName,
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'HTTPCode_Target_5XX_Count',
            Statistic: 'Sum',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 5,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        );
      }
      await client.send(
        new SetAlarmStateCommand({
          AlarmName: 'web-5xx',
          StateValue: 'ALARM',
          StateReason: 'canary returned 500s',
        }),
      );
      await client.send(
        new SetAlarmStateCommand({ AlarmName: 'web-latency', StateValue: 'OK', StateReason: 'fine' }),
      );

      // Act
      const statuses = await new CloudWatchAlarmSource(client).describe([
        'web-5xx',
        'missing',
        'web-latency',
      ]);

      // Assess
      expect(statuses.map(({ name, state, reason }) => ({ name, state, reason }))).toEqual([
        { name: 'web-5xx', state: 'ALARM', reason: 'canary returned 500s' },
        { name: 'missing', state: undefined, reason: undefined },
        { name: 'web-latency', state: 'OK', reason: 'fine' },
      ]);
      expect(Number.isNaN(Date.parse(statuses[0]?.updatedAt ?? ''))).toBe(false);
    });
  });

  describe('SecretsManagerSecrets on moto', () => {
    it('reads a secret by its configured name and names it, not its value, when one is missing', async () => {
      // Prepare
      const client = local((c) => new SecretsManagerClient(c));
      await client.send(
        new CreateSecretCommand({ Name: 'sluice/github-webhook', SecretString: 'whsec-value' }),
      );
      const secrets = new SecretsManagerSecrets(
        client,
        {
          'github-webhook': 'sluice/github-webhook',
          'github-token': 'sluice/missing',
          'slack-signing': 'x',
          'slack-bot-token': 'y',
        },
        60_000,
      );

      // Act
      const value = await secrets.get('github-webhook');
      const missing = (await secrets.get('github-token').catch((e: unknown) => e)) as Error;

      // Assess
      expect(value).toBe('whsec-value');
      expect(missing.message).toContain('github-token (sluice/missing)');
      expect(missing.message).toContain('ResourceNotFoundException');
    });
  });

  describe('SfnOrchestrator on moto', () => {
    it('maps the service errors of start, stop and describe by name', async () => {
      // Prepare
      const client = local((c) => new SFNClient(c));
      const { stateMachineArn } = await client.send(
        new CreateStateMachineCommand({
          name: 'sluice-release',
          roleArn: 'arn:aws:iam::123456789012:role/sluice-release',
          definition: JSON.stringify({
            StartAt: 'Bake',
            States: { Bake: { Type: 'Wait', Seconds: 600, End: true } },
          }),
        }),
      );
      const orchestrator = new SfnOrchestrator(client, stateMachineArn!);
      const input = { executionName: 'web-prod-abc1234', steps: [] } as unknown as ReleaseInput;

      // Act
      const started = await orchestrator.startRelease(input);
      const sameNameOtherInput = await orchestrator.startRelease({
        ...input,
        steps: [{ index: 0, weight: 10, bakeSeconds: 1 }],
      });
      const running = await orchestrator.executionStatus('web-prod-abc1234');
      await orchestrator.stopExecution('web-prod-abc1234', 'ReleaseAborted', 'by hand');
      const stopped = await orchestrator.executionStatus('web-prod-abc1234');
      await orchestrator.stopExecution('web-prod-abc1234', 'ReleaseAborted', 'again');
      await orchestrator.stopExecution('never-started', 'ReleaseAborted', 'nothing to stop');
      const unknown = await orchestrator.executionStatus('never-started');
      const described = await orchestrator.describeExecution('web-prod-abc1234');
      const describedUnknown = await orchestrator.describeExecution('never-started');

      // Assess
      expect(started).toEqual({ started: true, executionArn: orchestrator.executionArn('web-prod-abc1234') });
      expect(sameNameOtherInput).toEqual({ started: false, reason: 'exists' });
      expect([running, stopped, unknown]).toEqual(['RUNNING', 'ABORTED', undefined]);
      expect(described).toMatchObject({ status: 'ABORTED' });
      expect(describedUnknown).toBeUndefined();
    });
  });
});
