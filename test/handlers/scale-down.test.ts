import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createScaleDownHandler } from '../../functions/scale-down/scale-down.js';
import { DeployError } from '../../functions/shared/domain/errors.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { ResizeRequest, ServiceScaler } from '../../functions/shared/ports/index.js';
import { NOW, storeWith, taskContext } from '../support/ports.js';
import { blueLive, releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

/** The ServiceScaler port as a list of what it was asked; each provider answers as its adapter does. */
function fakeScalers() {
  const resized: { provider: 'ecs' | 'external'; request: ResizeRequest }[] = [];
  let failure: Error | undefined;
  const port = (provider: 'ecs' | 'external'): ServiceScaler => ({
    async resize(request) {
      resized.push({ provider, request });
      if (failure) throw failure;
      return provider === 'ecs'
        ? { service: `main/web-${request.side}`, from: 3, to: request.desiredCount }
        : undefined;
    },
  });
  return { port, resized, fail: (error: Error) => (failure = error) };
}

describe('Handler: scale-down', () => {
  let store: MemoryReleaseStore;
  let lb: FakeLoadBalancer;
  let scalers: ReturnType<typeof fakeScalers>;

  const scaleDown = (input: ReleaseInput) =>
    createScaleDownHandler({ trafficReader: lb.router, serviceScaler: scalers.port, releases: () => store })(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        targets: blueLive(input),
      },
      taskContext,
    );

  async function prepare(): Promise<ReleaseInput> {
    const input = releaseInput('staging');
    store = await storeWith(input);
    const { blue, green } = input.environment.targetGroups;
    lb.serve(input.environment, { [blue]: 100, [green]: 0 });
    return input;
  }

  beforeEach(() => {
    lb = new FakeLoadBalancer();
    scalers = fakeScalers();
  });

  /**
   * staging after Complete: blue was live when the release began, green now serves 100%, the
   * release is recorded succeeded and has freed the environment.
   */
  async function promoted(previousDesiredCount: number | undefined = 0): Promise<ReleaseInput> {
    const input = await prepare();
    const { blue, green } = input.environment.targetGroups;
    lb.serve(input.environment, { [blue]: 0, [green]: 100 });
    await store.update(input.release.id, 'staging', { status: 'succeeded' }, { event: 'succeeded' });
    await store.releaseLock('staging', { releaseId: input.release.id, executionName: input.executionName });
    if (input.environment.deploy.provider !== 'ecs') throw new Error('staging deploys to ECS');
    input.environment.deploy = { ...input.environment.deploy, previousDesiredCount };
    return input;
  }

  it("resizes the previous version's service (the group live when the release began) and records it", async () => {
    // Prepare
    const input = await promoted(0);
    const { blue } = input.environment.targetGroups;

    // Act
    const result = await scaleDown(input);

    // Assess
    expect(result).toEqual({ scaledDown: 'service main/web-blue: 3 → 0 tasks' });
    expect(scalers.resized).toEqual([
      {
        provider: 'ecs',
        request: {
          environment: 'staging',
          deploy: input.environment.deploy,
          targetGroupArn: blue,
          side: 'blue',
          desiredCount: 0,
        },
      },
    ]);
    expect((await store.get(input.release.id, 'staging'))?.history.at(-1)).toEqual({
      at: NOW,
      event: 'scaled_down',
      detail: 'service main/web-blue: 3 → 0 tasks',
    });
  });

  it('refuses with ListenerStateError, resizing nothing, when the previous group serves traffic again', async () => {
    // Prepare: a rollback flipped traffic back to blue after the watch passed
    const input = await promoted(0);
    const { blue, green } = input.environment.targetGroups;
    lb.serve(input.environment, { [blue]: 100, [green]: 0 });

    // Act + Assess
    await expect(scaleDown(input)).rejects.toMatchObject({
      name: 'ListenerStateError',
    });
    expect(scalers.resized).toEqual([]);
    expect((await store.get(input.release.id, 'staging'))?.history.at(-1)).toMatchObject({
      event: 'scale_down_failed',
      detail: expect.stringContaining(`target group ${blue} serves 100% of traffic`),
    });
  });

  it('refuses with ReleaseStoppedError, resizing nothing, once the release was stopped from outside', async () => {
    // Prepare: a newer push superseded the release during its watch; the next one deploys here
    const input = await promoted(0);
    await store.update(input.release.id, 'staging', { status: 'superseded' }, { event: 'superseded' });
    const before = (await store.get(input.release.id, 'staging'))?.history;

    // Act + Assess
    await expect(scaleDown(input)).rejects.toMatchObject({
      name: 'ReleaseStoppedError',
    });
    expect(scalers.resized).toEqual([]);
    expect((await store.get(input.release.id, 'staging'))?.history).toEqual(before);
  });

  it('leaves the service alone while a newer release holds the environment (it deploys onto that service)', async () => {
    // Prepare
    const input = await promoted(0);
    await store.acquireLock('staging', { releaseId: 'checkout-newer', executionName: 'staging-newer' });

    // Act
    const result = await scaleDown(input);

    // Assess
    expect(scalers.resized).toEqual([]);
    expect(result).toEqual({
      scaledDown: 'release checkout-newer holds staging and deploys onto blue; left as it is',
    });
    expect((await store.get(input.release.id, 'staging'))?.history.at(-1)).toMatchObject({
      event: 'scale_down_skipped',
    });
  });

  it('records why the resize failed before rethrowing it, so the release that stands says so', async () => {
    // Prepare
    const input = await promoted(1);
    scalers.fail(new DeployError('service main/web-blue: UpdateService failed: AccessDeniedException'));

    // Act + Assess
    await expect(scaleDown(input)).rejects.toMatchObject({
      name: 'DeployError',
    });
    expect((await store.get(input.release.id, 'staging'))?.history.at(-1)).toMatchObject({
      event: 'scale_down_failed',
      detail: 'blue: service main/web-blue: UpdateService failed: AccessDeniedException; the release stands',
    });
  });

  it('has nothing to do where the environment sets no previousDesiredCount', async () => {
    // Prepare
    const input = await promoted(0);
    const { deploy } = input.environment;
    if (deploy.provider === 'ecs') delete deploy.previousDesiredCount;

    // Act
    const result = await scaleDown(input);

    // Assess
    expect(result).toEqual({ scaledDown: 'nothing to scale down' });
    expect(scalers.resized).toEqual([]);
  });
});
