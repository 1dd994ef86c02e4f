import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createAlarmRollbackHandler } from '../../functions/alarm-rollback/alarm-rollback.js';
import { abortRelease } from '../../functions/shared/control/manual-control.js';
import { ContentionError } from '../../functions/shared/domain/errors.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { Orchestrator } from '../../functions/shared/ports/index.js';
import { exampleConfig } from '../support/config.js';
import { fixedClock, NOW, storeWith, taskContext } from '../support/ports.js';
import { releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const unused = async (): Promise<never> => {
  throw new Error('not used by the manual controls');
};

/**
 * Ending a release from outside its state machine (an alarm's event, an operator's abort) while
 * the release's own steps write its record: a lost conditional write is tried again, never a failure.
 */
describe('Stops from outside a release, while its own step writes its record', () => {
  let input: ReleaseInput;
  let lb: FakeLoadBalancer;
  let store: MemoryReleaseStore;
  let stops: string[];
  let orchestrator: Orchestrator;

  beforeEach(async () => {
    // The release is at its 25% step; the first write to its record loses to a concurrent one
    input = releaseInput('dev');
    const { blue, green } = input.environment.targetGroups;
    lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 75, [green]: 25 });
    store = await storeWith(input, { steps: [{ index: 0, weight: 25, observed: {}, at: NOW }] });
    const update = store.update.bind(store);
    let conflicts = 1;
    store.update = async (...args) => {
      if (conflicts-- > 0) throw new ContentionError('record changed under 8 writes in a row; try again');
      return update(...args);
    };
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
  });

  it('aborts the release instead of failing the operator', async () => {
    const { blue, green } = input.environment.targetGroups;

    // Act
    const ended = await abortRelease(
      {
        config: exampleConfig,
        releases: () => store,
        orchestrator: () => orchestrator,
        trafficRouter: lb.router,
        now: fixedClock,
      },
      input.release.id,
      { by: 'ana', reason: 'customer reports' },
    );

    // Assess
    expect(ended.map((r) => [r.environment, r.status])).toEqual([['dev', 'aborted']]);
    expect(stops).toEqual([input.executionName]);
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });

  it('rolls the release back on its alarm’s event instead of failing the rollback', async () => {
    // Prepare
    const { blue, green } = input.environment.targetGroups;
    const alarm = input.environment.alarms[0]!;

    // Act
    const result = await createAlarmRollbackHandler({
      config: exampleConfig,
      trafficRouter: lb.router,
      releases: () => store,
      orchestrator: () => orchestrator,
      now: fixedClock,
    })(
      {
        'detail-type': 'CloudWatch Alarm State Change',
        source: 'aws.cloudwatch',
        account: '123456789012',
        time: NOW,
        detail: { alarmName: alarm, state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: NOW } },
      },
      taskContext,
    );

    // Assess
    expect(result).toMatchObject({ action: 'rolled_back', releaseId: input.release.id });
    expect(await store.get(input.release.id, 'dev')).toMatchObject({ status: 'rolled_back' });
    expect(lb.serving(input.environment)).toEqual({ [blue]: 100, [green]: 0 });
  });
});
