import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubBuildVerifier } from '../../functions/shared/aws/github-build-verifier.js';
import { ACTIONS_APP_ID, apiCheckRun } from '../support/check-runs.js';

interface Seen {
  path: string;
  authorization: string | undefined;
}

/** A stand-in for api.github.com that serves check runs in pages of two, with Link headers. */
function startStub(runs: object[]): Promise<{ server: Server; baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    seen.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    if (url.pathname !== '/api/v3/repos/acme/web/commits/abc1234/check-runs') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    const page = Number(url.searchParams.get('page') ?? '1');
    const size = 2;
    const pages = Math.ceil(runs.length / size);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (page < pages) {
      const next = new URL(url);
      next.host = req.headers.host ?? '';
      next.protocol = 'http:';
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.toString()}>; rel="next"`;
    }
    res
      .writeHead(200, headers)
      .end(
        JSON.stringify({ total_count: runs.length, check_runs: runs.slice((page - 1) * size, page * size) }),
      );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, baseUrl: `http://127.0.0.1:${port}/api/v3/`, seen });
    });
  });
}

function run(id: number, name: string, startedAt: string | null, status: string, conclusion: string | null) {
  return { id, name, status, conclusion, started_at: startedAt, head_sha: 'abc1234' };
}

describe('Class: GitHubBuildVerifier', () => {
  describe('Method: checkRuns', () => {
    let stub: Awaited<ReturnType<typeof startStub>>;

    beforeAll(async () => {
      stub = await startStub([
        run(1, 'build', '2026-03-01T10:00:00Z', 'completed', 'failure'),
        run(2, 'lint', '2026-03-01T10:00:00Z', 'completed', 'success'),
        run(3, 'build', '2026-03-01T11:00:00Z', 'completed', 'success'),
        run(5, 'test', '2026-03-01T10:00:00Z', 'completed', 'failure'),
        run(6, 'test', '2026-03-01T10:00:00Z', 'completed', 'success'),
        run(7, 'deploy-preview', null, 'queued', null),
        run(4, 'deploy-preview', '2026-03-01T09:00:00Z', 'completed', 'success'),
      ]);
    });

    afterAll(async () => {
      await new Promise((resolve) => stub.server.close(resolve));
    });

    it('follows every page from any base URL, authenticated with the token', async () => {
      // Prepare
      const verifier = new GitHubBuildVerifier(async () => 'ghs_token', stub.baseUrl);
      stub.seen.length = 0;

      // Act
      const runs = await verifier.checkRuns('acme/web', 'abc1234');

      // Assess
      expect(runs).toHaveLength(7);
      expect(stub.seen.map((s) => s.path)).toEqual([
        '/api/v3/repos/acme/web/commits/abc1234/check-runs?per_page=100',
        '/api/v3/repos/acme/web/commits/abc1234/check-runs?per_page=100&page=2',
        '/api/v3/repos/acme/web/commits/abc1234/check-runs?per_page=100&page=3',
        '/api/v3/repos/acme/web/commits/abc1234/check-runs?per_page=100&page=4',
      ]);
      expect(stub.seen.every((s) => s.authorization === 'token ghs_token')).toBe(true);
    });

    it('lists the newest run of each name first: latest start, then highest id, not-started before started', async () => {
      // Prepare
      const verifier = new GitHubBuildVerifier(async () => 'ghs_token', stub.baseUrl);

      // Act
      const runs = await verifier.checkRuns('acme/web', 'abc1234');

      // Assess
      expect(runs).toEqual([
        { name: 'build', status: 'completed', conclusion: 'success', appId: null },
        { name: 'build', status: 'completed', conclusion: 'failure', appId: null },
        { name: 'deploy-preview', status: 'queued', conclusion: null, appId: null },
        { name: 'deploy-preview', status: 'completed', conclusion: 'success', appId: null },
        { name: 'lint', status: 'completed', conclusion: 'success', appId: null },
        { name: 'test', status: 'completed', conclusion: 'success', appId: null },
        { name: 'test', status: 'completed', conclusion: 'failure', appId: null },
      ]);
    });

    it('rejects a repository that is not owner/name before calling GitHub', async () => {
      // Prepare
      const verifier = new GitHubBuildVerifier(async () => 'ghs_token', stub.baseUrl);
      stub.seen.length = 0;

      // Act
      const caught = (await verifier.checkRuns('web', 'abc1234').catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught.message).toBe('repository must be owner/name, got web');
      expect(stub.seen).toHaveLength(0);
    });

    it('lets an API error through with its status', async () => {
      // Prepare
      const verifier = new GitHubBuildVerifier(async () => 'ghs_token', stub.baseUrl);

      // Act
      const caught = (await verifier.checkRuns('acme/other', 'abc1234').catch((e: unknown) => e)) as {
        status?: number;
      };

      // Assess
      expect(caught.status).toBe(404);
    });
  });

  describe('Method: create / update (the "Sluice plan" check run)', () => {
    it("creates the check run on the SHA and updates it by id, with GitHub's body fields", async () => {
      // Prepare: POST /repos/{owner}/{repo}/check-runs answers 201 with the run (REST API, "Create a check run")
      const requests: { method: string; path: string; body: unknown }[] = [];
      const server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
        });
        res
          .writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' })
          .end('{"id":4242}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const verifier = new GitHubBuildVerifier(
        async () => 'ghs_token',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      );

      // Act
      const id = await verifier.create('acme/web', 'abc1234', 'Sluice plan', {
        status: 'in_progress',
        title: 'dev → prod',
        summary: '| environment |',
      });
      await verifier.update('acme/web', id, {
        status: 'completed',
        conclusion: 'success',
        title: 'released',
        summary: 'ok',
      });
      server.close();

      // Assess
      expect(id).toBe(4242);
      expect(requests).toEqual([
        {
          method: 'POST',
          path: '/repos/acme/web/check-runs',
          body: {
            head_sha: 'abc1234',
            name: 'Sluice plan',
            status: 'in_progress',
            output: { title: 'dev → prod', summary: '| environment |' },
          },
        },
        {
          method: 'PATCH',
          path: '/repos/acme/web/check-runs/4242',
          body: { status: 'completed', conclusion: 'success', output: { title: 'released', summary: 'ok' } },
        },
      ]);
    });
  });

  describe('Method: checkRuns, on check runs as GitHub lists them', () => {
    it("reads each run's app id, and its conclusion only once completed, from GitHub's own check run payload", async () => {
      // Prepare: runs built from GitHub's completed check_run example; GitHub Actions is app 15368
      const sha = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
      const server = createServer((_req, res) => {
        const runs = [
          apiCheckRun({ id: 1, name: 'build', head_sha: sha }),
          apiCheckRun({ id: 2, name: 'test', head_sha: sha, appId: 999 }),
          apiCheckRun({ id: 3, name: 'lint', head_sha: sha, status: 'in_progress' }),
        ];
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ total_count: runs.length, check_runs: runs }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const verifier = new GitHubBuildVerifier(
        async () => 'ghs_token',
        `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      );

      // Act
      const runs = await verifier.checkRuns('acme/checkout', sha);
      server.close();

      // Assess
      expect(runs).toEqual([
        { name: 'build', status: 'completed', conclusion: 'success', appId: ACTIONS_APP_ID },
        { name: 'lint', status: 'in_progress', conclusion: null, appId: ACTIONS_APP_ID },
        { name: 'test', status: 'completed', conclusion: 'success', appId: 999 },
      ]);
    });
  });
});
