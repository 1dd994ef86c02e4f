import { TrafficShiftError } from '../../functions/shared/domain/errors.js';
import type { AlarmSource, Ports } from '../../functions/shared/ports/index.js';
import type { TaskFunction } from '../../statemachines/definitions.js';
import { ALARM, BLUE, failingShifts, GREEN, SCALED, Scenario, scenarioConfig, shaOf } from './harness.js';

class InjectedError extends Error {
  override name = 'InjectedError';
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** Throws at a Task, before its handler runs or after it returned (a crash after the write). */
function failAt(fn: TaskFunction, when: 'before' | 'after' = 'before') {
  return async (name: TaskFunction, _payload: unknown, invoke: () => Promise<unknown>) => {
    if (name !== fn) return invoke();
    if (when === 'after') await invoke();
    throw new InjectedError(`injected failure in ${fn}`);
  };
}

describe('Scenario: a release on the embedded runtime', () => {
  it('promotes a healthy version through every canary step and frees the lock', async () => {
    // Prepare: the store `npm start` uses, the DynamoDB adapter against dynalite
    scenario = await Scenario.start({ releaseStore: 'dynalite' });

    // Act
    const result = await scenario.release(shaOf('healthy'));

    // Assess
    expect(result.status).toBe(202);
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.record.status).toBe('succeeded');
    expect(result.record.steps.map((s) => s.observed)).toEqual([
      { [BLUE]: 75, [GREEN]: 25 },
      { [BLUE]: 0, [GREEN]: 100 },
    ]);
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('releases on a listener that forwarded to the live group alone, attaching the idle group first', async () => {
    // Prepare: the listener lists blue only, so green's targets are unused (never healthy)
    scenario = await Scenario.start();
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 100 });

    // Act
    const result = await scenario.release(shaOf('first on one group'));

    // Assess
    expect(result.record.status).toBe('succeeded');
    expect(result.record.history.map((h) => h.event)).toContain('idle_attached');
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
  });

  it('retries the attach when the load balancer throttles it, and still releases', async () => {
    // Prepare: ELBv2 answers the first write with a throttling error (TrafficShiftError)
    let throttled = 0;
    scenario = await Scenario.start({
      wrapPorts: failingShifts(() =>
        throttled++ === 0 ? new TrafficShiftError('ModifyListener: Rate exceeded') : undefined,
      ),
    });
    scenario.runtime.alb.setWeights(scenario.env.listenerArn, { [BLUE]: 100 });

    // Act
    const result = await scenario.release(shaOf('throttled attach'));

    // Assess
    expect(throttled).toBeGreaterThan(1);
    expect(result.record.status).toBe('succeeded');
    expect(result.record.history.map((h) => h.event)).toContain('idle_attached');
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
  });

  it('starts nothing new for a redelivered push', async () => {
    scenario = await Scenario.start();
    const first = await scenario.push(shaOf('once'));

    const again = await scenario.push(shaOf('once'));

    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, executionName: first.pipelineName, attempt: 1 });
    expect(scenario.runtime.pipelines.list()).toHaveLength(1);
    await scenario.settle(first);
  });

  it('rolls back at once when the alarm fires during a bake', async () => {
    scenario = await Scenario.start({
      timeScale: SCALED,
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        const step = (payload as { step?: { index: number } }).step;
        if (fn === 'ShiftTraffic' && step?.index === 0) {
          scenario!.runtime.cloudwatch.setAlarmState(ALARM, 'ALARM', 'injected: 5xx over threshold');
        }
        return result;
      },
    });

    const result = await scenario.release(shaOf('faulty'));

    expect(result.execution.status).toBe('ABORTED');
    expect(result.record.status).toBe('rolled_back');
    expect(result.record.cause).toMatchObject({ trigger: 'alarm', alarm: ALARM });
    expect(Date.parse(result.record.restoredAt ?? '')).toBeGreaterThanOrEqual(
      Date.parse(result.record.startedAt),
    );
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('rolls back at the bake check when no alarm event arrives', async () => {
    // OK when the release starts (CheckAlarmsAtStart reads it first), in ALARM from then on.
    let reads = 0;
    const firing: AlarmSource = {
      alarmedSince: async () => [],
      describe: async (names) => {
        const state = reads++ === 0 ? 'OK' : 'ALARM';
        return names.map((name) => ({ name, state, reason: 'polled' }));
      },
    };
    scenario = await Scenario.start({ wrapPorts: (ports): Ports => ({ ...ports, alarms: () => firing }) });

    const result = await scenario.release(shaOf('polled'));

    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'AlarmFiredError' });
    expect(result.record.status).toBe('rolled_back');
    expect(result.record.cause).toMatchObject({ trigger: 'alarm', alarm: ALARM });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });

  it.each([
    ['VerifyBuild', 'before', 'failed'],
    ['Deploy', 'after', 'failed'],
    ['ShiftTraffic', 'after', 'rolled_back'],
    // CheckAlarmsAtStart runs CheckAlarms first, before any traffic moves.
    ['CheckAlarms', 'before', 'failed'],
    ['RecordRelease', 'before', 'rolled_back'],
  ] as const)(
    'leaves all traffic on the stable version when %s fails (%s its handler runs)',
    async (fn, when, status) => {
      scenario = await Scenario.start({ interceptTask: failAt(fn, when) });

      const result = await scenario.release(shaOf(`fail-${fn}`));

      expect(result.execution.status).toBe('FAILED');
      expect(result.record.status).toBe(status);
      expect(result.record.cause).toMatchObject({ error: 'InjectedError' });
      expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
      expect(await scenario.lockHolder()).toBeUndefined();
    },
  );

  it('records a release that could not begin and moves nothing', async () => {
    scenario = await Scenario.start({ interceptTask: failAt('BeginRelease') });

    const result = await scenario.release(shaOf('no-begin'));

    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'InjectedError' });
    expect(result.record).toMatchObject({ status: 'failed', steps: [] });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('restores traffic through the release guard when the rollback itself keeps failing', async () => {
    scenario = await Scenario.start({
      interceptTask: async (fn, _payload, invoke) => {
        if (fn === 'Rollback') throw new InjectedError('rollback is down');
        const result = await invoke();
        if (fn === 'ShiftTraffic') throw new InjectedError('crash after the shift');
        return result;
      },
    });

    const result = await scenario.release(shaOf('rollback-down'));

    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'RollbackError' });
    expect(result.record.status).toMatch(/failed|rolled_back/);
    expect(result.record.cause?.trigger).toBe('crash');
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('takes over the lock of a release whose execution ended but whose end event never reached the guard', async () => {
    // Prepare: the first release crashes after its first step, its rollback fails, and the
    // load balancer refuses writes while the guard runs (on AWS: the guard's event goes to the
    // dead-letter queue), so its record stays in progress and it keeps the lock. The policy is
    // reject: a lock held by a live release would fail the next one.
    let broken = true;
    scenario = await Scenario.start({
      config: scenarioConfig({ concurrency: 'reject' }),
      interceptTask: async (fn, _payload, invoke) => {
        if (!broken) return invoke();
        if (fn === 'Rollback') throw new InjectedError('rollback is down');
        const result = await invoke();
        if (fn === 'ShiftTraffic') throw new InjectedError('crash after the shift');
        return result;
      },
      wrapPorts: failingShifts((weights) =>
        broken && weights[GREEN] === 0 ? new Error('ModifyListener: service unavailable') : undefined,
      ),
    });
    const crashed = await scenario.release(shaOf('crashed'));
    expect(crashed.execution.status).toBe('FAILED');
    expect(crashed.record.status).toBe('in_progress');
    expect(await scenario.lockHolder()).toMatchObject({ releaseId: crashed.releaseId });
    expect(scenario.weights()).toEqual({ [BLUE]: 75, [GREEN]: 25 });
    broken = false;

    // Act
    const next = await scenario.release(shaOf('after the crash'));

    // Assess
    expect(next.record.status).toBe('succeeded');
    expect(await scenario.record(crashed.releaseId)).toMatchObject({
      status: 'rolled_back',
      restoredAt: expect.any(String),
      cause: {
        trigger: 'crash',
        error: 'StaleLock',
        message: expect.stringMatching(
          new RegExp(
            `^execution ${crashed.executionName} ended FAILED with RollbackError .*, and release ${crashed.releaseId} never recorded an outcome; its lock was taken over by release ${next.releaseId}`,
          ),
        ),
      },
    });
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('leaves the listener untouched when the deploy fails', async () => {
    const sha = shaOf('undeployable');
    scenario = await Scenario.start({ failVersions: [sha] });

    const result = await scenario.release(sha);

    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'DeployError' });
    expect(result.record).toMatchObject({ status: 'failed', steps: [] });
    expect(scenario.runtime.alb.epochs(scenario.env.listenerArn)).toHaveLength(2); // the seed's 100/0 only
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });

  it('flips straight back to the previous version when the alarm fires in the watch window', async () => {
    scenario = await Scenario.start({
      timeScale: SCALED,
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        if (fn === 'RecordRelease' && (payload as { event: string }).event === 'promoted') {
          scenario!.runtime.cloudwatch.setAlarmState(ALARM, 'ALARM', 'injected after promotion');
        }
        return result;
      },
    });

    const result = await scenario.release(shaOf('bad-after-promotion'));

    expect(result.execution.status).toBe('ABORTED');
    expect(result.record).toMatchObject({ status: 'rolled_back', cause: { trigger: 'alarm' } });
    expect(result.record.steps).toHaveLength(2);
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
  });

  it('supersedes a running release with a newer push and runs the newer one', async () => {
    const older = shaOf('older');
    const newer = shaOf('newer');
    let newerPush: ReturnType<Scenario['push']> | undefined;
    scenario = await Scenario.start({
      timeScale: SCALED, // the newer push lands during the older one's first bake (1 s)
      // and nothing after that bake is timed
      config: scenarioConfig({
        steps: [
          { weight: 25, bake: '20s' },
          { weight: 100, bake: '0s' },
        ],
        watch: '0s',
      }),
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        const { release, step } = payload as { release?: { sha: string }; step?: { index: number } };
        if (fn === 'ShiftTraffic' && release?.sha === older && step?.index === 0)
          newerPush = scenario!.push(newer);
        return result;
      },
    });

    const first = await scenario.release(older);
    const second = await newerPush!;
    const secondEnd = await scenario.settle(second);

    expect(first.execution.status).toBe('ABORTED');
    expect((await scenario.record(first.releaseId))?.status).toBe('superseded');
    expect(secondEnd.status).toBe('SUCCEEDED');
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });
});
