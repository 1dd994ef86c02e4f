import { lambdaContext } from '../../embedded/engine.js';
import { createApp } from '../../embedded/server.js';
import { environmentStatus } from '../../functions/shared/control/manual-control.js';
import { ALARM, BLUE, GREEN, Scenario, shaOf } from './harness.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const alarmEvent = (alarmName: string, value = 'ALARM') => ({
  version: '0',
  id: 'e1',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
  detail: {
    alarmName,
    state: { value, reason: 'test', timestamp: new Date().toISOString() },
    previousState: { value: 'OK' },
  },
});

const TOKEN = 'test-api-token';
const post = (app: ReturnType<typeof createApp>, path: string, body: unknown) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sluice-token': TOKEN },
    body: JSON.stringify(body),
  });

describe('Handler: alarm-rollback on the embedded runtime', () => {
  it.each([
    [
      'an alarm no environment watches',
      alarmEvent('someone-elses-alarm'),
      'no environment watches this alarm',
    ],
    ['an alarm of an idle environment', alarmEvent(ALARM), 'no release is running in dev'],
    ['a return to OK', alarmEvent(ALARM, 'OK'), 'state is OK'],
  ])('logs and ignores %s, moving no traffic', async (_what, event, reason) => {
    scenario = await Scenario.start();

    const result = await scenario.runtime.handlers.alarmRollback(event as never, lambdaContext('t'));

    expect(result).toEqual({ action: 'ignored', reason });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });

  it('rejects a malformed event with an error naming the field', async () => {
    scenario = await Scenario.start();
    const event = { ...alarmEvent(ALARM), detail: { state: { value: 'ALARM' } } };

    await expect(
      scenario.runtime.handlers.alarmRollback(event as never, lambdaContext('t')),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('detail.alarmName'),
    });
  });
});

describe('Handler: release-guard on the embedded runtime', () => {
  it('does nothing for an execution that succeeded', async () => {
    scenario = await Scenario.start();
    const event = {
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      detail: { executionArn: 'arn:x', name: 'x', status: 'SUCCEEDED', input: '{}' },
    };

    const result = await scenario.runtime.handlers.releaseGuard(event as never, lambdaContext('t'));

    expect(result).toEqual({ action: 'none', reason: 'execution SUCCEEDED' });
  });

  it('rejects an event that is not an execution status change', async () => {
    scenario = await Scenario.start();

    await expect(
      scenario.runtime.handlers.releaseGuard({ source: 'aws.states' } as never, lambdaContext('t')),
    ).rejects.toMatchObject({ name: 'InvalidInputError' });
  });
});

