import { LocalAlb } from '../../embedded/alb.js';
import { startLoad } from '../../embedded/load.js';
import { type SampleApp, startSampleApp } from '../../embedded/sample-app.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/demo/50dc6c495c0c9188/f2f7dc8efc522ab2';
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-blue/73e2d6bc24d8a067';
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-green/5c2c2f1a0b3e4d6f';

/** Sends `count` GETs, `concurrency` at a time, and counts responses by status and x-version. */
async function hit(url: string, count: number, concurrency = 16) {
  const byVersion: Record<string, number> = {};
  const byStatus: Record<number, number> = {};
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const res = await fetch(url);
      await res.arrayBuffer();
      byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
      const version = res.headers.get('x-version');
      if (version) byVersion[version] = (byVersion[version] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { byVersion, byStatus };
}

describe('Class: LocalAlb', () => {
  let alb: LocalAlb;
  let apps: SampleApp[];
  let url: string;

  beforeEach(async () => {
    alb = new LocalAlb();
    apps = [];
    ({ url } = await alb.addListener(LISTENER));
  });

  afterEach(async () => {
    await alb.close();
    await Promise.all(apps.map((app) => app.close()));
  });

  async function app(version: string, group: string, errorRate = 0): Promise<SampleApp> {
    const started = await startSampleApp({ version, errorRate });
    apps.push(started);
    await alb.registerTarget(group, started.url);
    return started;
  }

  describe('Method: setWeights', () => {
    it('splits 500 requests 90/10 between the groups within one point', async () => {
      // Prepare
      await app('v1', BLUE);
      await app('v2', GREEN);
      alb.setWeights(LISTENER, { [BLUE]: 90, [GREEN]: 10 });

      // Act
      const { byVersion } = await hit(url, 500);

      // Assess
      expect(Math.abs(((byVersion.v2 ?? 0) / 500) * 100 - 10)).toBeLessThanOrEqual(1);
      expect((byVersion.v1 ?? 0) + (byVersion.v2 ?? 0)).toBe(500);
    });

    it('applies new weights to the requests that follow, and starts a new epoch', async () => {
      // Prepare
      await app('v1', BLUE);
      await app('v2', GREEN);
      alb.setWeights(LISTENER, { [BLUE]: 100, [GREEN]: 0 });
      const before = await hit(url, 50);

      // Act
      alb.setWeights(LISTENER, { [BLUE]: 0, [GREEN]: 100 });
      const after = await hit(url, 50);

      // Assess
      expect(before.byVersion).toEqual({ v1: 50 });
      expect(after.byVersion).toEqual({ v2: 50 });
      expect(alb.readWeights(LISTENER)).toEqual({ [BLUE]: 0, [GREEN]: 100 });
      const epochs = alb.epochs(LISTENER);
      expect(epochs).toHaveLength(3); // the initial one, before any weights
      expect(epochs[1]).toMatchObject({ weights: { [BLUE]: 100, [GREEN]: 0 }, requests: { [BLUE]: 50 } });
      expect(epochs[1]?.endedAt).toEqual(expect.any(String));
      expect(epochs[2]).toMatchObject({ requests: { [GREEN]: 50 }, errors: {} });
      expect(epochs[2]?.endedAt).toBeUndefined();
    });

    it('counts each group’s 5xx in the epoch and in the metrics', async () => {
      // Prepare
      await app('v1', BLUE);
      await app('v2', GREEN, 0.5);
      alb.setWeights(LISTENER, { [BLUE]: 50, [GREEN]: 50 });

      // Act
      const { byStatus } = await hit(url, 100);

      // Assess
      expect(byStatus).toEqual({ 200: 75, 500: 25 });
      expect(alb.epochs(LISTENER).at(-1)).toMatchObject({
        requests: { [BLUE]: 50, [GREEN]: 50 },
        errors: { [GREEN]: 25 },
      });
      const green = alb.metrics.query(GREEN, 0, Date.now() + 1000);
      expect(green).toMatchObject({ requests: 50, target5xx: 25, elb5xx: 0 });
      expect(green.latenciesMs).toHaveLength(50);
      expect(alb.metrics.query(LISTENER, 0, Date.now() + 1000)).toMatchObject({
        requests: 100,
        target5xx: 25,
      });
    });

    it('round-robins between the healthy targets of a group', async () => {
      // Prepare
      await app('a', BLUE);
      await app('b', BLUE);
      alb.setWeights(LISTENER, { [BLUE]: 100 });

      // Act
      const { byVersion } = await hit(url, 40);

      // Assess
      expect(byVersion).toEqual({ a: 20, b: 20 });
    });
  });

  describe('Method: healthyTargets', () => {
    // A target in state `unused` with reason "Target.NotInUse - The target group is not used by any
    // load balancer or the target is in an Availability Zone that is not enabled for its load
    // balancer" (ELBv2 API reference, TargetHealth).
    it('reports no healthy target in a group that no listener forwards to, until one lists it at weight 0', async () => {
      // Prepare
      await app('v1', GREEN);
      alb.setWeights(LISTENER, { [BLUE]: 100 });

      // Act
      const unused = await alb.healthyTargets(GREEN);
      alb.setWeights(LISTENER, { [BLUE]: 100, [GREEN]: 0 });
      const listed = await alb.healthyTargets(GREEN);

      // Assess
      expect([unused.length, listed.length]).toEqual([0, 1]);
    });

    it('counts only the targets that answer /healthz', async () => {
      // Prepare
      alb.setWeights(LISTENER, { [BLUE]: 100, [GREEN]: 0 });
      const first = await app('v1', GREEN);
      await app('v1', GREEN);
      expect(await alb.healthyTargets(GREEN)).toHaveLength(2);

      // Act
      await first.close();

      // Assess
      expect(await alb.healthyTargets(GREEN)).toHaveLength(1);
      expect(alb.targets(GREEN)).toHaveLength(2);
    });

    it('answers 503 itself, as an ELB 5xx, when the chosen group has no healthy target', async () => {
      // Prepare
      const only = await app('v2', GREEN);
      alb.setWeights(LISTENER, { [GREEN]: 100 });
      await only.close();
      await alb.healthyTargets(GREEN);

      // Act
      const { byStatus } = await hit(url, 5, 1);

      // Assess
      expect(byStatus).toEqual({ 503: 5 });
      expect(alb.metrics.query(LISTENER, 0, Date.now() + 1000)).toMatchObject({ requests: 0, elb5xx: 5 });
      expect(alb.epochs(LISTENER).at(-1)).toMatchObject({ requests: { [GREEN]: 5 }, errors: { [GREEN]: 5 } });
    });

    it('stops routing to a deregistered target', async () => {
      // Prepare
      const a = await app('a', BLUE);
      await app('b', BLUE);
      alb.setWeights(LISTENER, { [BLUE]: 100 });

      // Act
      alb.deregisterTarget(BLUE, a.url);
      const { byVersion } = await hit(url, 10);

      // Assess
      expect(byVersion).toEqual({ b: 10 });
    });
  });

  describe('Function: startLoad', () => {
    it('sends steady load through the ALB and reports versions and statuses', async () => {
      // Prepare
      await app('v1', BLUE);
      await app('v2', GREEN);
      alb.setWeights(LISTENER, { [BLUE]: 80, [GREEN]: 20 });
      const seen: string[] = [];
      const load = startLoad({ url, ratePerSecond: 200, onResponse: (r) => seen.push(r.version ?? '') });

      // Act
      await new Promise((resolve) => setTimeout(resolve, 500));
      const summary = await load.stop();

      // Assess
      expect(summary.sent).toBeGreaterThan(0);
      expect(summary.completed).toBe(summary.sent);
      expect(summary.inFlight).toBe(0);
      expect(summary.byStatus).toEqual({ 200: summary.sent });
      expect((summary.byVersion.v1 ?? 0) + (summary.byVersion.v2 ?? 0)).toBe(summary.sent);
      expect(seen).toHaveLength(summary.sent);
      expect(load.stats().sent).toBe(summary.sent);
    });
  });
});
