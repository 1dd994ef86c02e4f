import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { GitHubBuildVerifier } from '../../functions/shared/aws/github-build-verifier.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import type { Orchestrator } from '../../functions/shared/ports/index.js';
import { createVerifyBuildHandler } from '../../functions/verify-build/handler.js';
import { apiCheckRun } from '../support/check-runs.js';
import { context } from '../support/lambda.js';
import { recordOf, releaseInput } from '../support/release.js';

const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAd9Q';
const STARTED = '2026-11-30T10:00:00.000Z';

/**
 * GitHub's check-runs endpoint for one commit, paging as GitHub does: at most `per_page` (100)
 * runs a page and a Link header with rel="next" while more remain (REST API, "Using pagination").
 */
class GitHubChecksApi {
  runs: unknown[] = [];
  readonly seen: { path: string; page: string | null; authorization: string | undefined }[] = [];
  private server: Server | undefined;
  private base = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      this.seen.push({
        path: url.pathname,
        page: url.searchParams.get('page'),
        authorization: req.headers.authorization,
      });
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(this.runs.length / perPage));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (page < last) {
        const next = new URL(url.pathname + url.search, this.base);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${next}>; rel="next"`;
      }
      res.writeHead(200, headers).end(
        JSON.stringify({
          total_count: this.runs.length,
          check_runs: this.runs.slice((page - 1) * perPage, page * perPage),
        }),
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this.base;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

class RecordingOrchestrator {
  readonly successes: { token: string; output: unknown }[] = [];
  closed = false;
  async sendTaskSuccess(token: string, output: unknown) {
    // SendTaskSuccess on a task already closed: "TaskTimedOut" (SendTaskSuccess API reference).
    if (this.closed) throw Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    this.successes.push({ token, output });
  }
}

describe('Handler: verify-build', () => {
  const github = new GitHubChecksApi();
  let url = '';
  let input: ReleaseInput;
  let store: MemoryReleaseStore;
  let orchestrator: RecordingOrchestrator;
  let now: Date;

  beforeAll(async () => {
    url = await github.start();
  });
  afterAll(() => github.stop());

  beforeEach(async () => {
    github.runs = [];
    github.seen.length = 0;
    input = releaseInput('dev');
    store = new MemoryReleaseStore();
    await store.create(recordOf(input));
    orchestrator = new RecordingOrchestrator();
    now = new Date('2026-11-30T10:00:05.000Z');
  });

  const run = (fields: {
    id: number;
    name: string;
    status?: string;
    conclusion?: string | null;
    appId?: number;
  }) => apiCheckRun({ head_sha: input.release.sha, ...fields });

  const verify = () =>
    createVerifyBuildHandler({
      buildVerifier: () => new GitHubBuildVerifier(async () => TOKEN, url),
      orchestrator: () => orchestrator as unknown as Orchestrator,
      releases: () => store,
      now: () => now,
    })({ ...input, taskToken: TASK_TOKEN, startedAt: STARTED }, context);

  it('completes the task token at once when the required checks passed, asking GitHub with the token', async () => {
    github.runs = [
      run({ id: 1, name: 'build' }),
      run({ id: 2, name: 'test' }),
      run({ id: 3, name: 'lint', conclusion: 'failure' }),
    ];

    await expect(verify()).resolves.toEqual({ waiting: false });

    expect(orchestrator.successes).toEqual([{ token: TASK_TOKEN, output: { checks: ['build', 'test'] } }]);
    expect(github.seen[0]).toMatchObject({
      path: `/repos/acme/checkout/commits/${input.release.sha}/check-runs`,
      authorization: `token ${TOKEN}`,
    });
    expect((await store.get(input.release.id, 'dev'))?.buildWait).toBeUndefined();
  });

  it('fails with BuildNotVerifiedError when a required check failed', async () => {
    github.runs = [run({ id: 1, name: 'build' }), run({ id: 2, name: 'test', conclusion: 'failure' })];

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
    github.runs = [run({ id: 1, name: 'build' }), run({ id: 2, name: 'test', status: 'in_progress' })];
    now = new Date(Date.parse(STARTED) + input.environment.checks.buildTimeoutSeconds * 1000);

    await expect(verify()).rejects.toMatchObject({
      name: 'BuildNotVerifiedError',
      message: expect.stringContaining('still pending after 3600s — required check "test" is in_progress'),
    });
  });

  it('does not count a check of the right name from another app', async () => {
    github.runs = [run({ id: 1, name: 'build' }), run({ id: 2, name: 'test', appId: 999 })];

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
    github.runs = [run({ id: 1, name: 'build' }), run({ id: 2, name: 'test', conclusion: 'skipped' })];

    await expect(verify()).rejects.toMatchObject({
      message: expect.stringContaining('"test" concluded skipped'),
    });
    input.environment.checks.allowConclusions = ['skipped'];
    await expect(verify()).resolves.toEqual({ waiting: false });
  });

  it('reads every page when the commit has more than 100 check runs', async () => {
    github.runs = [
      ...Array.from({ length: 140 }, (_, i) => run({ id: 100 + i, name: `matrix-${i}` })),
      run({ id: 1, name: 'build' }),
      run({ id: 2, name: 'test' }),
    ];

    await expect(verify()).resolves.toEqual({ waiting: false });

    expect(github.seen.map((s) => s.page)).toEqual([null, '2']);
    expect(orchestrator.successes[0]?.output).toEqual({ checks: ['build', 'test'] });
  });

  it('finishes quietly when a check event already woke its token (the task judges again)', async () => {
    github.runs = [run({ id: 1, name: 'build' }), run({ id: 2, name: 'test' })];
    orchestrator.closed = true;

    await expect(verify()).resolves.toEqual({ waiting: false });
  });

  it('completes at once without asking GitHub when no check is required', async () => {
    input.environment.requiredChecks = [];

    await expect(verify()).resolves.toEqual({ waiting: false });
    expect(github.seen).toHaveLength(0);
    expect(orchestrator.successes).toEqual([{ token: TASK_TOKEN, output: { checks: [] } }]);
  });
});
