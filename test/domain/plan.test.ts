import { createRequire } from 'node:module';
import { routeTag } from '../../functions/shared/domain/execution-name.js';
import type { PushEvent, ReleasePlan } from '../../functions/shared/domain/plan.js';
import { planRelease, releaseId } from '../../functions/shared/domain/plan.js';
import { exampleConfig } from '../support/config.js';
import { fixture } from '../support/github.js';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const TAG = routeTag({ name: 'release/*, main', environments: ['dev', 'staging', 'prod'] });
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';

// CommonJS require: swc drops import attributes, and jest warns on a JSON import without one.
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
  name: string;
  examples: Record<string, unknown>[];
}[];

/** GitHub's own push examples, as published in @octokit/webhooks-examples. */
function upstreamPush(index: number): Record<string, unknown> {
  const push = examples.find((e) => e.name === 'push');
  const example = push?.examples[index];
  if (!example) throw new Error(`no push example #${index}`);
  return structuredClone(example);
}

function expectRelease(plan: ReturnType<typeof planRelease>): ReleasePlan {
  if (plan.kind !== 'release') throw new Error(`expected a release, got ignored: ${plan.reason}`);
  return plan;
}

describe('Domain: planRelease', () => {
  const config = exampleConfig();

  describe('Fixtures', () => {
    it.each([
      ['push-release-branch', 4, { ref: 'refs/heads/release/1.4' }],
      ['push-tag', 0, {}],
      ['push-delete', 1, { ref: 'refs/heads/release/1.3' }],
    ] as const)('%s.json is GitHub push example #%i pointed at acme/checkout', (name, index, changed) => {
      // Prepare
      const upstream = upstreamPush(index);
      const repository = upstream.repository as Record<string, unknown>;

      // Act
      const expected = {
        ...upstream,
        ...changed,
        repository: { ...repository, full_name: 'acme/checkout', name: 'checkout' },
      };

      // Assess
      expect(fixture(name)).toEqual(expected);
    });
  });

  describe('A push to a release branch', () => {
    it('plans a release to every environment in promotion order', () => {
      // Prepare
      const event: PushEvent = fixture('push-release-branch');

      // Act
      const plan = expectRelease(planRelease(config, event, DELIVERY));

      // Assess
      expect(plan.release).toEqual({
        id: 'checkout-6113728f27ae',
        repository: 'acme/checkout',
        service: 'checkout',
        branch: 'release/1.4',
        sha: SHA,
        version: SHA,
        pusher: 'Codertocat',
        attempt: 1,
        deliveryId: DELIVERY,
        // Where the branch moved from (this push created it) and when: they order pushes (push-order.ts).
        before: '0'.repeat(40),
        pushedAt: 1557933657,
        // The head commit's first line, author and link, for the approval message; its timestamp
        // (GitHub's head_commit.timestamp, here "2019-05-15T15:19:25Z") starts the change lead time.
        commit: {
          message: 'Initial commit',
          author: 'Codertocat',
          url: `https://github.com/Codertocat/Hello-World/commit/${SHA}`,
          committedAt: '2019-05-15T15:19:25.000Z',
        },
      });
      expect(plan.environments.map((env) => [env.name, env.startsOn, env.executionName])).toEqual([
        ['dev', 'push', `dev-acme-checkout-${TAG}-${SHA}`],
        ['staging', 'promotion', `staging-acme-checkout-${TAG}-${SHA}`],
        ['prod', 'promotion', `prod-acme-checkout-${TAG}-${SHA}`],
      ]);
    });

    it('gives each environment its steps with bake seconds, and its expected and worst-case times', () => {
      // Prepare
      const event: PushEvent = fixture('push-release-branch');

      // Act
      const plan = expectRelease(planRelease(config, event));

      // Assess
      const [dev, staging, prod] = plan.environments;
      expect(dev?.input.steps).toEqual([
        { index: 0, weight: 10, bakeSeconds: 60 },
        { index: 1, weight: 50, bakeSeconds: 900 },
        { index: 2, weight: 100, bakeSeconds: 60 },
      ]);
      expect(prod?.input.steps).toEqual([
        { index: 0, weight: 5, bakeSeconds: 300 },
        { index: 1, weight: 25, bakeSeconds: 300 },
        { index: 2, weight: 50, bakeSeconds: 300 },
        { index: 3, weight: 100, bakeSeconds: 300 },
      ]);
      // Bakes plus the post-release watch; the pipeline adds the soaks between environments.
      expect(dev).toMatchObject({
        expectedSeconds: 60 + 900 + 60 + 60,
        worstCaseDetectionSeconds: 900,
        soakSeconds: 60,
      });
      expect(staging).toMatchObject({
        expectedSeconds: 3 * 180 + 300,
        worstCaseDetectionSeconds: 300,
        soakSeconds: 300,
      });
      expect(prod).toMatchObject({
        expectedSeconds: 4 * 300 + 600,
        worstCaseDetectionSeconds: 600,
        soakSeconds: 0,
      });
      expect(plan.expectedSeconds).toBe(1080 + 60 + 840 + 300 + 1800);
      expect(plan.worstCaseDetectionSeconds).toBe(900);
    });

    it('gives the state machine an input with everything the handlers read, and no secret', () => {
      // Prepare
      const event: PushEvent = fixture('push-release-branch');

      // Act
      const plan = expectRelease(planRelease(config, event, DELIVERY));

      // Assess
      const staging = plan.environments[1];
      expect(staging?.input.executionName).toBe(staging?.executionName);
      expect(staging?.input.release).toBe(plan.release);
      expect(staging?.input.environment).toEqual({
        name: 'staging',
        listenerArn: config.environments[1]?.listenerArn,
        targetGroups: config.environments[1]?.targetGroups,
        deploy: {
          provider: 'ecs',
          cluster: 'checkout-staging',
          services: { blue: 'checkout-staging-blue', green: 'checkout-staging-green' },
          container: 'app',
          timeoutSeconds: 600,
          previousDesiredCount: 0,
        },
        alarms: ['checkout-staging-5xx', 'checkout-staging-p99-latency'],
        requiredChecks: ['build', 'test'],
        checks: { appId: 15368, allowConclusions: [], buildTimeoutSeconds: 3600 },
        artifact: { repository: 'checkout', failOn: 'HIGH' },
        minHealthyTargets: 1,
        approval: { type: 'none' },
        watchSeconds: 300,
        insufficientData: { policy: 'extend', maxExtensionSeconds: 600 },
        concurrency: 'supersede',
        otherBranches: 'newer-first',
        alarmsAtStart: 'refuse',
      });
      // prod sets no previousDesiredCount: its previous version keeps running for a rollback
      expect(plan.environments[2]?.input.environment.deploy).not.toHaveProperty('previousDesiredCount');
      expect(plan.environments[2]?.input.environment.approval).toEqual({
        type: 'slack',
        timeoutSeconds: 14400,
      });
      expect(plan.pipeline.input.stages.map((stage) => stage.input)).toEqual(
        plan.environments.map((e) => e.input),
      );
      expect(JSON.stringify(plan)).not.toMatch(/secret|token/i);
    });

    it('plans a push to main, the other release branch pattern', () => {
      // Prepare
      const event: PushEvent = { ...fixture('push-release-branch'), ref: 'refs/heads/main' };

      // Act
      const plan = expectRelease(planRelease(config, event));

      // Assess
      expect(plan.release.branch).toBe('main');
    });

    it('names the same release and executions whatever the delivery', () => {
      // Prepare
      const event: PushEvent = fixture('push-release-branch');

      // Act
      const first = expectRelease(planRelease(config, event, 'delivery-1'));
      const redelivered = expectRelease(planRelease(config, event, 'delivery-2'));

      // Assess
      expect(redelivered.release.id).toBe(first.release.id);
      expect(redelivered.environments.map((e) => e.executionName)).toEqual(
        first.environments.map((e) => e.executionName),
      );
      expect(releaseId('checkout', SHA)).toBe(first.release.id);
    });

    it('matches the configured repository regardless of case, as GitHub does', () => {
      // Prepare
      const event: PushEvent = fixture('push-release-branch');
      event.repository.full_name = 'ACME/Checkout';

      // Act
      const plan = expectRelease(planRelease(config, event));

      // Assess
      expect(plan.release.repository).toBe('acme/checkout');
      expect(plan.environments[0]?.executionName).toBe(`dev-acme-checkout-${TAG}-${SHA}`);
    });
  });

  describe('Routes', () => {
    // StartExecution refuses a name used by any execution in the last 90 days (StartExecution API
    // reference): a commit first pushed to hotfix/* and then to main would otherwise never leave prod (R6).
    it('names the pipeline and its environments apart for the same commit pushed to branches of two routes', () => {
      // Act
      const main = planRelease(exampleConfig(), {
        ...fixture('push-release-branch'),
        ref: 'refs/heads/main',
      }) as ReleasePlan;
      const hotfix = planRelease(exampleConfig(), {
        ...fixture('push-release-branch'),
        ref: 'refs/heads/hotfix/x',
      }) as ReleasePlan;

      // Assess
      expect(main.pipeline.executionName).not.toBe(hotfix.pipeline.executionName);
      expect(main.environments.at(-1)?.executionName).not.toBe(hotfix.environments[0]?.executionName);
      for (const name of [main, hotfix].flatMap((p) => [
        p.pipeline.executionName,
        ...p.environments.map((e) => e.executionName),
      ])) {
        expect(name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      }
    });

    it('plans a hotfix push for the hotfix route: prod alone', () => {
      const event: PushEvent = { ...fixture('push-release-branch'), ref: 'refs/heads/hotfix/cve-1' };

      const plan = expectRelease(planRelease(config, event, DELIVERY));

      expect(plan.route).toMatchObject({ name: 'hotfix/*', environments: ['prod'] });
      expect(plan.environments.map((e) => [e.name, e.startsOn])).toEqual([['prod', 'push']]);
      expect(plan.pipeline.input.stages.map((s) => s.name)).toEqual(['prod']);
    });

    it('names a later attempt with a suffix, for the pipeline and every environment', () => {
      const plan = expectRelease(planRelease(config, fixture('push-release-branch'), DELIVERY, 3));

      expect(plan.release.attempt).toBe(3);
      expect(plan.pipeline.executionName).toMatch(/^pipeline-acme-checkout-r[0-9a-f]{6}-[0-9a-f]{40}-a3$/);
      for (const env of plan.environments) expect(env.executionName).toMatch(/-a3$/);
    });
  });

  describe('A push that is not a release', () => {
    it('ignores a tag push', () => {
      // Act
      const plan = planRelease(config, fixture('push-tag'));

      // Assess
      expect(plan).toEqual({
        kind: 'ignored',
        reason: 'refs/tags/simple-tag is not a branch (tag pushes are not releases)',
      });
    });

    it('ignores a branch deletion', () => {
      // Act
      const plan = planRelease(config, fixture('push-delete'));

      // Assess
      expect(plan).toEqual({ kind: 'ignored', reason: 'branch release/1.3 was deleted' });
    });

    it('ignores a branch deletion even without the deleted flag, by its all-zero SHA', () => {
      // Prepare
      const event: PushEvent = fixture('push-delete');
      delete event.deleted;

      // Act + Assess
      expect(planRelease(config, event)).toEqual({
        kind: 'ignored',
        reason: 'branch release/1.3 was deleted',
      });
    });

    it('ignores a push to a branch no release pattern matches', () => {
      // Prepare: GitHub's own example pushes to master, which the example config does not release
      const event: PushEvent = {
        ...upstreamPush(4),
        repository: { full_name: 'acme/checkout' },
      } as PushEvent;

      // Act
      const plan = planRelease(config, event);

      // Assess
      expect(plan).toEqual({
        kind: 'ignored',
        reason: 'branch master matches no route (release/*, main; hotfix/*)',
      });
    });

    it('does not match a release pattern across slashes', () => {
      // Prepare
      const event: PushEvent = { ...fixture('push-release-branch'), ref: 'refs/heads/release/1.4/hotfix' };

      // Act + Assess
      expect(planRelease(config, event)).toMatchObject({ kind: 'ignored' });
    });

    it('ignores a push to another repository', () => {
      // Prepare: GitHub's example, untouched
      const event = upstreamPush(4) as unknown as PushEvent;

      // Act
      const plan = planRelease(config, event);

      // Assess
      expect(plan).toEqual({ kind: 'ignored', reason: 'push to Codertocat/Hello-World, not acme/checkout' });
    });

    it('ignores a pushed commit that is not a SHA', () => {
      // Prepare
      const event: PushEvent = { ...fixture('push-release-branch'), after: 'HEAD' };

      // Act + Assess
      expect(planRelease(config, event)).toEqual({
        kind: 'ignored',
        reason: 'pushed commit "HEAD" is not a SHA',
      });
    });
  });
});
