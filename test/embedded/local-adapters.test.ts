import { LocalAlarmSource } from '../../embedded/adapters/alarm-source.js';
import { LocalDeployer } from '../../embedded/adapters/deployer.js';
import { LocalTrafficRouter } from '../../embedded/adapters/traffic-router.js';
import { LocalAlb } from '../../embedded/alb.js';
import { LocalCloudWatch } from '../../embedded/cloudwatch.js';
import { DeployError, TrafficShiftError } from '../../functions/shared/domain/errors.js';
import type { DeployRequest } from '../../functions/shared/ports/deployer.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-blue/73e2d6bc24d8a067';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-green/5c2c2f1a0b3e4d6f';

const request = (version: string, targetGroupArn = GREEN): DeployRequest => ({
  environment: 'dev',
  deploy: { provider: 'external' },
  targetGroupArn,
  side: targetGroupArn === GREEN ? 'green' : 'blue',
  version,
});

async function versionsAt(url: string, count: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const res = await fetch(url);
    const { version } = (await res.json()) as { version: string };
    seen[`${version}:${res.status}`] = (seen[`${version}:${res.status}`] ?? 0) + 1;
  }
  return seen;
}

describe('Local adapters', () => {
  let alb: LocalAlb;
  let url: string;
  let deployer: LocalDeployer;

  beforeEach(async () => {
    alb = new LocalAlb();
    ({ url } = await alb.addListener(LISTENER));
    deployer = new LocalDeployer({
      alb,
      faults: (version) => (version === 'bad' ? { errorRate: 1 } : undefined),
      failVersions: ['broken'],
    });
  });

  afterEach(async () => {
    await deployer.close();
    await alb.close();
  });

  describe('Class: LocalDeployer', () => {
    it('replaces a group’s targets with the new version and stops the old one', async () => {
      // Prepare
      await deployer.seed(BLUE, 'v1');
      const first = await deployer.deploy(request('v2'));
      const oldUrl = alb.targets(GREEN)[0]!;

      // Act
      const second = await deployer.deploy(request('v3'));

      // Assess
      expect(first.deployed).toMatch(/^local:v2@http:\/\/127\.0\.0\.1:\d+$/);
      expect(second.deployed).toBe(`local:v3@${alb.targets(GREEN)[0]}`);
      expect(alb.targets(GREEN)).toHaveLength(1);
      expect(alb.targets(GREEN)).not.toContain(oldUrl);
      await expect(fetch(oldUrl)).rejects.toThrow();
      expect(alb.targets(BLUE)).toHaveLength(1);
      alb.setWeights(LISTENER, { [BLUE]: 50, [GREEN]: 50 });
      expect(await versionsAt(url, 4)).toEqual({ 'v1:200': 2, 'v3:200': 2 });
    });

    it('starts as many apps as the environment needs behind the group, all healthy', async () => {
      // Prepare: prod asks for two healthy targets before any shift
      const twoEach = new LocalDeployer({ alb, targetsFor: (group) => (group === GREEN ? 2 : 1) });
      alb.setWeights(LISTENER, { [BLUE]: 100, [GREEN]: 0 });

      // Act
      const seeded = await twoEach.seed(BLUE, 'v1');
      await twoEach.deploy(request('v2'));

      // Assess
      expect(seeded).toHaveLength(1);
      expect(twoEach.apps(GREEN).map((app) => app.version)).toEqual(['v2', 'v2']);
      expect(await alb.healthyTargets(GREEN)).toHaveLength(2);
      await twoEach.close();
    });

    it('starts a version with its fault profile', async () => {
      // Prepare
      await deployer.deploy(request('bad'));
      alb.setWeights(LISTENER, { [GREEN]: 100 });

      // Act
      const seen = await versionsAt(url, 3);

      // Assess
      expect(seen).toEqual({ 'bad:500': 3 });
      expect(deployer.apps(GREEN).map((app) => app.version)).toEqual(['bad']);
    });

    it('throws DeployError for a version configured to fail, and leaves the group as it was', async () => {
      // Prepare
      await deployer.deploy(request('v2'));
      const before = alb.targets(GREEN);

      // Act
      const deploy = deployer.deploy(request('broken'));

      // Assess
      await expect(deploy).rejects.toBeInstanceOf(DeployError);
      expect(alb.targets(GREEN)).toEqual(before);
    });
  });

  describe('Class: LocalDeployer, Method: resize', () => {
    const resize = (desiredCount: number) =>
      deployer.resize({
        environment: 'dev',
        deploy: { provider: 'external' },
        targetGroupArn: BLUE,
        side: 'blue',
        desiredCount,
      });

    it('stops and deregisters the group’s apps at 0, and starts the same version again on a resize up', async () => {
      // Prepare
      await deployer.seed(BLUE, 'v1');
      const oldUrl = alb.targets(BLUE)[0]!;

      // Act
      const down = await resize(0);

      // Assess
      expect(down).toEqual({ service: 'local:blue', from: 1, to: 0 });
      expect(alb.targets(BLUE)).toEqual([]);
      await expect(fetch(oldUrl)).rejects.toThrow();

      // Act: scaled up again, as before a manual rollback
      const up = await resize(2);

      // Assess: as many apps as the desired count, as ECS runs as many tasks
      expect(up).toEqual({ service: 'local:blue', from: 0, to: 2 });
      expect(deployer.apps(BLUE).map((app) => app.version)).toEqual(['v1', 'v1']);
      expect(alb.targets(BLUE)).toHaveLength(2);
    });

    it('keeps the running apps and adds or stops apps to reach the desired count', async () => {
      // Prepare
      await deployer.seed(BLUE, 'v1');
      const before = alb.targets(BLUE);

      // Act
      const up = await resize(3);
      const after = alb.targets(BLUE);
      const down = await resize(2);

      // Assess
      expect(up).toEqual({ service: 'local:blue', from: 1, to: 3 });
      expect(after).toHaveLength(3);
      expect(after).toEqual(expect.arrayContaining(before));
      expect(down).toEqual({ service: 'local:blue', from: 3, to: 2 });
      expect(alb.targets(BLUE)).toEqual(after.slice(0, 2));
      await expect(fetch(after[2]!)).rejects.toThrow();
    });
  });

  describe('Class: LocalTrafficRouter', () => {
    it('writes and reads back the listener’s weights and counts healthy targets', async () => {
      // Prepare
      await deployer.seed(BLUE, 'v1');
      const router = new LocalTrafficRouter(alb, { listenerArn: LISTENER });

      // Act
      await router.shift({ [BLUE]: 90, [GREEN]: 10 });

      // Assess
      expect(await router.readWeights()).toEqual({ [BLUE]: 90, [GREEN]: 10 });
      expect(await router.healthyTargets(BLUE)).toBe(1);
      expect(await router.healthyTargets(GREEN)).toBe(0);
    });

    it('throws TrafficShiftError for a listener the ALB does not have', async () => {
      // Prepare
      const router = new LocalTrafficRouter(alb, { listenerArn: `${LISTENER}0` });

      // Act
      const set = router.shift({ [BLUE]: 100 });

      // Assess
      await expect(set).rejects.toBeInstanceOf(TrafficShiftError);
    });
  });

  describe('Class: LocalAlarmSource', () => {
    it('describes the embedded CloudWatch’s alarms', async () => {
      // Prepare
      const cloudWatch = new LocalCloudWatch({
        alb,
        timeScale: 0.05,
        alarms: [
          {
            name: 'dev-5xx',
            config: {
              metric: 'HTTPCode_Target_5XX_Count',
              statistic: 'Sum',
              comparison: 'GreaterThanThreshold',
              threshold: 5,
              period: 60,
              evaluationPeriods: 1,
              treatMissingData: 'notBreaching',
            },
            listenerArn: LISTENER,
            targetGroups: { blue: BLUE, green: GREEN },
          },
        ],
      });
      cloudWatch.setAlarmState('dev-5xx', 'ALARM', 'forced');

      // Act
      const statuses = await new LocalAlarmSource(cloudWatch).describe(['dev-5xx', 'other']);

      // Assess
      expect(statuses).toEqual([
        { name: 'dev-5xx', state: 'ALARM', reason: 'forced', updatedAt: expect.any(String) },
        { name: 'other', state: undefined },
      ]);
    });
  });
});
