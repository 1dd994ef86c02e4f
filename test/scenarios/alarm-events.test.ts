import type { AlarmSource, Ports } from '../../functions/shared/ports/index.js';
import { ALARM, BLUE, GREEN, Scenario, shaOf } from './harness.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

describe('Option: alarmEvents false (the benchmark polling baseline)', () => {
  it('routes no alarm event to alarm-rollback, so the bake check rolls the release back', async () => {
    // Prepare
    let fired = false;
    const alarmEvents: string[] = [];
    // CloudWatch's next evaluation (no traffic here) would put the alarm back to OK: keep it in ALARM.
    const firing: AlarmSource = {
      alarmedSince: async () => [],
      describe: async (names) => names.map((name) => ({ name, state: fired ? 'ALARM' : 'OK' })),
    };
    scenario = await Scenario.start({
      alarmEvents: false,
      onAlarmEvent: (event) => alarmEvents.push(event.detail.state.value),
      wrapPorts: (ports): Ports => ({ ...ports, alarms: () => firing }),
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        if (fn === 'ShiftTraffic' && (payload as { step?: { index: number } }).step?.index === 0) {
          fired = true;
          scenario!.runtime.cloudwatch.setAlarmState(ALARM, 'ALARM', 'injected: 5xx over threshold');
        }
        return result;
      },
    });

    // Act
    const result = await scenario.release(shaOf('unrouted'));

    // Assess
    expect(alarmEvents).toEqual([]);
    // Not ABORTED: nothing stopped the execution from outside; its own CheckAlarms failed it.
    expect(result.execution).toMatchObject({ status: 'FAILED', error: 'AlarmFiredError' });
    expect(result.record).toMatchObject({ status: 'rolled_back', cause: { trigger: 'alarm', alarm: ALARM } });
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(await scenario.lockHolder()).toBeUndefined();
  });
});
