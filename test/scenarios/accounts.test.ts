import { LocalTrafficRouter } from '../../embedded/adapters/traffic-router.js';
import type { AlarmStateChangeEvent } from '../../embedded/cloudwatch.js';
import { type ConfigFile, parseConfigFile } from '../../embedded/config.js';
import type { EventRoute } from '../../embedded/event-bus.js';
import type { Ports } from '../../functions/shared/ports/index.js';
import { SCALED, Scenario, shaOf } from './harness.js';

/*
 * Issue 19's embedded runtime: dev in the delivery account (123456789012), prod in its own
 * (222222222222, its role's trust requiring an ExternalId). AWS behaviour held here:
 *  - STS AssumeRole (API reference): the session is arn:aws:sts::<account>:assumed-role/<role>/<RoleSessionName>,
 *    its session tags are checked by the role's trust (sts:TagSession), and ExternalId must match the trust's condition;
 *  - IAM refuses a call on another account's resource that no resource-based policy allows with
 *    "User: <principal ARN> is not authorized to perform: <action> on resource: <ARN> because no
 *    resource-based policy allows the <action> action" (IAM User Guide, troubleshooting access denied);
 *  - an event forwarded to another account's bus keeps the `account` it occurred in (EventBridge
 *    reference, Event structure).
 */
const DELIVERY = '123456789012';
const PROD = '222222222222';
const EXTERNAL_ID = 'sluice-shop-prod-5e1d';
const DEV_LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-dev/50dc6c495c0c9188/f2f7dc8efc522ab2';
const PROD_LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:222222222222:listener/app/shop-prod/7f8091a2b3c4d5e6/b2c3d4e5f6071829';
const PROD_BLUE =
  'arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/shop-prod-blue/3c4d5e6f708192a3';
const PROD_GREEN =
  'arn:aws:elasticloadbalancing:us-east-1:222222222222:targetgroup/shop-prod-green/4d5e6f708192a3b4';
const PROD_ALARM = 'shop-prod-5xx';
const PROD_ROLE = `arn:aws:iam::${PROD}:role/sluice-shop-prod`;

/** dev and prod, each two steps baking 20 s (1 s on the SCALED clock), prod in its own account. */
function accountsConfig(): ConfigFile {
  const alarm = {
    metric: 'HTTPCode_Target_5XX_Count',
    threshold: 1000,
    period: '20s',
    treatMissingData: 'notBreaching',
  };
  return parseConfigFile({
    repository: 'acme/shop',
    service: 'shop',
    releaseBranches: ['release/*'],
    requiredChecks: ['build'],
    environments: [
      {
        name: 'dev',
        listenerArn: DEV_LISTENER,
        targetGroups: {
          blue: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-dev-blue/73e2d6bc24d8a067',
          green:
            'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-dev-green/5c2c2f1a0b3e4d6f',
        },
        deploy: { provider: 'external' },
        steps: [
          { weight: 25, bake: '20s' },
          { weight: 100, bake: '20s' },
        ],
        alarms: ['shop-dev-5xx'],
        watch: '20s',
      },
      {
        name: 'prod',
        account: { id: PROD, externalId: EXTERNAL_ID },
        listenerArn: PROD_LISTENER,
        targetGroups: { blue: PROD_BLUE, green: PROD_GREEN },
        deploy: { provider: 'external' },
        steps: [
          { weight: 10, bake: '20s' },
          { weight: 100, bake: '20s' },
        ],
        alarms: [PROD_ALARM],
        watch: '20s',
      },
    ],
    embedded: { timeScale: SCALED, alarms: { 'shop-dev-5xx': alarm, [PROD_ALARM]: alarm } },
  });
}

const environmentOf = (payload: unknown) =>
  (payload as { environment?: { name?: string } }).environment?.name;
