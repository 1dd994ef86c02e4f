import { LocalArtifacts } from '../../embedded/adapters/artifacts.js';
import type { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { createDeployHandler } from '../../functions/deploy/deploy.js';
import { DeployError } from '../../functions/shared/domain/errors.js';
import type { ReleaseInput, Targets } from '../../functions/shared/domain/release.js';
import type { Deployer, DeployRequest } from '../../functions/shared/ports/index.js';
import { NOW, storeWith, taskContext } from '../support/ports.js';
import { blueLive, releaseInput } from '../support/release.js';
import { FakeLoadBalancer } from '../support/traffic.js';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const FAMILY_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout-staging';

/** The Deployer port as a list of what it was asked; each provider answers as its adapter does. */
function fakeDeployers() {
  const asked: { provider: 'ecs' | 'external'; request: DeployRequest }[] = [];
  let failure: Error | undefined;
  const port = (provider: 'ecs' | 'external'): Deployer => ({
    async deploy(request) {
      asked.push({ provider, request });
      if (failure) throw failure;
      return { deployed: provider === 'ecs' ? `${FAMILY_ARN}:42` : `external:${request.version}` };
    },
  });
  return { port, asked, fail: (error: Error) => (failure = error) };
}

describe('Handler: deploy', () => {
  let store: MemoryReleaseStore;
  let lb: FakeLoadBalancer;
  let deployers: ReturnType<typeof fakeDeployers>;
  let registry: LocalArtifacts;

  const deploy = (input: ReleaseInput, targets: Targets = blueLive(input)) =>
    createDeployHandler({
      trafficReader: lb.router,
      deployer: deployers.port,
      releases: () => store,
      artifacts: () => registry,
    })(
      {
        release: input.release,
        environment: input.environment,
        executionName: input.executionName,
        targets,
      },
      taskContext,
    );

  async function prepare(environment: 'dev' | 'staging'): Promise<ReleaseInput> {
    const input = releaseInput(environment);
    store = await storeWith(input);
    const { blue, green } = input.environment.targetGroups;
    lb.serve(input.environment, { [blue]: 100, [green]: 0 });
    return input;
  }

  beforeEach(() => {
    lb = new FakeLoadBalancer();
    deployers = fakeDeployers();
    registry = new LocalArtifacts();
  });

  describe('external provider', () => {
    it('reports the version as deployed and records it, touching no ECS service', async () => {
      // Prepare
      const input = await prepare('dev');

      // Act
      const result = await deploy(input);

      // Assess
      expect(result).toEqual({ deployed: `external:${SHA}` });
      expect(deployers.asked.map((a) => a.provider)).toEqual(['external']);
      expect((await store.get(input.release.id, 'dev'))?.history.at(-1)).toEqual({
        at: NOW,
        event: 'deployed',
        detail: `external:${SHA} on green`,
      });
    });
  });

  describe('ECS provider', () => {
    it("asks the ECS deployer for the pushed SHA on the idle side's target group, and records what runs there", async () => {
      // Prepare: blue is live, so the version goes to green
      const input = await prepare('staging');
      const { green } = input.environment.targetGroups;

      // Act
      const result = await deploy(input);

      // Assess
      expect(result).toEqual({ deployed: `${FAMILY_ARN}:42` });
      expect(deployers.asked).toEqual([
        {
          provider: 'ecs',
          request: {
            environment: 'staging',
            deploy: input.environment.deploy,
            targetGroupArn: green,
            side: 'green',
            version: SHA,
          },
        },
      ]);
      expect((await store.get(input.release.id, 'staging'))?.history.at(-1)).toMatchObject({
        event: 'deployed',
        detail: `${FAMILY_ARN}:42 on green`,
      });
    });

    it('deploys to the blue service when green is live', async () => {
      // Prepare
      const input = await prepare('staging');
      const { blue, green } = input.environment.targetGroups;
      lb.serve(input.environment, { [blue]: 0, [green]: 100 });

      // Act
      await deploy(input, { live: green, idle: blue });

      // Assess
      expect(deployers.asked[0]?.request).toMatchObject({ side: 'blue', targetGroupArn: blue });
    });

    it('fails with DeployError naming the service when ECS refuses the update, recording no deploy', async () => {
      // Prepare
      const input = await prepare('staging');
      deployers.fail(
        new DeployError(
          'service checkout-staging/checkout-staging-green: UpdateService failed: ServiceNotActiveException: Service not active',
        ),
      );

      // Act + Assess
      await expect(deploy(input)).rejects.toMatchObject({
        name: 'DeployError',
        message: expect.stringContaining('checkout-staging/checkout-staging-green'),
      });
      const events = (await store.get(input.release.id, 'staging'))?.history.map((h) => h.event);
      expect(events).not.toContain('deployed');
    });

    it('refuses with ArtifactNotVerifiedError, deploying nothing, when the image does not exist', async () => {
      const input = await prepare('staging');
      registry.remove('checkout', SHA);

      await expect(deploy(input)).rejects.toMatchObject({
        name: 'ArtifactNotVerifiedError',
        message: `image checkout:${SHA} does not exist; nothing was deployed`,
      });
      expect(deployers.asked).toHaveLength(0);
    });

    it('refuses an image whose scan found a HIGH finding where scan.failOn is HIGH, and passes MEDIUM ones', async () => {
      const input = await prepare('staging');
      registry.setFindings('checkout', SHA, { HIGH: 1, MEDIUM: 4 });

      await expect(deploy(input)).rejects.toMatchObject({
        name: 'ArtifactNotVerifiedError',
        message: expect.stringContaining('scan findings at or above HIGH: 1 HIGH'),
      });
      registry.setFindings('checkout', SHA, { MEDIUM: 4, LOW: 9 });
      await expect(deploy(input)).resolves.toEqual({ deployed: `${FAMILY_ARN}:42` });
    });

    // ECR API reference, ImageScanStatus: IN_PROGRESS (basic) and PENDING (enhanced) mean the
    // findings are not available yet; FAILED and UNSUPPORTED_IMAGE never become findings.
    it.each(['IN_PROGRESS', 'PENDING'])(
      'fails with ScanPendingError, deploying nothing, while the scan is %s, so the state machine retries',
      async (status) => {
        const input = await prepare('staging');
        registry.setScanStatuses('checkout', SHA, [status], 'complete');

        await expect(deploy(input)).rejects.toMatchObject({
          name: 'ScanPendingError',
          message: expect.stringContaining(`(${status})`),
        });
        expect(deployers.asked).toHaveLength(0);
        await expect(deploy(input)).resolves.toEqual({ deployed: `${FAMILY_ARN}:42` });
      },
    );

    it.each(['FAILED', 'UNSUPPORTED_IMAGE'])(
      'refuses with ArtifactNotVerifiedError when the scan ended %s: waiting would not complete it',
      async (status) => {
        const input = await prepare('staging');
        registry.setScanStatuses('checkout', SHA, [status], 'repeat');

        await expect(deploy(input)).rejects.toMatchObject({
          name: 'ArtifactNotVerifiedError',
          message: expect.stringContaining(`has no completed scan (${status})`),
        });
        expect(deployers.asked).toHaveLength(0);
      },
    );

    it('fails with ListenerStateError and deploys nothing when the idle group serves traffic', async () => {
      // Prepare
      const input = await prepare('staging');
      const { blue, green } = input.environment.targetGroups;
      lb.serve(input.environment, { [blue]: 90, [green]: 10 });

      // Act + Assess
      await expect(deploy(input)).rejects.toMatchObject({ name: 'ListenerStateError' });
      expect(deployers.asked).toEqual([]);
    });
  });
});
