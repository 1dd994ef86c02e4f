import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  ModifyRuleCommand,
  type TargetGroupStickinessConfig,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { accessScope } from '../../functions/shared/domain/accounts.js';
import 'aws-sdk-client-mock-jest';
import {
  Elbv2TrafficRouter,
  weightsOf,
  withWeights,
} from '../../functions/shared/aws/elbv2-traffic-router.js';
import { restoreTraffic } from '../../functions/shared/control/release-control.js';
import {
  InvalidInputError,
  ListenerStateError,
  TrafficShiftError,
} from '../../functions/shared/domain/errors.js';

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

/**
 * A listener created with a plain forward to blue, as DescribeListeners reports it: ELBv2 fills in
 * Order, and ForwardConfig with weight 1 and stickiness off, beside TargetGroupArn.
 */
const plainForward: Action = {
  Type: 'forward',
  Order: 1,
  TargetGroupArn: BLUE,
  ForwardConfig: {
    TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }],
    TargetGroupStickinessConfig: { Enabled: false },
  },
};

/** The load balancer as ELBv2 behaves: Describe* returns what the last Modify* wrote. */
function serveWrites(initial: Action[] = [plainForward]): { listener: () => Action[]; rule: () => Action[] } {
  let listenerActions: Action[] = structuredClone(initial);
  let ruleActions: Action[] = structuredClone(initial);
  elbv2.on(ModifyListenerCommand).callsFake((input: { DefaultActions: Action[] }) => {
    listenerActions = input.DefaultActions;
    return {};
  });
  elbv2.on(ModifyRuleCommand).callsFake((input: { Actions: Action[] }) => {
    ruleActions = input.Actions;
    return {};
  });
  elbv2.on(DescribeListenersCommand).callsFake(() => ({ Listeners: [{ DefaultActions: listenerActions }] }));
  elbv2.on(DescribeRulesCommand).callsFake(() => ({ Rules: [{ Actions: ruleActions }] }));
  return { listener: () => listenerActions, rule: () => ruleActions };
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
            Order: 1,
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
            Order: 1,
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
      serveWrites();
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
      serveWrites();
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

  // ModifyListener "replaces the specified properties"; for DefaultActions "you must provide the
  // entire list. For example, to add an action, specify a list with the current actions plus the
  // new action" (ELBv2 API reference, ModifyListener; ModifyRule likewise for Actions). A rule's
  // routing action (forward, fixed-response or redirect) "must be the last action to be
  // performed", after an optional authenticate-oidc / authenticate-cognito, and Order ("the action
  // with the lowest value for order is performed first") is required once a rule has several
  // (API reference, Action). Describe* never returns an OIDC ClientSecret, and a modify may omit it
  // only with UseExistingClientSecret true (API reference, AuthenticateOidcActionConfig).
  describe("Method: shift, on a listener's other actions", () => {
    /** An HTTPS listener that signs users in with OIDC, then forwards: as DescribeListeners reports it (no ClientSecret). */
    const oidc: Action = {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://idp.example.com',
        AuthorizationEndpoint: 'https://idp.example.com/authorize',
        TokenEndpoint: 'https://idp.example.com/token',
        UserInfoEndpoint: 'https://idp.example.com/userinfo',
        ClientId: 'checkout',
        SessionCookieName: 'AWSELBAuthSessionCookie',
        Scope: 'openid',
        SessionTimeout: 604800,
        OnUnauthenticatedRequest: 'authenticate',
      },
    };
    const forwardAfterOidc: Action = { ...plainForward, Order: 2 };

    it('keeps an authenticate-oidc action and its Order through a canary step and the restore', async () => {
      // Prepare
      const served = serveWrites([oidc, forwardAfterOidc]);
      const listener = { listenerArn: LISTENER };
      const router = new Elbv2TrafficRouter(client, listener);

      // Act
      await router.shift({ [BLUE]: 90, [GREEN]: 10 });
      const afterShift = served.listener();
      await restoreTraffic(
        { trafficRouter: () => router },
        listener,
        { live: BLUE, idle: GREEN },
        accessScope('dev'),
      );

      // Assess
      const keptOidc = {
        ...oidc,
        AuthenticateOidcConfig: { ...oidc.AuthenticateOidcConfig, UseExistingClientSecret: true },
      };
      expect(afterShift).toEqual([
        keptOidc,
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE, Weight: 90 },
              { TargetGroupArn: GREEN, Weight: 10 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ]);
      expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 2);
      expect(served.listener()).toEqual([
        keptOidc,
        {
          Type: 'forward',
          Order: 2,
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE, Weight: 100 },
              { TargetGroupArn: GREEN, Weight: 0 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ]);
      expect(JSON.stringify(elbv2.calls().map((c) => c.args[0].input))).not.toContain('"ClientSecret"');
    });

    it("keeps a rule's authenticate-cognito action when shifting the rule", async () => {
      // Prepare
      const cognito: Action = {
        Type: 'authenticate-cognito',
        Order: 1,
        AuthenticateCognitoConfig: {
          UserPoolArn: 'arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_abc',
          UserPoolClientId: 'client',
          UserPoolDomain: 'checkout',
          OnUnauthenticatedRequest: 'deny',
        },
      };
      const served = serveWrites([cognito, forwardAfterOidc]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER, ruleArn: RULE });

      // Act
      await router.shift({ [BLUE]: 50, [GREEN]: 50 });

      // Assess
      expect(served.rule()[0]).toEqual(cognito);
      expect(served.rule()[1]).toMatchObject({ Type: 'forward', Order: 2 });
      expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    });

    it('keeps the stickiness the user set on the forward action', async () => {
      // Prepare
      const sticky: Action = {
        Type: 'forward',
        Order: 1,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: BLUE, Weight: 100 },
            { TargetGroupArn: GREEN, Weight: 0 },
          ],
          TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
        },
      };
      const served = serveWrites([sticky]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      await router.shift({ [BLUE]: 90, [GREEN]: 10 });

      // Assess
      expect(served.listener()[0]?.ForwardConfig?.TargetGroupStickinessConfig).toEqual({
        Enabled: true,
        DurationSeconds: 3600,
      });
    });

    it('writes a forward given by TargetGroupArn alone as a ForwardConfig of both groups', async () => {
      // Prepare: "If you specify both ForwardConfig and TargetGroupArn, you can specify only one
      // target group using ForwardConfig" (API reference, Action), so the ARN is not written back
      const served = serveWrites([{ Type: 'forward', TargetGroupArn: BLUE }]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const observed = await router.shift({ [BLUE]: 100, [GREEN]: 0 });

      // Assess
      expect(served.listener()).toEqual([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE, Weight: 100 },
              { TargetGroupArn: GREEN, Weight: 0 },
            ],
          },
        },
      ]);
      expect(observed).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    });

    it('keeps another target group the forward action lists, at weight 0', async () => {
      // Prepare
      const OTHER = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/maintenance/3';
      serveWrites([
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: OTHER, Weight: 0 },
              { TargetGroupArn: BLUE, Weight: 100 },
            ],
          },
        },
      ]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      await router.shift({ [BLUE]: 90, [GREEN]: 10 });

      // Assess
      const input = elbv2.commandCalls(ModifyListenerCommand)[0]?.args[0].input;
      expect(input?.DefaultActions?.[0]?.ForwardConfig?.TargetGroups).toEqual([
        { TargetGroupArn: BLUE, Weight: 90 },
        { TargetGroupArn: GREEN, Weight: 10 },
        { TargetGroupArn: OTHER, Weight: 0 },
      ]);
    });

    it('refuses with ListenerStateError, writing nothing, when the listener redirects instead of forwarding', async () => {
      // Prepare
      serveWrites([
        {
          Type: 'redirect',
          Order: 1,
          RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' },
        },
      ]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = (await router.shift({ [BLUE]: 90, [GREEN]: 10 }).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(ListenerStateError);
      expect(caught.message).toBe(
        `listener ${LISTENER} has no forward action to shift (its actions: redirect)`,
      );
      expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
    });

    it('refuses with ListenerStateError, writing nothing, when more than one forward action is listed', async () => {
      // Prepare
      serveWrites([plainForward, { ...plainForward, Order: 2, TargetGroupArn: GREEN }]);
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = (await router.shift({ [BLUE]: 90, [GREEN]: 10 }).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(ListenerStateError);
      expect(caught.message).toContain('has 2 forward actions; Sluice shifts exactly one');
      expect(elbv2).not.toHaveReceivedCommand(ModifyListenerCommand);
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

    it('refuses with ListenerStateError to read a listener without a forward action', async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [
          { DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '503' } }] },
        ],
      });
      const router = new Elbv2TrafficRouter(client, { listenerArn: LISTENER });

      // Act
      const caught = (await router.readWeights().catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(ListenerStateError);
      expect(caught.message).toBe(
        `listener ${LISTENER} has no forward action to shift (its actions: fixed-response)`,
      );
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

  // ELBv2 API reference, TargetGroupStickinessConfig: Enabled, and DurationSeconds (1–604,800) on
  // the forward action's ForwardConfig; BeginRelease refuses one that outlasts a scale-down's watch.
  describe('Method: stickinessSeconds', () => {
    const forward = (stickiness: TargetGroupStickinessConfig): Action => ({
      Type: 'forward',
      Order: 1,
      ForwardConfig: {
        TargetGroups: [{ TargetGroupArn: BLUE, Weight: 1 }],
        TargetGroupStickinessConfig: stickiness,
      },
    });

    it("reads the rule's or listener's forward stickiness duration, and nothing when it is off", async () => {
      // Prepare
      elbv2.on(DescribeListenersCommand).resolves({
        Listeners: [{ DefaultActions: [forward({ Enabled: true, DurationSeconds: 604_800 })] }],
      });
      elbv2
        .on(DescribeRulesCommand)
        .resolves({ Rules: [{ Actions: [forward({ Enabled: false, DurationSeconds: 3600 })] }] });

      // Act + Assess
      await expect(
        new Elbv2TrafficRouter(client, { listenerArn: LISTENER }).stickinessSeconds(),
      ).resolves.toBe(604_800);
      await expect(
        new Elbv2TrafficRouter(client, { listenerArn: LISTENER, ruleArn: RULE }).stickinessSeconds(),
      ).resolves.toBeUndefined();
      expect(elbv2).toHaveReceivedCommandWith(DescribeRulesCommand, { RuleArns: [RULE] });
    });

    it('reads a plain forward, which ELBv2 reports with stickiness off, as no stickiness', async () => {
      serveWrites();
      await expect(
        new Elbv2TrafficRouter(client, { listenerArn: LISTENER }).stickinessSeconds(),
      ).resolves.toBeUndefined();
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
            const weights = weightsOf({ Type: 'forward', ForwardConfig: { TargetGroups: groups } });

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
          const [forward] = withWeights([plainForward], written, 'listener');
          const read = weightsOf(forward!);

          // Assess
          expect(read).toEqual(written);
        }),
      );
    });
  });
});
