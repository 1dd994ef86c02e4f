import { Octokit } from '@octokit/rest';
import { type GithubStub, startGithubStub } from '../../embedded/github-stub.js';
import { GitHubBuildVerifier } from '../../functions/shared/aws/github-build-verifier.js';

const SHA = '6dcb09b5b57875f334f61aebed695e2e4193db5e';

describe('Function: startGithubStub', () => {
  let stub: GithubStub;
  beforeEach(async () => {
    stub = await startGithubStub({ defaultChecks: ['build', 'test'] });
  });
  afterEach(() => stub.close());

  it('answers Octokit’s checks.listForRef with every default check completed and successful', async () => {
    // Prepare
    const octokit = new Octokit({ auth: 'x', baseUrl: stub.url });

    // Act
    const { data, status } = await octokit.rest.checks.listForRef({
      owner: 'acme',
      repo: 'checkout',
      ref: SHA,
    });

    // Assess
    expect(status).toBe(200);
    expect(data.total_count).toBe(2);
    expect(data.check_runs.map((r) => r.name).sort()).toEqual(['build', 'test']);
    for (const run of data.check_runs) {
      expect(run).toMatchObject({
        id: expect.any(Number),
        head_sha: SHA,
        status: 'completed',
        conclusion: 'success',
        started_at: expect.any(String),
        completed_at: expect.any(String),
      });
    }
  });

  it('serves the runs set for a commit, newest first', async () => {
    // Prepare
    stub.setChecks(SHA, [
      { name: 'build', status: 'completed', conclusion: 'failure' },
      { name: 'test', status: 'in_progress' },
    ]);
    const octokit = new Octokit({ auth: 'x', baseUrl: stub.url });

    // Act
    const { data } = await octokit.rest.checks.listForRef({ owner: 'acme', repo: 'checkout', ref: SHA });

    // Assess
    expect(data.check_runs.map(({ name, status, conclusion }) => ({ name, status, conclusion }))).toEqual([
      { name: 'test', status: 'in_progress', conclusion: null },
      { name: 'build', status: 'completed', conclusion: 'failure' },
    ]);
  });

  it('pages with per_page and a Link header that Octokit’s paginate follows', async () => {
    // Prepare
    stub.setChecks(
      SHA,
      ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name })),
    );
    const octokit = new Octokit({ auth: 'x', baseUrl: stub.url });

    // Act
    const first = await octokit.rest.checks.listForRef({
      owner: 'acme',
      repo: 'checkout',
      ref: SHA,
      per_page: 2,
    });
    const all = await octokit.paginate(octokit.rest.checks.listForRef, {
      owner: 'acme',
      repo: 'checkout',
      ref: SHA,
      per_page: 2,
    });

    // Assess
    expect(first.data.total_count).toBe(5);
    expect(first.data.check_runs).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
    expect(all.map((r) => r.name)).toEqual(['e', 'd', 'c', 'b', 'a']);
  });

  it('answers 401 without an Authorization header', async () => {
    // Prepare
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const octokit = new Octokit({ baseUrl: stub.url, log: quiet });

    // Act
    const call = octokit.rest.checks.listForRef({ owner: 'acme', repo: 'checkout', ref: SHA });

    // Assess
    await expect(call).rejects.toMatchObject({ status: 401 });
  });

  it('is what the GitHub build verifier reads', async () => {
    // Prepare
    stub.setChecks(SHA, [{ name: 'build', conclusion: 'failure' }, { name: 'build' }]);
    const verifier = new GitHubBuildVerifier(async () => 'token', stub.url);

    // Act
    const runs = await verifier.checkRuns('acme/checkout', SHA);

    // Assess
    expect(runs).toEqual([{ name: 'build', status: 'completed', conclusion: 'success', appId: 15368 }]);
  });

  it('serves a branch ref, whose slashes Octokit sends encoded in one path segment', async () => {
    // Prepare: "The ref can be a SHA, branch name, or a tag name" (REST API, List check runs for a Git reference)
    stub.setChecks('release/1.2', [{ name: 'build', conclusion: 'failure' }]);
    const octokit = new Octokit({ auth: 'x', baseUrl: stub.url });

    // Act
    const { data } = await octokit.rest.checks.listForRef({
      owner: 'acme',
      repo: 'checkout',
      ref: 'release/1.2',
    });

    // Assess
    expect(data.check_runs.map(({ name, conclusion }) => ({ name, conclusion }))).toEqual([
      { name: 'build', conclusion: 'failure' },
    ]);
  });

  it('keeps the check run Sluice creates and every update to it, and answers 404 for one it never created', async () => {
    // Prepare
    const octokit = new Octokit({
      auth: 'x',
      baseUrl: stub.url,
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });

    // Act
    const created = await octokit.rest.checks.create({
      owner: 'acme',
      repo: 'checkout',
      name: 'Sluice plan',
      head_sha: SHA,
      status: 'in_progress',
      output: { title: 'dev releasing', summary: '…' },
    });
    await octokit.rest.checks.update({
      owner: 'acme',
      repo: 'checkout',
      check_run_id: created.data.id,
      status: 'completed',
      conclusion: 'success',
      output: { title: 'released', summary: '…' },
    });
    const missing = octokit.rest.checks.update({
      owner: 'acme',
      repo: 'checkout',
      check_run_id: 9999,
      status: 'completed',
    });

    // Assess
    expect(created.status).toBe(201);
    await expect(missing).rejects.toMatchObject({ status: 404 });
    expect(stub.reported()).toEqual([
      expect.objectContaining({
        repository: 'acme/checkout',
        head_sha: SHA,
        name: 'Sluice plan',
        status: 'completed',
        conclusion: 'success',
        writes: [
          { status: 'in_progress', conclusion: null, title: 'dev releasing' },
          { status: 'completed', conclusion: 'success', title: 'released' },
        ],
      }),
    ]);
  });
});
