import { type ConfigFile, parseConfigFile } from '../../embedded/config.js';
import { lambdaContext } from '../../embedded/engine.js';
import { pushPayload } from '../../embedded/push.js';
import {
  blockActionsPayload,
  formBody,
  interactionEvent,
  slackHeaders,
} from '../../embedded/slack-interaction.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { Scenario, shaOf } from './harness.js';

/*
 * Releases of different branches meeting in one environment (ADR 0006, docs/architecture.md "The
 * order of pushes"). What GitHub documents and these tests hold Sluice to:
 * - deliveries come in no guaranteed order, and `repository.pushed_at` is whole seconds (push
 *   event payload), so two pushes 5 ms apart are told apart by when the webhook received them;
 * - StartExecution refuses a name used in the last 90 days (StartExecution API reference), so the
 *   same commit on a branch of another route needs a name of its own (review R6).
 */

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
/** The hotfix test's clock: BeginRelease's queue retries (every 30 s) take 0.3 s. */
const QUEUE_SCALE = 0.01;
const APPROVER = 'U024BE7LH';
const arn = (env: string, kind: 'listener' | 'blue' | 'green') =>
  kind === 'listener'
    ? `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-${env}/50dc6c495c0c9188/f2f7dc8efc522ab2`
    : `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-${env}-${kind}/73e2d6bc24d8a067`;

/**
 * release/* walks dev → staging → prod, hotfix/* goes to prod alone, as in the example config.
 * `bake` is each step's bake and the watch: the order of releases at prod's lock, which these
 * tests are about, does not depend on them, and on a scaled clock every non-zero wait lasts at
 * least a second (Wait states wait whole seconds), so the hotfix test bakes for no time.
 */
