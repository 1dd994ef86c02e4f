import { DeployError } from '../../functions/shared/domain/errors.js';
import type { Ports } from '../../functions/shared/ports/index.js';
import { BLUE, GREEN, Scenario, scenarioConfig, shaOf } from './harness.js';

class InjectedError extends Error {
  override name = 'InjectedError';
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/**
 * An ECS environment: the embedded runtime's deployer stands in for ECS (it starts a sample app
 * per version), so the state machine runs the same path as on AWS.
 */
const ecs = (previousDesiredCount?: number) =>
  scenarioConfig({
    deploy: {
      provider: 'ecs',
      cluster: 'shop',
      services: { blue: 'shop-blue', green: 'shop-green' },
      ...(previousDesiredCount === undefined ? {} : { previousDesiredCount }),
    },
  });

const events = (record: { history: { event: string; detail?: string }[] }) =>
  record.history.map((h) => h.event);

describe('Scenario: scaling the previous version down after the watch', () => {
  it('stops the previous version once the watch passed, where deploy.previousDesiredCount is 0', async () => {
    // Prepare: blue runs the baseline and serves 100%
    scenario = await Scenario.start({ config: ecs(0) });
    expect(scenario.runtime.deployer.apps(BLUE)).toHaveLength(1);

    // Act
    const result = await scenario.release(shaOf('scaled'));

    // Assess
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.record.status).toBe('succeeded');
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    expect(scenario.runtime.deployer.apps(BLUE)).toEqual([]);
    expect(scenario.runtime.deployer.apps(GREEN)).toHaveLength(1);
    expect(result.record.history.find((h) => h.event === 'scaled_down')?.detail).toBe(
      'service local:blue: 1 → 0 tasks',
    );
    expect(events(result.record).slice(-3)).toEqual(['promoted', 'succeeded', 'scaled_down']);
  });

  it('leaves the previous version running, ready for a rollback, where previousDesiredCount is unset', async () => {
    // Prepare
    scenario = await Scenario.start({ config: ecs() });

    // Act
    const result = await scenario.release(shaOf('kept'));

    // Assess
    expect(result.record.status).toBe('succeeded');
    expect(scenario.runtime.deployer.apps(BLUE)).toHaveLength(1);
    expect(events(result.record)).not.toContain('scaled_down');
  });

  it('ends the release succeeded, with the failure in its history, when the resize fails', async () => {
    // Prepare: ECS refuses the update
    const refusing = (ports: Ports): Ports => ({
      ...ports,
      serviceScaler: () => ({
        resize: async () => {
          throw new DeployError('service shop/shop-blue: UpdateService failed: AccessDeniedException');
        },
      }),
    });
    scenario = await Scenario.start({ config: ecs(0), wrapPorts: refusing });

    // Act
    const result = await scenario.release(shaOf('refused'));

    // Assess
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.record.status).toBe('succeeded');
    expect(scenario.weights()).toEqual({ [BLUE]: 0, [GREEN]: 100 });
    expect(result.record.history.find((h) => h.event === 'scale_down_failed')?.detail).toBe(
      'blue: service shop/shop-blue: UpdateService failed: AccessDeniedException; the release stands',
    );
    expect(events(result.record).slice(-2)).toEqual(['succeeded', 'scale_down_failed']);
    expect(await scenario.lockHolder()).toBeUndefined();
  });

  it('still succeeds when the ScaleDown function cannot run at all, the error in its output', async () => {
    // Prepare: the invocation fails before the handler runs (after the engine's retries)
    scenario = await Scenario.start({
      config: ecs(0),
      interceptTask: async (fn, _payload, invoke) => {
        if (fn === 'ScaleDown') {
          throw new InjectedError('the function is down');
        }
        return invoke();
      },
    });

    // Act
    const result = await scenario.release(shaOf('down'));

    // Assess
    expect(result.execution.status).toBe('SUCCEEDED');
    expect(result.record.status).toBe('succeeded');
    expect(scenario.runtime.deployer.apps(BLUE)).toHaveLength(1);
    // The handler never ran, so only the execution says why (the record's history cannot).
    expect(result.execution.output).toMatchObject({
      scaleDownError: { Error: 'InjectedError', Cause: expect.stringContaining('the function is down') },
    });
  });
});
