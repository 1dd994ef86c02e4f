import { MemoryApprovalStore } from '../../embedded/adapters/approval-store.js';
import { LocalDeployments } from '../../embedded/adapters/deployments.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalSlack } from '../../embedded/adapters/slack.js';
import { lambdaContext } from '../../embedded/engine.js';
import { streamEvent } from '../../embedded/notifications.js';
import { createReleaseNotifierHandler } from '../../functions/release-notifier/release-notifier.js';
import { newRecord } from '../../functions/shared/domain/records.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { exampleConfig } from '../support/config.js';
import { releaseInput } from '../support/release.js';

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
  it('posts one thread per release and environment, each history entry once, in order', async () => {
    const { releases, slack, notify } = setup();
    const input = releaseInput('prod');
    await releases.create({ ...newRecord(input, NOW), targets: { live: 'blue', idle: 'green' } });
    await notify((await releases.get(input.release.id, 'prod'))!);
    await releases.update(
      input.release.id,
      'prod',
      { steps: [{ index: 0, weight: 5, observed: { blue: 95, green: 5 }, at: NOW.toISOString() }] },
      { event: 'shifted', detail: '5% on the new version' },
    );
    const record = (await releases.get(input.release.id, 'prod'))!;

    await notify(record);
    await notify(record); // a redelivered stream record posts nothing new

    const [root, ...replies] = slack.messages;
    expect(root).toMatchObject({
      channel: '#releases',
      text: expect.stringContaining('prod: release started'),
    });
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      threadTs: root!.ts,
      text: expect.stringContaining('reads 5% on the new version'),
    });
    expect(JSON.stringify(replies[0]!.blocks)).toContain('sluice_abort');
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
    await releases.create(newRecord(input, NOW));
    await releases.update(input.release.id, 'prod', {}, { event: 'deployed', detail: 'v2 on green' });
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
      expect.stringContaining('release started'),
      expect.stringContaining('deployed: v2 on green'),
    ]);
  });
});
