import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalSlack } from '../../embedded/adapters/slack.js';
import {
  createAwaitWindowHandler,
  OPEN_FREEZE_RECHECK_SECONDS,
} from '../../functions/await-window/await-window.js';
import type { CheckReporter, CheckRunReport } from '../../functions/shared/ports/index.js';
import { exampleConfig } from '../support/config.js';
import { taskContext } from '../support/ports.js';
import { examplePlan } from '../support/release.js';

// Thursday 2026-12-03 16:30 Europe/Berlin (CET, +01:00): prod's window (Mon–Thu 09:00–16:00) has closed.
const THURSDAY_EVENING = new Date('2026-12-03T15:30:00Z');

function setup(now: Date) {
  const config = exampleConfig();
  const prod = config.environments.find((e) => e.name === 'prod')!;
  prod.windows = [{ days: ['mon-thu'], hours: '09:00-16:00', timeZone: 'Europe/Berlin' }];
  prod.maxWindowWait = 4 * 24 * 3600;
  const releases = new MemoryReleaseStore(() => now);
  const slack = new LocalSlack();
  const reports: CheckRunReport[] = [];
  const checkReporter = {
    create: async () => 1,
    update: async (_repo: string, _id: number, report: CheckRunReport) => {
      reports.push(report);
    },
  } as unknown as CheckReporter;
  const handler = createAwaitWindowHandler({
    config: () => config,
    releases: () => releases,
    checkReporter: () => checkReporter,
    notifier: () => slack,
    now: () => now,
  });
  const { input } = examplePlan().pipeline;
  return { handler, releases, slack, reports, input, config };
}

async function withPipelineRecord(releases: MemoryReleaseStore, input: ReturnType<typeof setup>['input']) {
  const { release } = input.pipeline;
  await releases.createPipeline({
    kind: 'pipeline',
    releaseId: release.id,
    executionName: input.pipeline.executionName,
    repository: release.repository,
    service: release.service,
    branch: release.branch,
    sha: release.sha,
    version: release.version,
    status: 'in_progress',
    startedAt: '2026-12-03T15:00:00.000Z',
    updatedAt: '2026-12-03T15:00:00.000Z',
    history: [],
    pipeline: {
      route: input.pipeline.route.name,
      environments: input.pipeline.route.environments,
      checkRunId: 7,
    },
  });
}

describe('Function: AwaitWindow', () => {
  it('lets an environment without windows or freezes start at once', async () => {
    // Prepare
    const { handler, input } = setup(THURSDAY_EVENING);

    // Act
    const result = await handler({ ...input, stage: 'dev', window: {} }, taskContext);

    // Assess
    expect(result).toMatchObject({ open: true, noted: '' });
  });

  it('answers Monday 09:00 Berlin as a Wait timestamp and says so once: record, check run, Slack', async () => {
    // Prepare
    const { handler, releases, slack, reports, input } = setup(THURSDAY_EVENING);
    await withPipelineRecord(releases, input);

    // Act
    const first = await handler({ ...input, stage: 'prod', window: {} }, taskContext);
    const again = await handler({ ...input, stage: 'prod', window: first }, taskContext);

    // Assess
    expect(first).toEqual({
      open: false,
      until: '2026-12-07T08:00:00Z',
      deadline: '2026-12-07T15:30:00.000Z',
      noted: '2026-12-07T08:00:00Z',
    });
    expect(again).toEqual(first);
    const record = (await releases.pipelineOf(input.pipeline.release.id))!;
    expect(record.history.filter((h) => h.event === 'window_wait')).toEqual([
      {
        at: THURSDAY_EVENING.toISOString(),
        event: 'window_wait',
        detail: 'prod waits: it is outside its deploy windows; it opens Mon 2026-12-07 09:00 Europe/Berlin',
      },
    ]);
    expect(record.pipeline?.waiting).toMatchObject({
      environment: 'prod',
      until: '2026-12-07T08:00:00.000Z',
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ status: 'in_progress', title: 'prod: waiting for its deploy window' });
    expect(slack.messages.map((m) => m.text)).toEqual([
      expect.stringMatching(
        /waits before prod: it is outside its deploy windows; it opens Mon 2026-12-07 09:00 Europe\/Berlin\.$/,
      ),
    ]);
  });

  it('gives up when the window opens later than maxWindowWait allows', async () => {
    // Prepare
    const { handler, input, config } = setup(THURSDAY_EVENING);
    config.environments.find((e) => e.name === 'prod')!.maxWindowWait = 18 * 3600;

    // Act / Assess
    await expect(handler({ ...input, stage: 'prod', window: {} }, taskContext)).rejects.toMatchObject({
      name: 'WindowWaitExceededError',
      message:
        'prod is outside its deploy windows; it opens Mon 2026-12-07 09:00 Europe/Berlin, later than its maxWindowWait (18h) allows',
    });
  });

  it('looks again after a while under an open-ended operator freeze, never past the deadline', async () => {
    // Prepare
    const { handler, releases, input } = setup(new Date('2026-12-03T10:00:00Z'));
    await withPipelineRecord(releases, input);
    await releases.startFreeze({
      environment: 'dev',
      reason: 'incident 42',
      by: 'alice',
      startedAt: '2026-12-03T09:00:00Z',
    });

    // Act
    const first = await handler({ ...input, stage: 'dev', window: {} }, taskContext);
    const late = await handler(
      { ...input, stage: 'dev', window: { deadline: '2026-12-03T10:02:00.000Z', noted: 'open-ended' } },
      taskContext,
    );

    // Assess
    expect(first).toMatchObject({
      open: false,
      until: new Date(Date.parse('2026-12-03T10:00:00Z') + OPEN_FREEZE_RECHECK_SECONDS * 1000)
        .toISOString()
        .replace('.000Z', 'Z'),
      noted: 'open-ended',
    });
    expect(late).toMatchObject({ open: false, until: '2026-12-03T10:02:00Z' });
  });
});
