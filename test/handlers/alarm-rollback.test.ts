import { fileURLToPath } from 'node:url';
import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { loadConfig } from '../../embedded/config.js';
import { pushPayload } from '../../embedded/push.js';
import { createAlarmRollbackHandler } from '../../functions/alarm-rollback/alarm-rollback.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { Orchestrator } from '../../functions/shared/ports/index.js';
import { fixedClock, NOW, storeWith, taskContext } from '../support/ports.js';
import { shaOf } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/accounts/sluice.config.yaml', import.meta.url));
const DELIVERY = '123456789012';
const PROD = '222222222222';

const unused = async (): Promise<never> => {
  throw new Error('not used by alarm-rollback');
};

/**
 * EventBridge events carry "the account and region in which [the event] occurred" (EventBridge
 * reference, Event structure), and a target stack's rule forwards prod's alarm events to the
 * delivery bus unchanged: the `account` of an event on the delivery bus is where its alarm lives.
 * Alarm names are unique only within an account.
 */
describe('Handler: AlarmRollback, with environments in their own accounts', () => {
  const config = loadConfig(FIXTURE);
  let input: ReleaseInput;
  let lb: FakeLoadBalancer;
  let store: MemoryReleaseStore;
  let stops: string[];
  let handler: ReturnType<typeof createAlarmRollbackHandler>;
  let orchestrator: Orchestrator;

  const alarmEvent = (account: string) => ({
    version: '0',
    id: '1b2c3d4e-0000-4000-8000-000000000001',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: NOW,
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:${account}:alarm:checkout-prod-5xx`],
    detail: {
      alarmName: 'checkout-prod-5xx',
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: NOW },
      previousState: { value: 'OK' },
    },
  });

  beforeEach(async () => {
    // Prepare: a release of prod (account 222222222222) at its 10% step
    const plan = planRelease(config, pushPayload(config.repository, 'main', shaOf('prod')), 'delivery-1');
    if (plan.kind !== 'release') throw new Error(plan.reason);
    const prod = plan.environments.find((e) => e.name === 'prod');
    if (!prod) throw new Error('no prod in the plan');
    input = structuredClone(prod.input);
    const { blue, green } = input.environment.targetGroups;
    lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 90, [green]: 10 });
    store = await storeWith(input);
    stops = [];
    orchestrator = {
      startRelease: unused,
      startPipeline: unused,
      sendTaskSuccess: unused,
      sendTaskFailure: unused,
      executionStatus: unused,
      describeExecution: unused,
      stopExecution: async (name) => void stops.push(name),
    };
    handler = createAlarmRollbackHandler({
      config: () => config,
      trafficRouter: lb.router,
      releases: () => store,
      orchestrator: () => orchestrator,
      now: fixedClock,
    });
  });

  it('rolls prod back on its alarm’s event from prod’s account', async () => {
    const { blue, green } = input.environment.targetGroups;

    // Act
    const result = await handler(alarmEvent(PROD), taskContext);

    // Assess
    expect(result).toMatchObject({ action: 'rolled_back', environment: 'prod', releaseId: input.release.id });
    expect(stops).toEqual([input.executionName]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });

  it('ignores an event naming prod’s alarm from another account, and moves nothing', async () => {
    const { blue, green } = input.environment.targetGroups;

    // Act
    const result = await handler(alarmEvent(DELIVERY), taskContext);

    // Assess
    expect(result).toEqual({
      action: 'ignored',
      reason: `the event comes from account ${DELIVERY}, not prod's ${PROD}`,
    });
    expect(stops).toEqual([]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 90, [green]: 10 });
    expect(await store.get(input.release.id, 'prod')).toMatchObject({ status: 'in_progress' });
  });

  it('finds the environment by the alarm’s name in the event’s account, when another account has an alarm of that name', async () => {
    // Prepare: staging (account 333333333333) lists an alarm of prod's name before prod does
    const { blue, green } = input.environment.targetGroups;
    const alike = {
      ...config,
      environments: config.environments.map((env) =>
        env.name === 'staging' ? { ...env, alarms: ['checkout-prod-5xx', ...env.alarms] } : env,
      ),
    };
    expect(alike.environments.findIndex((e) => e.alarms.includes('checkout-prod-5xx'))).toBeLessThan(
      alike.environments.findIndex((e) => e.name === 'prod'),
    );
    const alikeHandler = createAlarmRollbackHandler({
      config: () => alike,
      trafficRouter: lb.router,
      releases: () => store,
      orchestrator: () => orchestrator,
      now: fixedClock,
    });

    // Act
    const result = await alikeHandler(alarmEvent(PROD), taskContext);

    // Assess: prod's alarm rolled prod back
    expect(result).toMatchObject({ action: 'rolled_back', environment: 'prod' });
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });

  it('refuses an event without an account as malformed', async () => {
    const { account: _account, ...withoutAccount } = alarmEvent(PROD);

    await expect(handler(withoutAccount, taskContext)).rejects.toMatchObject({ name: 'InvalidInputError' });
    expect(stops).toEqual([]);
  });
});
