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
}

export interface GithubStub {
  /** Base URL for Octokit's baseUrl. */
  url: string;
  /** Replaces the check runs served for a commit (or any ref); later entries are newer runs. */
  setChecks(sha: string, runs: StubCheckRun[]): void;
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
  port?: number;
}): Promise<GithubStub> {
  const explicit = new Map<string, StubCheckRun[]>();
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

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/check-runs$/.exec(url.pathname);
    if (!match || req.method !== 'GET') {
      return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    if (!req.headers.authorization) {
      return send(res, 401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const [, owner = '', repo = '', encodedRef = ''] = match;
    const ref = decodeURIComponent(encodedRef);
    const startedDefault = new Date().toISOString();
    const runs = (explicit.get(ref) ?? options.defaultChecks.map((name) => ({ name }))).map((run, index) =>
      toApiRun({ owner, repo, ref, run, id: idFor(`${ref}\n${index}\n${run.name}`), base, startedDefault }),
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

  return {
    url: base,
    setChecks(sha, runs) {
      explicit.set(sha, [...runs]);
    },
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
    app: null,
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