function branchesConfig(prodApproval: boolean, bake = '20s'): ConfigFile {
  return parseConfigFile({
    repository: 'acme/shop',
    service: 'shop',
    routes: [
      { branches: ['release/*'], environments: [...ENVIRONMENTS] },
      { branches: ['hotfix/*'], environments: ['prod'] },
    ],
    requiredChecks: ['build'],
    environments: ENVIRONMENTS.map((name) => ({
      name,
      listenerArn: arn(name, 'listener'),
      targetGroups: { blue: arn(name, 'blue'), green: arn(name, 'green') },
      deploy: { provider: 'external' },
      steps: [
        { weight: 25, bake },
        { weight: 100, bake },
      ],
      watch: bake,
      // dev's soak keeps the release out of prod for a while (1 s on any scaled clock): the hotfix
      // takes prod's lock first, as in issue 16, where the release arrived after walking dev and staging
      ...(name === 'dev' ? { soak: '20s' } : {}),
      ...(name === 'prod' && prodApproval
        ? { approval: { type: 'slack', channel: 'C0RELEASES', approvers: [APPROVER], timeout: '12h' } }
        : {}),
    })),
    embedded: { timeScale: 0.05 },
  });
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

/** Polls until the probe answers; fails, naming what it waited for, after 60 s (a hang, not a timing assertion). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let polls = 0; polls < 3000; polls++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const recordIn = (s: Scenario, releaseId: string, env: string) =>
  s.runtime.ports.releases().get(releaseId, env);

/**
 * Approves the release's pending approval in `env` with a signed Slack click, once its message is
 * posted; the release's record when it ended before it asked (nothing left to approve).
 */
async function approve(s: Scenario, releaseId: string, env: string): Promise<ReleaseRecord | undefined> {
  const waiting = await until(`an approval of ${releaseId} in ${env}, or its end`, async () => {
    const approval = (await s.runtime.ports.approvals().list()).find(
      (a) => a.releaseId === releaseId && a.environment === env && a.status === 'pending' && a.message,
    );
    if (approval) return { approval };
    const record = await recordIn(s, releaseId, env);
    return record?.endedAt ? { ended: record } : undefined;
  });
  if (!('approval' in waiting)) return waiting.ended;
  const body = formBody(
    blockActionsPayload({
      action: 'approve',
      value: waiting.approval!.id,
      user: APPROVER,
      responseUrl: `local://responses/${APPROVER}`,
    }),
  );
  const secret = await s.runtime.ports.secrets().get('slack-signing');
  await s.runtime.handlers.slackInteractions(
    interactionEvent(body, slackHeaders(secret, body)),
    lambdaContext('slack-interactions'),
  );
  return undefined;
}

const events = (record: ReleaseRecord | undefined) => record?.history.map((h) => h.event) ?? [];

describe('Scenario: releases of different branches meet in prod', () => {
  // Issue 16, item 6: the release arrived at prod's lock after walking dev and staging, and the
  // hotfix pushed 5 ms after it ended `superseded`. With otherBranches: newer-first (the
  // default), the hotfix is the newer push (received later in the same second); the release,
  // older and of another branch, waits its turn in prod and then releases.
  it('promotes a hotfix pushed 5 ms after a release push in prod; the release waits for it, then releases (otherBranches: newer-first)', async () => {
    // Prepare: on a scaled clock (not the instant one, where the release's 120 queue retries in
    // prod would all run at once while the hotfix waits for its approval, and the release would
    // fail there) where the retries every 30 s take 0.3 s; no bakes (see branchesConfig)
    scenario = await Scenario.start({ config: branchesConfig(true, '0s'), timeScale: QUEUE_SCALE });
    const s = scenario;
    const pushedAt = Math.floor(Date.now() / 1000);
    const repository = s.config.repository;

    // Act: the release push, then the hotfix push 5 ms later, in the same second of push time
    const release = await s.deliver(
      pushPayload(repository, 'release/2.0', shaOf('release-2.0'), { pushedAt }),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const hotfix = await s.deliver(
      pushPayload(repository, 'hotfix/cve-1', shaOf('hotfix-cve-1'), { pushedAt }),
    );
    expect([release.status, hotfix.status]).toEqual([202, 202]);

    // Act: the hotfix waits for approval in prod until the release has walked dev and staging and reached prod
    await until('the release in prod', () => recordIn(s, release.releaseId, 'prod'));
    expect(await approve(s, hotfix.releaseId, 'prod')).toBeUndefined();
    const hotfixEnd = await s.runtime.pipelines.wait(hotfix.pipelineName);
    await approve(s, release.releaseId, 'prod');
    const releaseEnd = await s.runtime.pipelines.wait(release.pipelineName);

    // Assess: the hotfix was promoted in prod, not superseded
    expect(hotfixEnd.status).toBe('SUCCEEDED');
    const hotfixProd = await recordIn(s, hotfix.releaseId, 'prod');
    expect(hotfixProd).toMatchObject({ status: 'succeeded' });
    expect(events(hotfixProd)).toContain('promoted');

    // Assess: the release waited its turn in prod and then released there
    expect(releaseEnd.status).toBe('SUCCEEDED');
    const releaseProd = await recordIn(s, release.releaseId, 'prod');
    expect(releaseProd).toMatchObject({ status: 'succeeded' });
    expect(Date.parse(releaseProd!.history.find((h) => h.event === 'began')!.at)).toBeGreaterThanOrEqual(
      Date.parse(hotfixProd!.endedAt!),
    );
    const weights = s.runtime.alb.readWeights(arn('prod', 'listener'));
    expect(Object.values(weights).sort()).toEqual([0, 100]);
    expect(await s.runtime.ports.releases().lockHolder('prod')).toBeUndefined();
  }, 120_000);

  // Review R6: the execution names were (repository, SHA, attempt), so a commit first pushed to
  // hotfix/* (prod) and then to release/* (dev, staging, prod) was answered as a duplicate.
  it('releases the same commit pushed to a branch of another route there too: dev, staging and prod', async () => {
    // Prepare: the commit went to prod through hotfix/x
    scenario = await Scenario.start({ config: branchesConfig(false) });
    const s = scenario;
    const sha = shaOf('fast-forwarded');
    const viaHotfix = await s.deliver(pushPayload(s.config.repository, 'hotfix/x', sha));
    expect((await s.runtime.pipelines.wait(viaHotfix.pipelineName)).status).toBe('SUCCEEDED');

    // Act: the same commit is pushed to release/3.0 (fast-forwarded)
    const viaRelease = await s.deliver(
      pushPayload(s.config.repository, 'release/3.0', sha, { before: shaOf('base') }),
    );
    const pipeline = await s.runtime.pipelines.wait(viaRelease.pipelineName);

    // Assess
    expect(viaRelease.status).toBe(202);
    expect(viaRelease.body).toMatchObject({ started: true });
    expect(viaRelease.pipelineName).not.toBe(viaHotfix.pipelineName);
    expect(pipeline.status).toBe('SUCCEEDED');
    for (const env of ENVIRONMENTS) {
      expect({ env, record: await recordIn(s, viaRelease.releaseId, env) }).toMatchObject({
        env,
        record: {
          status: 'succeeded',
          executionName: viaRelease.plan.environments.find((e) => e.name === env)!.executionName,
        },
      });
    }
  }, 120_000);
});
