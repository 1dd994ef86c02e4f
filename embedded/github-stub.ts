import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CheckConclusion } from '../functions/shared/ports/build-verifier.js';

/** A check run to serve; what is left out gets GitHub's values for a run that completed successfully. */
export interface StubCheckRun {
  name: string;
  /** @default 'completed' */
  status?: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  /** @default 'success' when completed, else null */
  conclusion?: CheckConclusion;
  /** @default now */
  startedAt?: string;
  /** The app that created the run. @default the stub's appId */
  appId?: number;
}

/** A check run Sluice created through the API (its own "Sluice plan"). */
export interface ReportedCheckRun {
  id: number;
  repository: string;
  head_sha: string;
  name: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string };
  /** Every write, oldest first: the create, then each update. */
  writes: { status: string; conclusion: string | null; title?: string }[];
}

export interface GithubStub {
  /** Base URL for Octokit's baseUrl. */
  url: string;
  /** Replaces the check runs served for a commit (or any ref); later entries are newer runs. */
  setChecks(sha: string, runs: StubCheckRun[]): void;
  /**
   * CI as GitHub Actions runs it: no check runs at first, queued runs after a moment, completed
   * ones (with the conclusion) after `delayMs`, each completion announced by `check_run` and then
   * `check_suite` completed events to the `onEvent` listener.
   */
  runCi(
    repository: string,
    sha: string,
    options?: { delayMs?: number; conclusion?: CheckConclusion },
  ): Promise<void>;
  /** Where the stub sends webhook events (`check_run`, `check_suite`), as GitHub would. */
  onEvent(listener: (name: string, payload: unknown) => Promise<void>): void;
  /** The check runs created through the API (Sluice's own), by id. */
  reported(): ReportedCheckRun[];
  close(): Promise<void>;
}

/**
 * The GitHub REST endpoint the build verifier calls, GET /repos/{owner}/{repo}/commits/{ref}/check-runs,
 * with GitHub's response shape, paging (per_page, page, Link header), check_name/status/filter
 * query parameters, and a 401 without an Authorization header. A ref without explicit runs has
 * every default check completed with success.
 */
