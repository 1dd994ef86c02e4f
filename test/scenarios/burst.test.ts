import { setTimeout as sleep } from 'node:timers/promises';
import { deliver, pushPayload } from '../../embedded/push.js';
import { createApp, listen, type RunningServer } from '../../embedded/server.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { SCALED, Scenario, shaOf } from './harness.js';

/*
 * What GitHub documents and these tests hold Sluice to:
 * - a push event's `before` is "the SHA of the most recent commit on ref before the push", and
 *   `after` the one after it (webhook events and payloads, push): on one branch the pushes form a
 *   chain, and that chain, not the order of deliveries, says which push is newer;
 * - deliveries come in no guaranteed order, and a failed delivery is not redelivered by GitHub
 *   ("Handling failed webhook deliveries"): each delivery is its own webhook Lambda and its own
 *   execution, so the order in which releases reach an environment's lock is arbitrary.
 */

const ZERO = '0'.repeat(40);
const BRANCH = 'release/1.0';

let scenario: Scenario | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  await scenario?.close();
  scenario = undefined;
  server = undefined;
});

/** Pushes to one branch, each on top of the last, all in the same second (so only the chain orders them). */
function pushChain(repository: string, label: string, count = 20) {
  const shas = Array.from({ length: count }, (_, i) => shaOf(`${label}-${i}`));
  const pushedAt = Math.floor(Date.now() / 1000);
  return shas.map((sha, i) =>
    pushPayload(repository, BRANCH, sha, { before: shas[i - 1] ?? ZERO, pushedAt }),
  );
}

/** A fixed shuffle (a small LCG), so a failure can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** What the listener serves, asked over real HTTP: the x-version of each answer. */
async function servedVersions(scenario: Scenario, requests = 10): Promise<Set<string>> {
  const url = scenario.runtime.listenerUrls[scenario.env.name]!;
  const versions = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const response = await fetch(url);
    versions.add(response.headers.get('x-version') ?? '(none)');
    await response.arrayBuffer();
  }
  return versions;
}

describe('Scenario: a burst of pushes to one release branch (supersede)', () => {
  it.each([
    [10, 'in push order', 'dynalite', 0],
    [20, 'out of order', 'memory', 7],
    [20, 'newest first', 'memory', -1],
  ] as const)(
    'ends on the newest of %d pushes delivered 5 ms apart %s (%s store); every other release ends superseded, none by contention',
    async (pushes, _, releaseStore, seed) => {
      // Prepare: in push order, each push supersedes a running release, the most lock traffic of
      // the three: that one runs on sluice serve's store (DynamoDB on dynalite), so the lock's
      // conditional writes are DynamoDB's. Its store calls grow with the square of the pushes
      // (each push's order is read along the chain of pushes before it: 2,228 calls for 20
      // pushes, 7 s of CPU), so it bursts 10. The other two run on the memory store, which
      // test/ports holds to the same contract, at a fraction of the CPU. On the scaled clock a
      // release takes seconds, so the burst lands while they run.
      scenario = await Scenario.start({ releaseStore, timeScale: SCALED });
      const chain = pushChain(scenario.config.repository, `burst-${seed}`, pushes);
      const newest = chain.at(-1)!;
      const order = seed === 0 ? chain : seed === -1 ? [...chain].reverse() : shuffled(chain, seed);

      // Act: POST each signed push to sluice serve 5 ms after the last, as GitHub's many deliveries would arrive
      server = await listen(createApp(scenario.runtime, { apiToken: 'burst-test' }));
      const secret = await scenario.runtime.ports.secrets().get('github-webhook');
      const deliveries = [];
      for (const payload of order) {
        deliveries.push(deliver(`${server.url}/webhooks/github`, secret, 'push', payload));
        await sleep(5);
      }
      const answers = await Promise.all(deliveries);
      expect(answers.map((a) => a.status)).toEqual(order.map(() => 202));
      const pushed = order.map((payload) => {
        const plan = planRelease(scenario!.config, payload);
        if (plan.kind !== 'release') throw new Error(plan.reason);
        return { plan, releaseId: plan.release.id, pipelineName: plan.pipeline.executionName };
      });
      await Promise.all(pushed.map((p) => scenario!.runtime.pipelines.wait(p.pipelineName)));

      // Assess: the newest push serves all traffic, over real HTTP
      const records = new Map<string, ReleaseRecord>();
      for (const p of pushed) records.set(p.plan.release.sha, (await scenario.record(p.releaseId))!);
      expect(records.get(newest.after)).toMatchObject({ status: 'succeeded' });
      const newestVersion = pushed.find((p) => p.plan.release.sha === newest.after)!.plan.release.version;
      expect(await servedVersions(scenario)).toEqual(new Set([newestVersion]));
      expect(Object.values(scenario.weights()).sort()).toEqual([0, 100]);
      expect(await scenario.lockHolder()).toBeUndefined();

      // Assess: every other push ended superseded, saying by what, and none failed by contention
      for (const payload of chain.slice(0, -1)) {
        const record = records.get(payload.after)!;
        // The cause beside the status: a failure here says what ended the release instead.
        expect({ sha: payload.after, status: record.status, cause: record.cause?.message }).toEqual({
          sha: payload.after,
          status: 'superseded',
          cause: expect.stringMatching(/newer push|superseded by release/),
        });
        expect(record.cause).toMatchObject({ trigger: 'superseded', error: 'ReleaseSuperseded' });
        expect(record.cause?.message).toMatch(/newer push|superseded by release/);
      }
      const errors = [...records.values()].flatMap((r) => r.history.map((h) => h.detail ?? ''));
      expect(errors.filter((d) => /Contention|ConditionalCheckFailed|conditional request/.test(d))).toEqual(
        [],
      );
    },
    120_000,
  );

  it('an older push delivered after a newer one released ends superseded at once and moves nothing', async () => {
    // Prepare: B was pushed on top of A, and B's delivery came first and released
    scenario = await Scenario.start();
    const [a, b] = pushChain(scenario.config.repository, 'late', 2) as [
      ReturnType<typeof pushPayload>,
      ReturnType<typeof pushPayload>,
    ];
    const newerPush = await scenario.deliver(b);
    const newer = await scenario.settle(newerPush);
    const served = scenario.weights();

    // Act: A's delivery arrives late
    const late = await scenario.deliver(a);
    const lateEnd = await scenario.settle(late);

    // Assess
    expect(newer.status).toBe('SUCCEEDED');
    expect(lateEnd.status).toBe('FAILED');
    expect(lateEnd.pipeline.status).toBe('FAILED');
    expect(scenario.weights()).toEqual(served);
    const record = await scenario.record(late.releaseId);
    expect(record).toMatchObject({ status: 'superseded', steps: [], cause: { trigger: 'superseded' } });
    expect(record?.cause?.message).toBe(
      `release ${newerPush.releaseId} of a newer push already began in dev: ${b.after.slice(0, 7)} was pushed to ${BRANCH} after ${a.after.slice(0, 7)} (the next push); nothing moved`,
    );
    expect(record?.targets).toBeUndefined();
    // The late commit's pipeline and its "Sluice plan" check run say it was overtaken, not that it
    // failed: `cancelled` is one of a completed check run's conclusions (REST API, update a check run).
    expect(await scenario.runtime.ports.releases().pipelineOf(late.releaseId)).toMatchObject({
      status: 'superseded',
      cause: { trigger: 'superseded' },
    });
    expect(scenario.runtime.github.reported().find((run) => run.head_sha === a.after)).toMatchObject({
      conclusion: 'cancelled',
      output: { title: 'superseded in dev' },
    });
  });
});
