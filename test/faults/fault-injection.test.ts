import fc from 'fast-check';
import { lambdaContext } from '../../embedded/engine.js';
import { TrafficShiftError } from '../../functions/shared/domain/errors.js';
import { TERMINAL_STATUSES } from '../../functions/shared/domain/release.js';
import type { AlarmSource, AlarmState, Ports } from '../../functions/shared/ports/index.js';
import {
  RELEASE_TASK_FUNCTIONS,
  type ReleaseTaskFunction,
  type TaskFunction,
} from '../../statemachines/definitions.js';
import { ALARM, BLUE, failingShifts, GREEN, Scenario, scenarioConfig, shaOf } from '../scenarios/harness.js';

/** Every way a release can be hurt that this suite knows, each placed at a point of the release. */
type Fault =
  | { kind: 'throw'; at: ReleaseTaskFunction; when: 'before' | 'after'; times: number }
  | { kind: 'timeout'; at: ReleaseTaskFunction }
  | { kind: 'throttle'; writes: number }
  | { kind: 'deployFails' }
  | { kind: 'alarmEvent'; step: number }
  | { kind: 'alarmPolled'; step: number }
  | { kind: 'noData'; step: number }
  | { kind: 'alarmInWatch' }
  | { kind: 'secondPush'; step: number }
  | { kind: 'duplicateDelivery' };

const STEPS = 3;
const TASKS: ReleaseTaskFunction[] = [...RELEASE_TASK_FUNCTIONS];
const step = fc.integer({ min: 0, max: STEPS - 1 });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({
    kind: fc.constant('throw' as const),
    at: fc.constantFrom(...TASKS),
    when: fc.constantFrom('before' as const, 'after' as const),
    times: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('timeout' as const), at: fc.constantFrom(...TASKS) }),
  // Up to 10 throttled writes: past the shift's retries (a permanent failure for the canary),
  // within the rollback's. Beyond the whole retry budget the guard's DLQ alarm pages a person.
  fc.record({ kind: fc.constant('throttle' as const), writes: fc.integer({ min: 1, max: 10 }) }),
  fc.constant({ kind: 'deployFails' as const }),
  fc.record({ kind: fc.constant('alarmEvent' as const), step }),
  fc.record({ kind: fc.constant('alarmPolled' as const), step }),
  fc.record({ kind: fc.constant('noData' as const), step }),
  fc.constant({ kind: 'alarmInWatch' as const }),
  fc.record({ kind: fc.constant('secondPush' as const), step }),
  fc.constant({ kind: 'duplicateDelivery' as const }),
);
const schedules = fc.array(fault, { minLength: 0, maxLength: 3 });

/** The schedule the running release is hurt by; the interceptors read it. */
let faults: Fault[] = [];
let calls = new Map<string, number>();
let throttledWrites = 0;
let currentStep = -1;
let checking: 'bake' | 'watch' = 'bake';
let pushes: ReturnType<Scenario['push']>[] = [];
let scenario: Scenario;
let runs = 0;
/**
 * Schedules per run: 200 in `npm test` (a few seconds), the full 1,000 in CI (`npm run faults`,
 * a step of .ci/run), or as many as SLUICE_FAULT_RUNS says.
 */
const RUNS = faultRuns(process.env.SLUICE_FAULT_RUNS);
function faultRuns(value: string | undefined): number {
  if (value === undefined || value === '') return 200;
  const runs = Number(value);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`SLUICE_FAULT_RUNS must be a positive integer, not ${value}`);
  return runs;
}
/** The versions whose deploy fails; the runtime's deployer reads this same array. */
const failingDeploys: string[] = [];
let counter = 0;

const active = <K extends Fault['kind']>(kind: K) =>
  faults.filter((f): f is Extract<Fault, { kind: K }> => f.kind === kind);

/** Alarms as the schedule says: ALARM or no data at its step's bake check, OK otherwise. */
const scriptedAlarms: AlarmSource = {
  alarmedSince: async () => [],
  describe: async (names) =>
    names.map((name) => {
      let state: AlarmState = 'OK';
      if (checking === 'bake' && active('alarmPolled').some((f) => f.step === currentStep)) state = 'ALARM';
      if (checking === 'bake' && active('noData').some((f) => f.step === currentStep))
        state = 'INSUFFICIENT_DATA';
      return { name, state };
    }),
};

/** ELBv2 answering ThrottlingException to the first N weight writes of a release. */
function throttled(): Error | undefined {
  const limit = active('throttle').reduce((n, f) => Math.max(n, f.writes), 0);
  if (throttledWrites >= limit) return undefined;
  throttledWrites++;
  return new TrafficShiftError('ModifyListener: Rate exceeded', {
    cause: Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
  });
}

function alarmEvent() {
  return {
    version: '0',
    id: `fault-${counter}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${ALARM}`],
    detail: {
      alarmName: ALARM,
      state: { value: 'ALARM', reason: 'injected', timestamp: new Date().toISOString() },
      previousState: { value: 'OK', reason: 'injected', timestamp: new Date().toISOString() },
      configuration: { metrics: [] },
    },
  };
}