describe('Manual controls through the serve API', () => {
  it('aborts a running release, restores its traffic and records who and why', async () => {
    let aborted: Response | Promise<Response> | undefined;
    scenario = await Scenario.start({
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        if (fn === 'ShiftTraffic' && (payload as { step: { index: number } }).step.index === 0) {
          const { release } = payload as { release: { id: string } };
          aborted = post(
            createApp(scenario!.runtime, { apiToken: TOKEN }),
            `/api/releases/${release.id}/abort`,
            {
              by: 'ana',
              reason: 'customer reports',
            },
          );
        }
        return result;
      },
    });

    const result = await scenario.release(shaOf('to-abort'));
    const response = await aborted!;

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      aborted: [{ environment: 'dev', status: 'aborted', attempt: 1 }],
    });
    expect(result.execution.status).toBe('ABORTED');
    // The pipeline stops with its environment, and says where and why.
    expect(result.execution.pipeline.status).toBe('FAILED');
    const listed = (await (
      await createApp(scenario.runtime, { apiToken: TOKEN }).request('/api/releases', {
        headers: { 'x-sluice-token': TOKEN },
      })
    ).json()) as {
      releases: unknown[];
    };
    expect(listed.releases[0]).toMatchObject({
      attempt: 1,
      pipeline: { status: 'failed', cause: { message: 'stopped in dev: aborted by ana: customer reports' } },
      environments: [{ environment: 'dev', status: 'aborted', attempt: 1 }],
    });
    expect(result.record).toMatchObject({
      status: 'aborted',
      cause: { trigger: 'manual', by: 'ana', message: 'aborted by ana: customer reports' },
    });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('rolls an idle environment back to the previous version still on the idle group', async () => {
    scenario = await Scenario.start();
    const released = await scenario.release(shaOf('promoted-then-regretted'));
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });

    const response = await post(
      createApp(scenario.runtime, { apiToken: TOKEN }),
      '/api/environments/dev/rollback',
      {
        by: 'ana',
        reason: 'slow checkout',
      },
    );

    expect(await response.json()).toEqual({ action: 'flipped', releaseId: released.releaseId, live: BLUE });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.record(released.releaseId)).toMatchObject({
      status: 'rolled_back',
      cause: { trigger: 'manual', by: 'ana' },
    });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('restores a split listener that a crashed release left and no release holds, to the group the last succeeded release made live', async () => {
    // Prepare: a promotion made green live; then a release from green crashed mid-shift (its
    // function and execution died), leaving 70/30 with its record in progress and no lock
    scenario = await Scenario.start();
    const released = await scenario.release(shaOf('promoted'));
    const at = new Date(Date.parse(released.record.startedAt) + 60_000).toISOString();
    await scenario.runtime.ports.releases().create({
      ...released.record,
      releaseId: 'crashed',
      executionName: 'crashed-exec',
      status: 'in_progress',
      targets: { live: GREEN, idle: BLUE },
      steps: [{ index: 0, weight: 30, observed: { [GREEN]: 70, [BLUE]: 30 }, at }],
      startedAt: at,
      updatedAt: at,
      history: [{ at, event: 'started' }],
    });
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [GREEN]: 70, [BLUE]: 30 });
    expect(await scenario.lockHolder()).toBeUndefined();

    // Act
    const response = await post(
      createApp(scenario.runtime, { apiToken: TOKEN }),
      '/api/environments/dev/rollback',
      {
        by: 'ana',
        reason: 'dev stuck at 70/30',
      },
    );

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      action: 'restored',
      releaseId: 'crashed',
      live: GREEN,
      side: 'green',
      weights: { [GREEN]: 100, [BLUE]: 0 },
      why: `release ${released.releaseId} made it live`,
    });
    expect(scenario.weights()).toEqual({ [GREEN]: 100, [BLUE]: 0 });
    const crashed = await scenario.runtime.ports.releases().get('crashed', 'dev');
    expect(crashed).toMatchObject({
      status: 'rolled_back',
      restoredTo: GREEN,
      cause: { trigger: 'manual', by: 'ana', message: 'rolled back by ana: dev stuck at 70/30' },
    });
    expect(crashed?.history.at(-1)?.detail).toContain(
      'the listener was split (blue 30 / green 70); all traffic on green',
    );
    expect(await scenario.lockHolder()).toBeUndefined();
    // The status that follows agrees with the record: no drift is flagged.
    const status = await environmentStatus(scenario.runtime.ports);
    expect(status[0]).toMatchObject({ live: 'green', traffic: 'blue 0 / green 100' });
    expect(status[0]?.drift).toBeUndefined();
  });

  it('asks for --to where the records cannot say which group was live, then restores the one named', async () => {
    // Prepare: no release ever succeeded here, and something left the listener split
    scenario = await Scenario.start();
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 70, [GREEN]: 30 });
    const app = createApp(scenario.runtime, { apiToken: TOKEN });

    // Act
    const refused = await post(app, '/api/environments/dev/rollback', { by: 'ana', reason: 'split' });
    const weightsAfterRefusal = scenario.weights();
    const restored = await post(app, '/api/environments/dev/rollback', {
      by: 'ana',
      reason: 'split',
      to: 'blue',
    });

    // Assess
    expect(refused.status).toBe(409);
    expect(await refused.json()).toEqual({
      error:
        'listener of dev is split (blue 70 / green 30) and no release holds it; no succeeded release in the records says which group is live: name the group to restore with --to blue|green',
    });
    expect(weightsAfterRefusal).toEqual({ [BLUE]: 70, [GREEN]: 30 });
    expect(await restored.json()).toMatchObject({
      action: 'restored',
      live: BLUE,
      side: 'blue',
      why: '--to blue',
    });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('refuses to restore a split listener onto a group without enough healthy targets, and moves nothing', async () => {
    // Prepare: green was scaled to 0 (previousDesiredCount: 0), and the listener is split
    scenario = await Scenario.start();
    await scenario.runtime.deployer.resize({
      environment: 'dev',
      deploy: { provider: 'external' },
      targetGroupArn: GREEN,
      side: 'green',
      desiredCount: 0,
    });
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 70, [GREEN]: 30 });

    // Act
    const response = await post(
      createApp(scenario.runtime, { apiToken: TOKEN }),
      '/api/environments/dev/rollback',
      {
        to: 'green',
      },
    );

    // Assess
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: `${GREEN} has 0 healthy target(s), 1 required; nothing to roll back to`,
    });
    expect(scenario.weights()).toEqual({ [BLUE]: 70, [GREEN]: 30 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('answers 400 for a --to that is neither blue nor green, and moves nothing', async () => {
    scenario = await Scenario.start();
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 70, [GREEN]: 30 });

    const response = await post(
      createApp(scenario.runtime, { apiToken: TOKEN }),
      '/api/environments/dev/rollback',
      {
        to: 'purple',
      },
    );

    expect(response.status).toBe(400);
    expect(scenario.weights()).toEqual({ [BLUE]: 70, [GREEN]: 30 });
  });

  it('flags a listener whose weights differ from what the last release recorded', async () => {
    // Prepare: a promotion made green live; then something else (Terraform's next apply) put blue back
    scenario = await Scenario.start();
    const released = await scenario.release(shaOf('reset-behind-our-back'));
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 100, [GREEN]: 0 });

    // Act
    const response = await createApp(scenario.runtime, { apiToken: TOKEN }).request('/api/status', {
      headers: { 'x-sluice-token': TOKEN },
    });

    // Assess
    const { environments } = (await response.json()) as { environments: { drift?: string }[] };
    expect(environments[0]?.drift).toBe(
      `the listener serves blue 100 / green 0, but release ${released.releaseId} recorded blue 0 / green 100: something else — Terraform, CloudFormation — may own this listener`,
    );
  });

  it('reports each environment’s traffic as the listener serves it, with its latest release', async () => {
    scenario = await Scenario.start();
    const released = await scenario.release(shaOf('status'));

    const response = await createApp(scenario.runtime, { apiToken: TOKEN }).request('/api/status', {
      headers: { 'x-sluice-token': TOKEN },
    });

    expect(await response.json()).toEqual({
      environments: [
        {
          environment: 'dev',
          traffic: 'blue 0 / green 100',
          live: 'green',
          releases: [expect.objectContaining({ releaseId: released.releaseId, status: 'succeeded' })],
        },
      ],
    });
  });

  it('answers 409 for a release that does not exist', async () => {
    scenario = await Scenario.start();

    const response = await post(
      createApp(scenario.runtime, { apiToken: TOKEN }),
      '/api/releases/nope/abort',
      {},
    );

    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'no release nope' });
  });
});
