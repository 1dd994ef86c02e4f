import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { BuildVerifier, CheckRun, Orchestrator } from '../../functions/shared/ports/index.js';
import { createVerifyBuildHandler } from '../../functions/verify-build/verify-build.js';
import { ACTIONS_APP_ID } from '../support/check-runs.js';
import { taskContext } from '../support/ports.js';
import { recordOf, releaseInput } from '../support/release.js';

const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAd9Q';
const STARTED = '2026-11-30T10:00:00.000Z';

const unused = async (): Promise<never> => {
  throw new Error('not used by VerifyBuild');
};

/**
 * The BuildVerifier port: the commit's check runs as the GitHub adapter lists them (how it pages
 * and authenticates: test/aws/github-build-verifier.test.ts).
 */
class FakeBuildVerifier implements BuildVerifier {
  runs: CheckRun[] = [];
  readonly asked: { repository: string; sha: string }[] = [];

  async checkRuns(repository: string, sha: string): Promise<CheckRun[]> {
    this.asked.push({ repository, sha });
    return this.runs;
  }
}

class RecordingOrchestrator implements Orchestrator {
  readonly successes: { token: string; output: unknown }[] = [];
  closed = false;
  throttled = false;
  startRelease = unused;
  startPipeline = unused;
  stopExecution = unused;
  sendTaskFailure = unused;
  executionStatus = unused;
  describeExecution = unused;

  async sendTaskSuccess(token: string, output: unknown) {
    if (this.throttled) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    // SendTaskSuccess on a task already closed: TaskTimedOut (SendTaskSuccess API reference).
    if (this.closed) return 'closed' as const;
    this.successes.push({ token, output });
    return 'delivered' as const;
  }
}

describe('Handler: verify-build', () => {
  const github = new FakeBuildVerifier();
  let input: ReleaseInput;
  let store: MemoryReleaseStore;
  let orchestrator: RecordingOrchestrator;
  let now: Date;

  beforeEach(async () => {
    github.runs = [];
    github.asked.length = 0;
    input = releaseInput('dev');
    store = new MemoryReleaseStore(() => now);
    now = new Date('2026-11-30T10:00:05.000Z');
    await store.create(recordOf(input));
    orchestrator = new RecordingOrchestrator();
  });

  const run = (fields: {
    name: string;
    status?: string;
    conclusion?: string | null;
    appId?: number;
  }): CheckRun => {
    const status = fields.status ?? 'completed';
    return {
      name: fields.name,
      status,
      conclusion: status === 'completed' ? (fields.conclusion ?? 'success') : null,
      appId: fields.appId ?? ACTIONS_APP_ID,
    };
  };

  const verify = () =>
    createVerifyBuildHandler({
      buildVerifier: () => github,
      orchestrator: () => orchestrator,
      releases: () => store,
      now: () => now,
    })({ ...input, taskToken: TASK_TOKEN, startedAt: STARTED }, taskContext);

  it('completes the task token at once when the required checks passed, asking for the pushed commit', async () => {
    github.runs = [
      run({ name: 'build' }),
      run({ name: 'test' }),
      run({ name: 'lint', conclusion: 'failure' }),
    ];

    await expect(verify()).resolves.toEqual({ waiting: false });

    expect(orchestrator.successes).toEqual([{ token: TASK_TOKEN, output: { checks: ['build', 'test'] } }]);
    expect(github.asked).toEqual([{ repository: 'acme/checkout', sha: input.release.sha }]);
    expect((await store.get(input.release.id, 'dev'))?.buildWait).toBeUndefined();
  });

  it('fails with BuildNotVerifiedError when a required check failed', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test', conclusion: 'failure' })];

    await expect(verify()).rejects.toMatchObject({
      name: 'BuildNotVerifiedError',
      message: `${input.release.sha.slice(0, 7)}: required check "test" concluded failure`,
    });
    expect(orchestrator.successes).toHaveLength(0);
  });

  it('waits, leaving its token on the record, when the check runs have not been created yet', async () => {
    github.runs = [];

    await expect(verify()).resolves.toEqual({ waiting: true });

    expect(orchestrator.successes).toHaveLength(0);
    expect((await store.get(input.release.id, 'dev'))?.buildWait).toMatchObject({
      taskToken: TASK_TOKEN,
      pending: ['build', 'test'],
    });
  });

  it('rejects a check still pending past the route build timeout', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test', status: 'in_progress' })];
    now = new Date(Date.parse(STARTED) + input.environment.checks.buildTimeoutSeconds * 1000);

    await expect(verify()).rejects.toMatchObject({
      name: 'BuildNotVerifiedError',
      message: expect.stringContaining('still pending after 3600s — required check "test" is in_progress'),
    });
  });

  it('does not count a check of the right name from another app', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test', appId: 999 })];

    await expect(verify()).resolves.toEqual({ waiting: true });
    now = new Date(Date.parse(STARTED) + 3600_000);
    await expect(verify()).rejects.toMatchObject({
      message: expect.stringContaining(
        'required check "test" has no run from app 15368 (a run from app 999 does not count)',
      ),
    });
    expect(orchestrator.successes).toHaveLength(0);
  });

  it('fails a skipped required check unless the config allows skipped', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test', conclusion: 'skipped' })];

    await expect(verify()).rejects.toMatchObject({
      message: expect.stringContaining('"test" concluded skipped'),
    });
    input.environment.checks.allowConclusions = ['skipped'];
    await expect(verify()).resolves.toEqual({ waiting: false });
  });

  it('finds the required checks among every run of a commit with more than 100 check runs', async () => {
    github.runs = [
      ...Array.from({ length: 140 }, (_, i) => run({ name: `matrix-${i}` })),
      run({ name: 'build' }),
      run({ name: 'test' }),
    ];

    await expect(verify()).resolves.toEqual({ waiting: false });

    expect(orchestrator.successes[0]?.output).toEqual({ checks: ['build', 'test'] });
  });

  it('leaves the newer wait on the record when a check event woke its token while GitHub was read', async () => {
    // Prepare: while this invocation reads GitHub, a check event wakes its token and the next
    // invocation writes its own token on the record
    const reading = github.checkRuns.bind(github);
    github.checkRuns = async (repository, sha) => {
      await store.update(
        input.release.id,
        'dev',
        { buildWait: { taskToken: 'NEXT-TOKEN', since: now.toISOString(), pending: ['build'] } },
        { event: 'verifying_build' },
      );
      return reading(repository, sha);
    };
    github.runs = [];

    // Act
    await expect(verify()).resolves.toEqual({ waiting: true });

    // Assess
    expect((await store.get(input.release.id, 'dev'))?.buildWait?.taskToken).toBe('NEXT-TOKEN');
  });

  it('finishes quietly when a check event already woke its token (the task judges again)', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test' })];
    orchestrator.closed = true;

    await expect(verify()).resolves.toEqual({ waiting: false });
  });

  // SendTaskSuccess API reference: only TaskTimedOut / TaskDoesNotExist / InvalidToken close a
  // token; a throttled call says nothing about the task, so Lambda's retry must see it.
  it('fails when SendTaskSuccess is throttled instead of taking the task as woken', async () => {
    github.runs = [run({ name: 'build' }), run({ name: 'test' })];
    orchestrator.throttled = true;

    await expect(verify()).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('completes at once without asking GitHub when no check is required', async () => {
    input.environment.requiredChecks = [];

    await expect(verify()).resolves.toEqual({ waiting: false });
    expect(github.asked).toHaveLength(0);
    expect(orchestrator.successes).toEqual([{ token: TASK_TOKEN, output: { checks: [] } }]);
  });
});
