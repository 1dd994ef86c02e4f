import { ContentionError } from '../../functions/shared/domain/errors.js';
import { abortRelease } from '../../functions/shared/manual-control.js';
import type { Orchestrator } from '../../functions/shared/ports/index.js';
import { exampleConfig } from '../support/config.js';
import { fixedClock, NOW, storeWith } from '../support/ports.js';
import { releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const unused = async (): Promise<never> => {
  throw new Error('not used by the manual controls');
};

describe('Manual controls', () => {
  it('aborts a release whose record is busy (a conditional write lost to its own step) instead of failing the operator', async () => {
    // Prepare: the release is at its 25% step; the first write to its record loses to a concurrent one
    const input = releaseInput('dev');
    const { blue, green } = input.environment.targetGroups;
    const lb = new FakeLoadBalancer().serve(input.environment, { [blue]: 75, [green]: 25 });
    const store = await storeWith(input, { steps: [{ index: 0, weight: 25, observed: {}, at: NOW }] });
    const update = store.update.bind(store);
    let conflicts = 1;
    store.update = async (...args) => {
      if (conflicts-- > 0) throw new ContentionError('record changed under 8 writes in a row; try again');
      return update(...args);
    };
    const stops: string[] = [];
    const orchestrator: Orchestrator = {
      startRelease: unused,
      startPipeline: unused,
      sendTaskSuccess: unused,
      sendTaskFailure: unused,
      executionStatus: unused,
      describeExecution: unused,
      stopExecution: async (name) => void stops.push(name),
    };

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
});