const stepOf = (payload: unknown) => (payload as { step?: { index: number } }).step?.index;

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('Scenario: a release through dev and prod in two accounts', () => {
  it('shifts prod’s listener through prod’s role, assumed with the release as session name and the sluice tags', async () => {
    // Prepare
    scenario = await Scenario.start({ config: accountsConfig() });
    const { accounts, alb } = scenario.runtime;

    // Act
    const result = await scenario.release(shaOf('two-accounts'));

    // Assess: both environments released
    expect(result.execution.pipeline.status).toBe('SUCCEEDED');
    const releaseId = result.releaseId;
    expect(await scenario.runtime.ports.releases().get(releaseId, 'prod')).toMatchObject({
      status: 'succeeded',
    });
    expect(alb.readWeights(PROD_LISTENER)).toEqual({ [PROD_BLUE]: 0, [PROD_GREEN]: 100 });

    // Every AssumeRole went to prod's role, with the request the AWS adapters send
    const calls = accounts.sts.calls;
    expect(calls.length).toBeGreaterThan(0);
    const session = `arn:aws:sts::${PROD}:assumed-role/sluice-shop-prod/${releaseId}`;
    for (const call of calls) {
      expect(call).toMatchObject({
        outcome: 'assumed',
        detail: session,
        input: {
          RoleArn: PROD_ROLE,
          RoleSessionName: releaseId,
          ExternalId: EXTERNAL_ID,
          Tags: [
            { Key: 'sluice:environment', Value: 'prod' },
            { Key: 'sluice:release', Value: releaseId },
          ],
        },
      });
    }
    // ShiftTraffic is one of the functions that assumed it
    expect(calls.map((c) => c.caller)).toContain(
      `arn:aws:sts::${DELIVERY}:assumed-role/sluice-shop-us-east-1-ShiftTraffic/ShiftTraffic`,
    );

    // Every write to prod's listener was made as that session; dev's as the functions' own roles
    const writes = accounts.trail.filter((t) => t.action === 'elasticloadbalancing:ModifyListener');
    const prodWrites = writes.filter((t) => t.resource === PROD_LISTENER);
    expect(prodWrites.length).toBeGreaterThanOrEqual(2);
    expect(new Set(prodWrites.map((t) => t.who))).toEqual(new Set([session]));
    const devWriters = writes.filter((t) => t.resource === DEV_LISTENER).map((t) => t.who);
    expect(devWriters.length).toBeGreaterThanOrEqual(2);
    for (const who of devWriters) expect(who).toMatch(new RegExp(`^arn:aws:sts::${DELIVERY}:assumed-role/`));
    expect(accounts.trail.every((t) => t.allowed)).toBe(true);
  });

  it('rolls prod back on its alarm’s event, forwarded from prod’s account, as the single-account alarm does', async () => {
    // Prepare: prod's alarm fires once prod's canary serves 10%
    const delivered: { event: AlarmStateChangeEvent; result: unknown; route: EventRoute }[] = [];
    scenario = await Scenario.start({
      config: accountsConfig(),
      timeScale: SCALED,
      onAlarmEvent: (event, result, route) => delivered.push({ event, result, route }),
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        if (fn === 'ShiftTraffic' && environmentOf(payload) === 'prod' && stepOf(payload) === 0) {
          scenario!.runtime.cloudwatch.setAlarmState(PROD_ALARM, 'ALARM', 'injected: 5xx over threshold');
        }
        return result;
      },
    });

    // Act
    const pushed = await scenario.push(shaOf('prod-alarm'));
    const pipeline = await scenario.runtime.pipelines.wait(pushed.pipelineName);
    const prodExecution = pushed.plan.environments.find((e) => e.name === 'prod')!.executionName;
    const execution = await scenario.runtime.engine.wait(prodExecution);
    const record = await scenario.runtime.ports.releases().get(pushed.releaseId, 'prod');

    // Assess: the event came from prod's account, through the forwarding rule, and rolled back at once
    const alarmed = delivered.filter((d) => d.event.detail.state.value === 'ALARM');
    expect(alarmed).toHaveLength(1);
    expect(alarmed[0]!.event.account).toBe(PROD);
    expect(alarmed[0]!.route).toMatchObject({ route: 'forwarded', from: PROD });
    expect(alarmed[0]!.result).toMatchObject({ action: 'rolled_back', environment: 'prod' });
    expect(scenario.runtime.buses.forwarded.map((e) => e.detail.alarmName)).toContain(PROD_ALARM);
    // As in the single-account scenario (release.test.ts, "rolls back at once when the alarm fires
    // during a bake"): ABORTED by the event, not FAILED by the next bake check.
    expect(execution.status).toBe('ABORTED');
    expect(record).toMatchObject({ status: 'rolled_back', cause: { trigger: 'alarm', alarm: PROD_ALARM } });
    expect(Date.parse(record?.restoredAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.startedAt ?? ''));
    expect(scenario.runtime.alb.readWeights(PROD_LISTENER)).toEqual({ [PROD_BLUE]: 100, [PROD_GREEN]: 0 });
    expect(pipeline.status).toBe('FAILED');
    // The restore was made by alarm-rollback through prod's role
    const restore = scenario.runtime.accounts.trail.filter(
      (t) => t.resource === PROD_LISTENER && t.action === 'elasticloadbalancing:ModifyListener',
    );
    expect(
      restore.every((t) => t.who.startsWith(`arn:aws:sts::${PROD}:assumed-role/sluice-shop-prod/`)),
    ).toBe(true);
    expect(scenario.runtime.accounts.sts.calls.map((c) => c.caller)).toContain(
      `arn:aws:sts::${DELIVERY}:assumed-role/sluice-shop-us-east-1-AlarmRollback/AlarmRollback`,
    );
  });

  it('fails prod with AccessDenied naming the principal when a handler reaches prod without assuming its role', async () => {
    // Prepare: the traffic ports act with the calling function's own credentials, whatever the environment
    scenario = await Scenario.start({
      config: accountsConfig(),
      wrapPorts: (ports): Ports => ({
        ...ports,
        trafficReader: (listener) =>
          new LocalTrafficRouter(scenario!.runtime.alb, listener, scenario!.runtime.accounts.own()),
        trafficRouter: (listener) =>
          new LocalTrafficRouter(scenario!.runtime.alb, listener, scenario!.runtime.accounts.own()),
      }),
    });

    // Act
    const result = await scenario.release(shaOf('no-role'));

    // Assess: dev (the functions' own account) released; prod was refused before anything moved
    expect(result.record).toMatchObject({ status: 'succeeded' });
    expect(result.execution.pipeline.status).toBe('FAILED');
    const prod = await scenario.runtime.ports.releases().get(result.releaseId, 'prod');
    const principal = `arn:aws:sts::${DELIVERY}:assumed-role/sluice-shop-us-east-1-BeginRelease/BeginRelease`;
    expect(prod?.status).toBe('failed');
    expect(prod?.cause?.message).toContain(
      `AccessDenied: User: ${principal} is not authorized to perform: elasticloadbalancing:DescribeListeners on resource: ${PROD_LISTENER}`,
    );
    expect(scenario.runtime.alb.readWeights(PROD_LISTENER)).toEqual({ [PROD_BLUE]: 100, [PROD_GREEN]: 0 });
    expect(scenario.runtime.accounts.sts.calls).toEqual([]);
  });
});