export async function startGithubStub(options: {
  defaultChecks: string[];
  /** The app that creates the check runs. @default 15368 (GitHub Actions) */
  appId?: number;
  port?: number;
}): Promise<GithubStub> {
  const appId = options.appId ?? 15368;
  const explicit = new Map<string, StubCheckRun[]>();
  const reported = new Map<number, ReportedCheckRun>();
  let listener: ((name: string, payload: unknown) => Promise<void>) | undefined;
  let nextId = 1;
  const ids = new Map<string, number>();
  const idFor = (key: string) => {
    let id = ids.get(key);
    if (id === undefined) {
      id = nextId++;
      ids.set(key, id);
    }
    return id;
  };
  let base = '';

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!req.headers.authorization) {
      return send(res, 401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const write = /^\/repos\/([^/]+)\/([^/]+)\/check-runs(?:\/(\d+))?$/.exec(url.pathname);
    if (write && (req.method === 'POST' || req.method === 'PATCH')) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        name?: string;
        head_sha?: string;
        status?: string;
        conclusion?: string;
        output?: { title?: string; summary?: string };
      };
      const repository = `${write[1]}/${write[2]}`;
      if (req.method === 'POST') {
        if (!body.name || !body.head_sha) return send(res, 422, { message: 'Validation Failed' });
        const id = nextId++;
        const run: ReportedCheckRun = {
          id,
          repository,
          head_sha: body.head_sha,
          name: body.name,
          status: body.status ?? 'queued',
          conclusion: body.conclusion ?? null,
          output: body.output ?? {},
          writes: [],
        };
        run.writes.push({ status: run.status, conclusion: run.conclusion, title: run.output.title });
        reported.set(id, run);
        return send(res, 201, {
          id,
          name: run.name,
          head_sha: run.head_sha,
          status: run.status,
          conclusion: run.conclusion,
          app: { id: 0, slug: 'sluice' },
        });
      }
      const run = reported.get(Number(write[3]));
      if (!run) return send(res, 404, { message: 'Not Found' });
      Object.assign(run, {
        ...(body.status ? { status: body.status } : {}),
        ...(body.conclusion ? { conclusion: body.conclusion } : {}),
        ...(body.output ? { output: body.output } : {}),
      });
      run.writes.push({ status: run.status, conclusion: run.conclusion, title: run.output.title });
      return send(res, 200, { id: run.id, name: run.name, status: run.status, conclusion: run.conclusion });
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/check-runs$/.exec(url.pathname);
    if (!match || req.method !== 'GET') {
      return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    const [, owner = '', repo = '', encodedRef = ''] = match;
    const ref = decodeURIComponent(encodedRef);
    const startedDefault = new Date().toISOString();
    const runs = (explicit.get(ref) ?? options.defaultChecks.map((name) => ({ name }))).map((run, index) =>
      toApiRun({
        owner,
        repo,
        ref,
        run: { appId, ...run },
        id: idFor(`${ref}\n${index}\n${run.name}`),
        base,
        startedDefault,
      }),
    );

    const checkName = url.searchParams.get('check_name');
    const status = url.searchParams.get('status');
    const filter = url.searchParams.get('filter') ?? 'latest';
    let selected = runs.filter(
      (r) => (!checkName || r.name === checkName) && (!status || r.status === status),
    );
    if (filter === 'latest') {
      const latest = new Map<string, (typeof runs)[number]>();
      for (const run of selected) latest.set(run.name, run);
      selected = [...latest.values()];
    }
    selected.reverse(); // GitHub lists the newest run first.

    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const lastPage = Math.max(1, Math.ceil(selected.length / perPage));
    const link = (p: number) => {
      const next = new URL(url.pathname + url.search, base);
      next.searchParams.set('page', String(p));
      return `<${next}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
    if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
    send(
      res,
      200,
      { total_count: selected.length, check_runs: selected.slice((page - 1) * perPage, page * perPage) },
      links.length > 0 ? { link: links.join(', ') } : {},
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    url: base,
    setChecks(sha, runs) {
      explicit.set(sha, [...runs]);
    },
    async runCi(repository, sha, ci = {}) {
      const delayMs = ci.delayMs ?? 3000;
      explicit.set(sha, []);
      await sleep(delayMs / 3);
      explicit.set(
        sha,
        options.defaultChecks.map((name) => ({ name, status: 'in_progress' as const })),
      );
      await sleep((delayMs * 2) / 3);
      const conclusion = ci.conclusion ?? 'success';
      explicit.set(
        sha,
        options.defaultChecks.map((name) => ({ name, status: 'completed' as const, conclusion })),
      );
      const [owner = '', name = ''] = repository.split('/');
      const repo = { id: 1, name, full_name: repository, owner: { login: owner } };
      const app = { id: appId, slug: appId === 15368 ? 'github-actions' : 'ci' };
      const suite = { id: 1, head_branch: null, head_sha: sha, status: 'completed', conclusion, app };
      for (const [index, check] of options.defaultChecks.entries()) {
        const id = idFor(`${sha}\n${index}\n${check}`);
        await listener?.('check_run', {
          action: 'completed',
          check_run: {
            id,
            name: check,
            head_sha: sha,
            status: 'completed',
            conclusion,
            app,
            check_suite: suite,
          },
          repository: repo,
          sender: { login: 'github-actions[bot]', type: 'Bot' },
        });
      }
      await listener?.('check_suite', {
        action: 'completed',
        check_suite: suite,
        repository: repo,
        sender: { login: 'github-actions[bot]', type: 'Bot' },
      });
    },
    onEvent(next) {
      listener = next;
    },
    reported: () => [...reported.values()].map((run) => structuredClone(run)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function toApiRun(input: {
  owner: string;
  repo: string;
  ref: string;
  run: StubCheckRun;
  id: number;
  base: string;
  startedDefault: string;
}) {
  const { owner, repo, ref, run, id, base, startedDefault } = input;
  const status = run.status ?? 'completed';
  const completed = status === 'completed';
  const startedAt = run.startedAt ?? startedDefault;
  return {
    id,
    name: run.name,
    node_id: Buffer.from(`CheckRun${id}`).toString('base64'),
    head_sha: ref,
    external_id: String(id),
    url: `${base}/repos/${owner}/${repo}/check-runs/${id}`,
    html_url: `https://github.com/${owner}/${repo}/runs/${id}`,
    details_url: `https://github.com/${owner}/${repo}/runs/${id}`,
    status,
    conclusion: run.conclusion !== undefined ? run.conclusion : completed ? 'success' : null,
    started_at: status === 'queued' ? null : startedAt,
    completed_at: completed ? startedAt : null,
    output: {
      title: null,
      summary: null,
      text: null,
      annotations_count: 0,
      annotations_url: `${base}/repos/${owner}/${repo}/check-runs/${id}/annotations`,
    },
    check_suite: { id: 1 },
    app:
      run.appId === undefined
        ? null
        : { id: run.appId, slug: run.appId === 15368 ? 'github-actions' : `app-${run.appId}`, name: 'CI' },
    pull_requests: [],
  };
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}
