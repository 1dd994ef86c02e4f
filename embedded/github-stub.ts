import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
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

/** What the stub's routes read and write. */
interface StubState {
  readonly appId: number;
  readonly defaultChecks: readonly string[];
  /** Check runs set for a ref (setChecks, runCi); a ref without has every default check succeeded. */
  readonly explicit: Map<string, StubCheckRun[]>;
  /** Check runs Sluice created, by id. */
  readonly reported: Map<number, ReportedCheckRun>;
  /** A stable id per (ref, position, name), as GitHub keeps a run's id. */
  idFor(key: string): number;
  nextId(): number;
  /** The stub's own base URL, for the URLs in its answers. */
  base(): string;
}

type CheckRunBody = {
  name?: string;
  head_sha?: string;
  status?: string;
  conclusion?: string;
  output?: { title?: string; summary?: string };
};

const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' };

/**
 * The stub's routes: GitHub's check-runs endpoints that Sluice calls, each a named handler.
 * Every request without an Authorization header is answered 401, as GitHub does.
 */
function githubStubRoutes(state: StubState): Hono {
  const app = new Hono();
  app.use(async function requireAuthorization(c, next) {
    if (!c.req.header('authorization')) {
      return c.json(
        { message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest' },
        401,
      );
    }
    await next();
  });
  app.post('/repos/:owner/:repo/check-runs', async function createCheckRun(c) {
    const body = await readBody(c.req.raw);
    if (!body.name || !body.head_sha) return c.json({ message: 'Validation Failed' }, 422);
    const id = state.nextId();
    const run: ReportedCheckRun = {
      id,
      repository: `${c.req.param('owner')}/${c.req.param('repo')}`,
      head_sha: body.head_sha,
      name: body.name,
      status: body.status ?? 'queued',
      conclusion: body.conclusion ?? null,
      output: body.output ?? {},
      writes: [],
    };
    run.writes.push({ status: run.status, conclusion: run.conclusion, title: run.output.title });
    state.reported.set(id, run);
    return c.json(
      {
        id,
        name: run.name,
        head_sha: run.head_sha,
        status: run.status,
        conclusion: run.conclusion,
        app: { id: 0, slug: 'sluice' },
      },
      201,
    );
  });
  app.patch('/repos/:owner/:repo/check-runs/:id{[0-9]+}', async function updateCheckRun(c) {
    const body = await readBody(c.req.raw);
    const run = state.reported.get(Number(c.req.param('id')));
    if (!run) return c.json({ message: 'Not Found' }, 404);
    Object.assign(run, {
      ...(body.status ? { status: body.status } : {}),
      ...(body.conclusion ? { conclusion: body.conclusion } : {}),
      ...(body.output ? { output: body.output } : {}),
    });
    run.writes.push({ status: run.status, conclusion: run.conclusion, title: run.output.title });
    return c.json({ id: run.id, name: run.name, status: run.status, conclusion: run.conclusion });
  });
  app.get('/repos/:owner/:repo/commits/:ref{.+}/check-runs', function listCheckRuns(c) {
    const url = new URL(c.req.url);
    const owner = c.req.param('owner');
    const repo = c.req.param('repo');
    const ref = c.req.param('ref');
    const startedDefault = new Date().toISOString();
    const configured = state.explicit.get(ref) ?? state.defaultChecks.map((name) => ({ name }));
    const runs = configured.map((run, index) =>
      toApiRun({
        owner,
        repo,
        ref,
        run: { appId: state.appId, ...run },
        id: state.idFor(`${ref}\n${index}\n${run.name}`),
        base: state.base(),
        startedDefault,
      }),
    );
    const selected = selectRuns(runs, url.searchParams);
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const link = pageLinks(url, state.base(), page, Math.max(1, Math.ceil(selected.length / perPage)));
    if (link) c.header('link', link);
    return c.json({
      total_count: selected.length,
      check_runs: selected.slice((page - 1) * perPage, page * perPage),
    });
  });
  app.notFound((c) => c.json(NOT_FOUND, 404));
  return app;
}

async function readBody(request: Request): Promise<CheckRunBody> {
  const text = await request.text();
  return JSON.parse(text || '{}') as CheckRunBody;
}

/** The check_name, status and filter query parameters, newest run first, as GitHub lists them. */
function selectRuns<R extends { name: string; status: string }>(runs: R[], query: URLSearchParams): R[] {
  const checkName = query.get('check_name');
  const status = query.get('status');
  const filter = query.get('filter') ?? 'latest';
  let selected = runs.filter((r) => (!checkName || r.name === checkName) && (!status || r.status === status));
  if (filter === 'latest') {
    const latest = new Map<string, R>();
    for (const run of selected) latest.set(run.name, run);
    selected = [...latest.values()];
  }
  return selected.reverse();
}

/** GitHub's Link header for a page of a list, or undefined when there is one page. */
function pageLinks(url: URL, base: string, page: number, lastPage: number): string | undefined {
  const link = (p: number) => {
    const next = new URL(url.pathname + url.search, base);
    next.searchParams.set('page', String(p));
    return `<${next}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
  if (page < lastPage) links.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`);
  return links.length > 0 ? links.join(', ') : undefined;
}

/**
 * The GitHub REST endpoint the build verifier calls, GET /repos/{owner}/{repo}/commits/{ref}/check-runs,
 * with GitHub's response shape, paging (per_page, page, Link header), check_name/status/filter
 * query parameters, and a 401 without an Authorization header. A ref without explicit runs has
 * every default check completed with success. Sluice's own check run is created and updated
 * through POST and PATCH /repos/{owner}/{repo}/check-runs.
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
  let lastId = 0;
  const ids = new Map<string, number>();
  const idFor = (key: string) => {
    let id = ids.get(key);
    if (id === undefined) {
      id = ++lastId;
      ids.set(key, id);
    }
    return id;
  };
  let base = '';
  const app = githubStubRoutes({
    appId,
    defaultChecks: options.defaultChecks,
    explicit,
    reported,
    idFor,
    nextId: () => ++lastId,
    base: () => base,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }, () =>
      resolve(started as Server),
    );
    started.once('error', reject);
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
      const ciApp = { id: appId, slug: appId === 15368 ? 'github-actions' : 'ci' };
      const suite = { id: 1, head_branch: null, head_sha: sha, status: 'completed', conclusion, app: ciApp };
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
            app: ciApp,
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
        // Octokit keeps connections alive: without this, close waits for them to time out.
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