async function intercept(fn: TaskFunction, payload: unknown, invoke: () => Promise<unknown>) {
  const count = (calls.get(fn) ?? 0) + 1;
  calls.set(fn, count);
  const input = payload as { step?: { index: number }; phase?: 'bake' | 'watch'; event?: string };
  if (fn === 'CheckAlarms') checking = input.phase ?? 'bake';
  if (active('timeout').some((f) => f.at === fn && count === 1)) {
    throw Object.assign(new Error('Task timed out'), { name: 'States.Timeout' });
  }
  const thrown = active('throw').find((f) => f.at === fn && count <= f.times);
  if (thrown?.when === 'before')
    throw Object.assign(new Error(`injected in ${fn}`), { name: 'InjectedError' });
  const result = await invoke();
  if (thrown) throw Object.assign(new Error(`injected after ${fn}`), { name: 'InjectedError' });

  if (fn === 'ShiftTraffic' && input.step) {
    currentStep = input.step.index;
    if (active('alarmEvent').some((f) => f.step === currentStep)) {
      await scenario.runtime.handlers.alarmRollback(alarmEvent() as never, lambdaContext('alarm-rollback'));
    }
    if (active('secondPush').some((f) => f.step === currentStep) && pushes.length === 1) {
      pushes.push(scenario.push(shaOf(`fault-${counter}-newer`)));
    }
  }
  if (fn === 'RecordRelease' && input.event === 'promoted' && active('alarmInWatch').length > 0) {
    await scenario.runtime.handlers.alarmRollback(alarmEvent() as never, lambdaContext('alarm-rollback'));
  }
  return result;
}

beforeAll(async () => {
  const config = scenarioConfig({
    steps: [
      { weight: 10, bake: '1m' },
      { weight: 50, bake: '1m' },
      { weight: 100, bake: '1m' },
    ],
    insufficientData: { policy: 'extend', maxExtension: '2m' },
  });
  scenario = await Scenario.start({
    config,
    timeScale: 0,
    releaseStore: 'memory',
    failVersions: failingDeploys,
    interceptTask: intercept,
    notifications: false,
    wrapPorts: (ports): Ports => ({
      ...failingShifts(throttled)(ports),
      // The suite is about traffic: the plan's check run is written in memory, not over HTTP.
      checkReporter: () => ({ create: async () => 1, update: async () => undefined }),
      alarms: () => scriptedAlarms,
    }),
  });
});

afterAll(async () => {
  await scenario?.close();
  process.stdout.write(`fault injection: ${runs} schedules run, invariant held after every one\n`);
});

describe('Invariant: traffic is never left split', () => {
  it('ends every execution at 100/0 on a known-good version, lock free, outcome recorded', async () => {
    const knownGood = new Set(['baseline']);
    await fc.assert(
      fc.asyncProperty(schedules, async (schedule) => {
        // Prepare
        counter++;
        faults = schedule;
        calls = new Map();
        throttledWrites = 0;
        currentStep = -1;
        checking = 'bake';
        const sha = shaOf(`fault-${counter}`);
        failingDeploys.splice(0, failingDeploys.length, ...(active('deployFails').length > 0 ? [sha] : []));

        // Act
        pushes = [scenario.push(sha)];
        if (active('duplicateDelivery').length > 0) {
          await scenario.push(sha);
          await scenario.push(sha, 'same-delivery');
        }
        await scenario.settle(await pushes[0]!);
        for (const push of pushes.slice(1)) await scenario.settle(await push);
        await scenario.runtime.engine.drain();
        runs++;

        // Assess
        const weights = scenario.weights();
        const live = weights[BLUE] === 100 ? BLUE : GREEN;
        expect([weights[BLUE], weights[GREEN]].sort()).toEqual([0, 100]);
        expect(await scenario.lockHolder()).toBeUndefined();
        const records = (
          await Promise.all(pushes.map(async (push) => scenario.record((await push).releaseId)))
        ).filter((r) => r !== undefined);
        for (const record of records) {
          expect(TERMINAL_STATUSES).toContain(record.status);
          if (record.status === 'succeeded') knownGood.add(record.version);
          else expect(record.cause?.message).toEqual(expect.any(String));
        }
        const serving = scenario.runtime.deployer.apps(live).map((app) => app.version);
        expect(serving.length).toBeGreaterThan(0);
        for (const version of serving) expect(knownGood).toContain(version);
        const executions = scenario.runtime.engine.list().filter((e) => e.name.endsWith(sha));
        expect(executions).toHaveLength(1);
        // Where one fault acts alone, its outcome is known too.
        const own = records.find((r) => r.sha === sha);
        const only = schedule.length === 1 ? schedule[0]!.kind : schedule.length === 0 ? 'none' : 'several';
        if (only === 'none' || only === 'duplicateDelivery') expect(own?.status).toBe('succeeded');
        if (only === 'deployFails')
          expect(own).toMatchObject({ status: 'failed', cause: { error: 'DeployError' } });
        if (only === 'alarmEvent' || only === 'alarmPolled') {
          expect(own).toMatchObject({ status: 'rolled_back', cause: { trigger: 'alarm' } });
        }
      }),
      { numRuns: RUNS },
    );
    expect(runs).toBeGreaterThanOrEqual(RUNS);
  }, 300_000); // 1,000 schedules: ~20 s on an idle 2-core machine; the timeout is for a loaded one
});
