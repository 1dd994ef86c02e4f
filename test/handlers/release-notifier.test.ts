import { MemoryApprovalStore } from '../../embedded/adapters/approval-store.js';
import { LocalDeployments } from '../../embedded/adapters/deployments.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalSlack } from '../../embedded/adapters/slack.js';
import { lambdaContext } from '../../embedded/lambda-context.js';
import { streamEvent } from '../../embedded/notifications.js';
import { createReleaseNotifierHandler } from '../../functions/release-notifier/release-notifier.js';
import { blockKitProblems, visibleText } from '../../functions/shared/domain/block-kit.js';
import { newRecord } from '../../functions/shared/domain/records.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { exampleConfig } from '../support/config.js';
import { blueLive, releaseInput } from '../support/release.js';

const NOW = new Date('2026-11-30T12:00:00Z');

function setup() {
  const config = exampleConfig();
  const releases = new MemoryReleaseStore(() => NOW);
  const approvals = new MemoryApprovalStore();
  const slack = new LocalSlack();
  const deployments = new LocalDeployments();
  const handler = createReleaseNotifierHandler({
    config: () => config,
    releases: () => releases,
    approvals: () => approvals,
    threads: () => approvals.threads(),
    notifier: () => slack,
    deployments: () => deployments,
  });
  const notify = (record: ReleaseRecord) => handler(streamEvent(record), lambdaContext('release-notifier'));
  return { releases, approvals, slack, deployments, notify };
}

