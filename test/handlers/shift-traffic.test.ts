import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { ReleaseInput, Weights } from '../../functions/shared/domain/release.js';
import { handler } from '../../functions/shift-traffic/handler.js';
import { forwardTo, listenerServing } from '../support/elbv2.js';
import { context, FakeReleaseTable, useLambdaEnv } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const RULE_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/checkout-dev/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';

const healthy = (states: string[]) => ({
  TargetHealthDescriptions: states.map((State, i) => ({
    Target: { Id: `10.0.0.${i + 1}`, Port: 8080 },
    TargetHealth: { State: State as 'healthy' },
  })),
});

describe('Handler: shift-traffic', () => {
  useLambdaEnv();
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  let table: FakeReleaseTable;
  let input: ReleaseInput;
  let blue: string;
  let green: string;
  /** What the listener serves; ModifyListener/ModifyRule change it unless a test says otherwise. */
  let serving: Weights;

  const shift = (weight: number, index = 0, overrides: Partial<ReleaseInput['environment']> = {}) =>
    handler(
      {
        release: input.release,
        environment: { ...input.environment, ...overrides },
        executionName: input.executionName,
        targets: blueLive(input),
        step: { index, weight, bakeSeconds: 60 },
      },
      context,
    );

  beforeEach(() => {
    elbv2.reset();
    dynamo.reset();
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);

    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    table.putRecord(recordOf(input));
    table.putLock('dev', { releaseId: input.release.id, executionName: input.executionName });

    serving = { [blue]: 100, [green]: 0 };
    elbv2.on(DescribeTargetHealthCommand).resolves(healthy(['healthy', 'healthy']));
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, serving));
    elbv2.on(ModifyListenerCommand).callsFake((command) => {
      const groups = command.DefaultActions[0].ForwardConfig.TargetGroups as {
        TargetGroupArn: string;
        Weight: number;
      }[];
      serving = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
      return {};
    });
  });

  it('sends 90/10 to the listener for a 10% step when blue is live, and reads it back', async () => {
    // Act
    const result = await shift(10);

    // Assess
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(1);
    expect(elbv2.commandCalls(ModifyListenerCommand)[0]?.args[0].input).toEqual({
      ListenerArn: input.environment.listenerArn,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 90 },
              { TargetGroupArn: green, Weight: 10 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
    expect(elbv2.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input).toEqual({
      TargetGroupArn: green,
    });
    expect(result).toEqual({ observed: { [blue]: 90, [green]: 10 } });
  });

  it('records the step with the weights the load balancer reports', async () => {
    // Act
    await shift(50, 1);

    // Assess
    const record = table.record(input.release.id, 'dev');
    expect(record?.steps).toEqual([
      { index: 1, weight: 50, observed: { [blue]: 50, [green]: 50 }, at: expect.any(String) },
    ]);
    expect(record?.history.at(-1)).toMatchObject({ event: 'shifted', detail: '50% on the new version' });
  });

  it('shifts the listener rule instead of the default action when the environment names one', async () => {
    // Prepare
    elbv2.on(ModifyRuleCommand).resolves({});
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: RULE_ARN, Priority: '10', Actions: [forwardTo({ [blue]: 75, [green]: 25 })] }],
    });

    // Act
    const result = await shift(25, 0, { ruleArn: RULE_ARN });

    // Assess
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(ModifyRuleCommand)[0]?.args[0].input).toEqual({
      RuleArn: RULE_ARN,
      Actions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: blue, Weight: 75 },
              { TargetGroupArn: green, Weight: 25 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
    expect(elbv2.commandCalls(DescribeRulesCommand)[0]?.args[0].input).toEqual({ RuleArns: [RULE_ARN] });
    expect(result).toEqual({ observed: { [blue]: 75, [green]: 25 } });
  });

  it('fails with TrafficShiftError when the listener reads back other weights than were written', async () => {
    // Prepare: the write is accepted but the listener still serves 100/0
    elbv2.on(ModifyListenerCommand).resolves({});

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({
      name: 'TrafficShiftError',
      message: expect.stringContaining('after writing'),
    });
    expect(table.record(input.release.id, 'dev')?.steps).toEqual([]);
  });

  it('fails with TrafficShiftError when the load balancer refuses the write', async () => {
    // Prepare
    elbv2
      .on(ModifyListenerCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'TrafficShiftError' });
  });

  it('fails with NotEnoughHealthyTargetsError and moves nothing when the idle group is not healthy enough', async () => {
    // Prepare
    elbv2.on(DescribeTargetHealthCommand).resolves(healthy(['unhealthy', 'initial', 'draining']));

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({
      name: 'NotEnoughHealthyTargetsError',
      message: `0 healthy target(s) in ${green}, 1 required before shifting to 10%`,
    });
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(ModifyRuleCommand)).toHaveLength(0);
  });

  it('gates on the environment’s minimum of healthy targets', async () => {
    // Prepare
    elbv2.on(DescribeTargetHealthCommand).resolves(healthy(['healthy', 'unhealthy']));

    // Act + Assess
    await expect(shift(10, 0, { minHealthyTargets: 2 })).rejects.toMatchObject({
      name: 'NotEnoughHealthyTargetsError',
    });
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
  });

  it.each(['aborted', 'rolled_back', 'superseded'] as const)(
    'fails with ReleaseStoppedError and moves nothing when the release is already %s',
    async (status) => {
      // Prepare
      table.putRecord(recordOf(input, { status }));

      // Act + Assess
      await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
      expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
      expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(0);
    },
  );

  it('undoes its own write when the release is stopped while it shifts', async () => {
    // Prepare: an alarm marks the release rolled back between our write and our read-back
    let writes = 0;
    elbv2.on(ModifyListenerCommand).callsFake((command) => {
      const groups = command.DefaultActions[0].ForwardConfig.TargetGroups as {
        TargetGroupArn: string;
        Weight: number;
      }[];
      serving = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
      if (writes++ === 0) table.putRecord(recordOf(input, { status: 'rolled_back' }));
      return {};
    });

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
    const written = elbv2
      .commandCalls(ModifyListenerCommand)
      .map((c) => c.args[0].input.DefaultActions?.[0]?.ForwardConfig?.TargetGroups);
    expect(written).toEqual([
      [
        { TargetGroupArn: blue, Weight: 90 },
        { TargetGroupArn: green, Weight: 10 },
      ],
      [
        { TargetGroupArn: blue, Weight: 100 },
        { TargetGroupArn: green, Weight: 0 },
      ],
    ]);
  });

  it('leaves the listener alone when a newer release took the environment while it shifted', async () => {
    // Prepare: superseded mid-write; the newer release holds the lock and owns the listener now
    elbv2.on(ModifyListenerCommand).callsFakeOnce(() => {
      table.putRecord(recordOf(input, { status: 'superseded' }));
      table.putLock('dev', { releaseId: 'checkout-newer', executionName: 'dev-acme-checkout-newer' });
      return {};
    });

    // Act + Assess
    await expect(shift(10)).rejects.toMatchObject({ name: 'ReleaseStoppedError' });
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(1);
  });
});
