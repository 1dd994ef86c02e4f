import type { Ports } from '../../functions/shared/ports/index.js';
import { BLUE, GREEN, Scenario, scenarioConfig, shaOf } from './harness.js';

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** An ECS environment that stops the previous version once the 20 s watch passes. */
const scaledDown = () =>
  scenarioConfig({
    deploy: {
      provider: 'ecs',
      cluster: 'shop',
      services: { blue: 'shop-blue', green: 'shop-green' },
      previousDesiredCount: 0,
    },
  });

/** The listener's forward action as ELBv2 would report it with group stickiness on (the local ALB has none). */
const sticky =
  (durationSeconds: number) =>
  (ports: Ports): Ports => ({
    ...ports,
    trafficRouter: (listener, scope) => {
      const router = ports.trafficRouter(listener, scope);
      return {
        readWeights: () => router.readWeights(),
        healthyTargets: (group) => router.healthyTargets(group),
        shift: (weights) => router.shift(weights),
        stickinessSeconds: async () => durationSeconds,
      };
    },
  });

/**
 * "Stickiness takes precedence over adjusting Weight": clients pinned to a group keep reaching it,
 * with 503s once it has no healthy target, until the stickiness expires (AWS re:Post, "ALB to
 * automatically redirect traffic"). A stickiness of up to 604,800 s outlasting the watch would
 * pin clients to the service ScaleDownPrevious stops. (The embedded runtime scales the watch in
 * the input with its clock, so a stickiness within the watch is shown in the handler's tests.)
 */
describe('Scenario: target group stickiness and the scale-down', () => {
  it('refuses the release before any traffic moves when stickiness outlasts the watch, and frees the lock', async () => {
    // Prepare
    scenario = await Scenario.start({ config: scaledDown(), wrapPorts: sticky(86_400) });

    // Act
    const result = await scenario.release(shaOf('sticky'));

    // Assess
    expect(result.execution.status).toBe('FAILED');
    expect(result.record.status).toBe('failed');
    expect(result.record.cause).toMatchObject({ error: 'StickinessError' });
    expect(result.record.steps).toEqual([]);
    expect(scenario.weights()).toEqual({ [BLUE]: 100, [GREEN]: 0 });
    expect(scenario.runtime.deployer.apps(BLUE)).toHaveLength(1);
    expect(await scenario.lockHolder()).toBeUndefined();
  });
});