describe('Handler: release-notifier', () => {
  it('posts one message per release and environment, updates it in place, and replies only for milestones', async () => {
    // Prepare: a release that takes prod, shifts twice and is promoted
    const { releases, slack, notify } = setup();
    const input = releaseInput('prod');
    const targets = blueLive(input);
    const id = input.release.id;
    await releases.create(newRecord(input, NOW));
    await notify((await releases.get(id, 'prod'))!);
    await releases.update(
      id,
      'prod',
      { targets },
      { event: 'began', detail: `holds prod; ${targets.live} serves 100%` },
    );
    await releases.update(
      id,
      'prod',
      {},
      { event: 'deployed', detail: `checkout:${input.release.version} on green` },
    );
    for (const weight of [5, 25]) {
      const step = {
        index: 0,
        weight,
        observed: { [targets.live]: 100 - weight, [targets.idle]: weight },
        at: NOW.toISOString(),
      };
      const record = (await releases.get(id, 'prod'))!;
      await releases.update(
        id,
        'prod',
        { steps: [...record.steps, step] },
        { event: 'shifted', detail: `${weight}% on the new version` },
      );
      await notify((await releases.get(id, 'prod'))!);
    }
    const splitCard = visibleText(slack.messages[0]!).join('\n');
    await releases.update(
      id,
      'prod',
      { status: 'promoted' },
      { event: 'promoted', detail: `${targets.idle} serves 100%` },
    );

    // Act
    const record = (await releases.get(id, 'prod'))!;
    await notify(record);
    await notify(record); // a redelivered stream record posts and updates nothing new

    // Assess: one root, updated in place (chat.update keeps its ts), one reply: promoted
    const [card, ...replies] = slack.messages;
    expect(card).toMatchObject({ channel: '#releases', text: expect.stringContaining('→ prod: promoted') });
    expect(card!.updatedAt).toBeDefined();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      threadTs: card!.ts,
      text: expect.stringContaining('Promoted: green serves all traffic'),
    });
    expect(splitCard).toContain('green 25% / blue 75%');
    expect(visibleText(card!).join('\n')).toContain('green 100%');
    for (const m of slack.messages) expect(visibleText(m).join('\n')).not.toMatch(/arn:aws/);
    for (const m of slack.messages) expect(blockKitProblems(m)).toEqual([]);
  });

  it('updates the message to show the split and Abort while traffic is split, and no buttons once it ended', async () => {
    const { releases, slack, notify } = setup();
    const input = releaseInput('prod');
    const targets = blueLive(input);
    await releases.create({ ...newRecord(input, NOW), targets });
    await releases.update(
      input.release.id,
      'prod',
      {
        steps: [
          { index: 0, weight: 5, observed: { [targets.live]: 95, [targets.idle]: 5 }, at: NOW.toISOString() },
        ],
      },
      { event: 'shifted', detail: '5% on the new version' },
    );
    await notify((await releases.get(input.release.id, 'prod'))!);
    const splitCard = JSON.stringify(slack.messages[0]!.blocks);

    await releases.update(
      input.release.id,
      'prod',
      { status: 'aborted', cause: { trigger: 'manual', message: 'aborted by <@U024BE7LH> in Slack' } },
      { event: 'aborted', detail: 'aborted by <@U024BE7LH> in Slack' },
    );
    await notify((await releases.get(input.release.id, 'prod'))!);

    expect(splitCard).toContain('"action_id":"sluice_abort"');
    expect(splitCard).toContain('"action_id":"sluice_promote_now"');
    const ended = slack.messages[0]!;
    expect(JSON.stringify(ended.blocks)).not.toContain('"actions"');
    expect(visibleText(ended).join('\n')).toContain('Aborted: aborted by U024BE7LH in Slack');
  });

  it('posts the approval request with Approve, Reject and a confirm dialog in production, and remembers where', async () => {
    const { releases, approvals, slack, notify } = setup();
    const input = releaseInput('prod');
    await releases.create(newRecord(input, NOW));
    await approvals.create(
      {
        id: 'ap_1',
        releaseId: input.release.id,
        environment: 'prod',
        executionName: input.executionName,
        service: 'checkout',
        version: input.release.version,
        channel: '#releases',
        status: 'pending',
        requestedAt: NOW.toISOString(),
        expiresAt: new Date(NOW.getTime() + 3600_000).toISOString(),
      },
      'secret-task-token',
    );
    await releases.update(
      input.release.id,
      'prod',
      { approval: { id: 'ap_1', status: 'pending', expiresAt: NOW.toISOString() } },
      { event: 'approval_requested' },
    );

    await notify((await releases.get(input.release.id, 'prod'))!);

    const request = slack.messages.find((m) => m.text.startsWith('Approval needed'));
    const blocks = JSON.stringify(request?.blocks);
    expect(request).toMatchObject({ broadcast: true });
    expect(blocks).toContain('"action_id":"sluice_approve","value":"ap_1"');
    expect(blocks).toContain('"confirm"');
    expect(blocks).not.toContain('secret-task-token');
    expect((await approvals.get('ap_1'))?.message).toEqual({ channel: '#releases', ts: request!.ts });
  });

  it('keeps GitHub deployments in step: in_progress, success, and failure for a rollback', async () => {
    const { releases, deployments, notify } = setup();
    const input = releaseInput('dev');
    await releases.create(newRecord(input, NOW));
    await releases.update(input.release.id, 'dev', { status: 'promoted' }, { event: 'promoted' });
    await releases.update(input.release.id, 'dev', { status: 'rolled_back' }, { event: 'rolled_back' });

    await notify((await releases.get(input.release.id, 'dev'))!);

    expect(deployments.deployments).toHaveLength(1);
    expect(deployments.deployments[0]).toMatchObject({ environment: 'dev', sha: input.release.sha });
    expect(deployments.deployments[0]!.statuses.map((s) => s.state)).toEqual([
      'in_progress',
      'success',
      'failure',
    ]);
  });

  it('throws on a failed post (so the stream retries) and continues where it stopped', async () => {
    const { releases, slack, notify } = setup();
    const input = releaseInput('prod');
    await releases.create({ ...newRecord(input, NOW), targets: blueLive(input) });
    await releases.update(input.release.id, 'prod', { status: 'promoted' }, { event: 'promoted' });
    const record = (await releases.get(input.release.id, 'prod'))!;
    const post = slack.post.bind(slack);
    let calls = 0;
    slack.post = async (...args) => {
      calls += 1;
      if (calls === 2) throw new Error('slack: ratelimited');
      return post(...args);
    };

    await expect(notify(record)).rejects.toThrow('ratelimited');
    await notify(record);

    expect(slack.messages.map((m) => m.text)).toEqual([
      expect.stringContaining('→ prod: promoted'),
      expect.stringContaining('Promoted: green serves all traffic'),
    ]);
  });

  it("gives each deployment status its words (within GitHub's 140 characters), environment_url and log_url", async () => {
    // https://docs.github.com/en/rest/deployments/statuses#create-a-deployment-status:
    // description holds 140 characters; environment_url and log_url are optional links.
    const { releases, deployments, notify } = setup();
    deployments.listenerUrls = { dev: 'http://127.0.0.1:9001' };
    deployments.pageUrl = 'http://127.0.0.1:8787';
    const input = releaseInput('dev');
    await releases.create({ ...newRecord(input, NOW), targets: blueLive(input) });
    await releases.update(
      input.release.id,
      'dev',
      {
        status: 'rolled_back',
        cause: {
          trigger: 'alarm',
          alarm: 'checkout-dev-5xx',
          alarmChangedAt: '2026-11-30T12:03:04.000Z',
          message: `checkout-dev-5xx in ALARM: ${'Threshold Crossed: 1 datapoint was greater than the threshold. '.repeat(5)}`,
        },
      },
      { event: 'rolled_back', detail: 'x' },
    );

    await notify((await releases.get(input.release.id, 'dev'))!);

    const statuses = deployments.deployments[0]!.statuses;
    expect(statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(statuses[1]!.description).toMatch(
      /^Rolled back: alarm checkout-dev-5xx went to ALARM at 12:03:04 UTC/,
    );
    expect(statuses[1]!.description.length).toBeLessThanOrEqual(140);
    expect(statuses[1]!.links).toEqual({
      environmentUrl: 'http://127.0.0.1:9001',
      logUrl: `http://127.0.0.1:8787/#release=${input.release.id}&environment=dev`,
    });
  });
});
