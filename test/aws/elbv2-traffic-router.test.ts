import {
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import 'aws-sdk-client-mock-jest';
import {
  Elbv2TrafficRouter,
  forwardAction,
  weightsOf,
} from '../../functions/shared/aws/elbv2-traffic-router.js';
import { InvalidInputError, TrafficShiftError } from '../../functions/shared/domain/errors.js';

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/web/abc/def';
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/web/abc/def/ghi';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/blue/1';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/green/2';

const elbv2 = mockClient(ElasticLoadBalancingV2Client);

function throttled(message = 'Rate exceeded'): ElasticLoadBalancingV2ServiceException {
  return new ElasticLoadBalancingV2ServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

/** The load balancer as ELBv2 behaves: Describe* returns what the last Modify* wrote. */
function serveWrites(): void {
  let listenerActions: unknown[] = [];
  let ruleActions: unknown[] = [];
  elbv2.on(ModifyListenerCommand).callsFake((input: { DefaultActions: unknown[] }) => {
    listenerActions = input.DefaultActions;
    return {};
  });
  elbv2.on(ModifyRuleCommand).callsFake((input: { Actions: unknown[] }) => {
    ruleActions = input.Actions;
    return {};
  });
  elbv2.on(DescribeListenersCommand).callsFake(() => ({ Listeners: [{ DefaultActions: listenerActions }] }));
  elbv2.on(DescribeRulesCommand).callsFake(() => ({ Rules: [{ Actions: ruleActions }] }));
}

describe('Class: Elbv2TrafficRouter', () => {
  const client = new ElasticLoadBalancingV2Client({ region: 'us-east-1', maxAttempts: 1 });

  beforeEach(() => {
    elbv2.reset();
  });

  describe('Method: shift', () => {
    it('writes both weights in one ModifyListener call', async () => {
      // Prepare
      serveWrites();
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      await router.shift({ [BLUE]: 90, [GREEN]: 10 });

      // Assess
      expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
      expect(elbv2).toHaveReceivedCommandWith(ModifyListenerCommand, {
        ListenerArn: LISTENER,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE, Weight: 90 },
                { TargetGroupArn: GREEN, Weight: 10 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      });
      expect(elbv2).not.toHaveReceivedCommand(ModifyRuleCommand);
    });

    it('writes the target groups in the order given', async () => {
      // Prepare
      serveWrites();
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      await router.shift({ [GREEN]: 100, [BLUE]: 0 });

      // Assess
      const input = elbv2.commandCalls(ModifyListenerCommand)[0]?.args[0].input;
      expect(input?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
        { TargetGroupArn: GREEN, Weight: 100 },
        { TargetGroupArn: BLUE, Weight: 0 },
      ]);
    });

    it('modifies the rule, not the listener, when the listener ref names a rule', async () => {
      // Prepare
      serveWrites();
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER, ruleArn: RULE });

      // Act
      await router.shift({ [BLUE]: 75, [GREEN]: 25 });

      // Assess
      expect(elbv2).toHaveReceivedCommandWith(ModifyRuleCommand, {
        RuleArn: RULE,
        Actions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: BLUE, Weight: 75 },
                { TargetGroupArn: GREEN, Weight: 25 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      });
      expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    });

    it('fails with TrafficShiftError when the load balancer reads back other weights than were written', async () => {
      // Prepare: the write is accepted, but the listener still forwards everything to blue
      elbv2.on(ModifyListenerCommand).resolves({});
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [{ DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE }] }],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = await router.shift({ [BLUE]: 90, [GREEN]: 10 }).catch((e: unknown) => e);

      // Assess
      expect(caught).toBeInstanceOf(TrafficShiftError);
      expect((caught as Error).message).toContain(`reads {"${BLUE}":100} after writing`);
    });

    it('surfaces throttling as a TrafficShiftError that keeps the SDK error as its cause', async () => {
      // Prepare
      const sdkError = throttled();
      elbv2.on(ModifyListenerCommand).rejects(sdkError);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = await router.shift({ [BLUE]: 90, [GREEN]: 10 }).catch((e: unknown) => e);

      // Assess
      expect(caught).toBeInstanceOf(TrafficShiftError);
      expect((caught as TrafficShiftError).name).toBe('TrafficShiftError');
      expect((caught as TrafficShiftError).message).toContain('ThrottlingException');
      expect((caught as TrafficShiftError).message).toContain(LISTENER);
      expect((caught as TrafficShiftError).cause).toBe(sdkError);
    });

    it('keeps credentials an SDK error echoes out of the message', async () => {
      // Prepare
      const leaky = new ElasticLoadBalancingV2ServiceException({
        name: 'SignatureDoesNotMatch',
        $fault: 'client',
        $metadata: {},
        message:
          'Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/elasticloadbalancing/aws4_request, Signature=abc123def, X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE',
      });
      elbv2.on(ModifyListenerCommand).rejects(leaky);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = (await router.shift({ [BLUE]: 90, [GREEN]: 10 }).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(TrafficShiftError);
      expect(caught.message).toContain('SignatureDoesNotMatch');
      expect(caught.message).not.toContain('AKIAIOSFODNN7EXAMPLE');
      expect(caught.message).not.toContain('abc123def');
      expect(caught.message).not.toContain('IQoJb3JpZ2luX2VjEXAMPLE');
    });

    it('refuses weights that are not integer percentages summing to 100, without calling ELB', async () => {
      // Prepare
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = await router.shift({ [BLUE]: 90, [GREEN]: 20 }).catch((e: unknown) => e);

      // Assess
      expect(caught).toBeInstanceOf(InvalidInputError);
      expect(elbv2.calls()).toHaveLength(0);
    });
  });

  describe('Method: readWeights', () => {
    it('reads the percentages Sluice wrote back unchanged', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand, { ListenerArns: [LISTENER] }).resolves({
        Listeners: [
          {
            ListenerArn: LISTENER,
            DefaultActions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: BLUE, Weight: 90 },
                    { TargetGroupArn: GREEN, Weight: 10 },
                  ],
                },
              },
            ],
          },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [BLUE]: 90, [GREEN]: 10 });
    });

    it('normalises relative ALB weights to percentages that sum to 100', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [
          {
            DefaultActions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: BLUE, Weight: 2 },
                    { TargetGroupArn: GREEN, Weight: 1 },
                  ],
                },
              },
            ],
          },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [BLUE]: 67, [GREEN]: 33 });
    });

    it('reads a plain forward to one target group as 100 percent', async () => {
      // Prepare
      elbv2
        .on(DescribeListenersCommand)
        .resolves({ Listeners: [{ DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE }] }] });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [BLUE]: 100 });
    });

    it('reads the forward action after an authenticate action', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [
          {
            DefaultActions: [
              { Type: 'authenticate-oidc', Order: 1 },
              {
                Type: 'forward',
                Order: 2,
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: BLUE, Weight: 0 },
                    { TargetGroupArn: GREEN, Weight: 999 },
                  ],
                },
              },
            ],
          },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    });

    it('reads no weights from a listener without a forward action', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [
          { DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({});
    });

    it("reads the rule's actions when the listener ref names a rule", async () => {
      // Prepare
      elbv2.on(DescribeRulesCommand, { RuleArns: [RULE] }).resolves({
        Rules: [
          {
            RuleArn: RULE,
            Actions: [
              {
                Type: 'forward',
                ForwardConfig: {
                  TargetGroups: [
                    { TargetGroupArn: BLUE, Weight: 50 },
                    { TargetGroupArn: GREEN, Weight: 50 },
                  ],
                },
              },
            ],
          },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER, ruleArn: RULE });

      // Act
      const weights = await router.readWeights();

      // Assess
      expect(weights).toEqual({ [BLUE]: 50, [GREEN]: 50 });
      expect(elbv2).not.toHaveReceivedCommand(DescribeListenersCommand);
    });

    it('surfaces a throttled read as a TrafficShiftError, which the state machine retries', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).rejects(throttled());
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = await router.readWeights().catch((e: unknown) => e);

      // Assess
      expect(caught).toBeInstanceOf(TrafficShiftError);
    });
  });

  describe('Method: healthyTargets', () => {
    it('counts only targets in the healthy state', async () => {
      // Prepare
      elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN }).resolves({
        TargetHealthDescriptions: [
          { Target: { Id: 'i-1' }, TargetHealth: { State: 'healthy' } },
          { Target: { Id: 'i-2' }, TargetHealth: { State: 'initial' } },
          { Target: { Id: 'i-3' }, TargetHealth: { State: 'healthy' } },
          { Target: { Id: 'i-4' }, TargetHealth: { State: 'draining' } },
          { Target: { Id: 'i-5' } },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const healthy = await router.healthyTargets(GREEN);

      // Assess
      expect(healthy).toBe(2);
    });
  });

  describe('Function: weightsOf', () => {
    it('always reads percentages summing to 100 from any relative weights', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 0, max: 999 }), { minLength: 1, maxLength: 5 }),
          (relative) => {
            fc.pre(relative.some((w) => w > 0));
            // Prepare
            const groups = relative.map((Weight, i) => ({ TargetGroupArn: `tg-${i}`, Weight }));

            // Act
            const weights = weightsOf([{ Type: 'forward', ForwardConfig: { TargetGroups: groups } }]);

            // Assess
            const values = Object.values(weights);
            expect(values.reduce((a, b) => a + b, 0)).toBe(100);
            expect(values.every((w) => Number.isInteger(w) && w >= 0)).toBe(true);
          },
        ),
      );
    });

    it('round-trips every canary split Sluice writes', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 100 }), (weight) => {
          // Prepare
          const written = { [BLUE]: 100 - weight, [GREEN]: weight };

          // Act
          const read = weightsOf([forwardAction(written)]);

          // Assess
          expect(read).toEqual(written);
        }),
      );
    });
  });
});
