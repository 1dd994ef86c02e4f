import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Hono } from 'hono';
import { metricsOf } from '../functions/shared/control/delivery-metrics.js';
import { endFreeze, startFreeze } from '../functions/shared/control/freeze.js';
import {
  abortRelease,
  environmentStatus,
  groupReleases,
  ManualActionError,
  rollbackEnvironment,
} from '../functions/shared/control/manual-control.js';
import { parseWindow } from '../functions/shared/domain/delivery-metrics.js';
import { isReleaseRecord, type ReleaseRecord } from '../functions/shared/domain/release.js';
import { timeline as historyWords, statusWords } from '../functions/shared/domain/release-words.js';
import { embeddedDoctor } from './doctor.js';
import { lambdaContext } from './engine.js';
import { clickAsSlack, pendingApprovals } from './local-approvals.js';
import { pageHtml } from './page.js';
import type { EmbeddedRuntime } from './runtime.js';
import { timelineView } from './timeline.js';

/** The request as a Lambda Function URL hands it to the handler (payload format 2.0). */
function functionUrlEvent(request: Request, body: string): APIGatewayProxyEventV2 {
  const url = new URL(request.url);
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: Object.fromEntries(request.headers),
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'anonymous',
      apiId: 'embedded',
      domainName: url.host,
      domainPrefix: 'embedded',
      http: {
        method: request.method,
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

async function actorFrom(
  request: Request,
): Promise<{ by: string; reason: string; to?: unknown; until?: unknown }> {
  const body = (await request.json().catch(() => ({}))) as {
    by?: unknown;
    reason?: unknown;
    to?: unknown;
    until?: unknown;
  };
  return {
    by: typeof body.by === 'string' && body.by ? body.by : 'api',
    reason: typeof body.reason === 'string' && body.reason ? body.reason : 'no reason given',
    ...(body.to !== undefined ? { to: body.to } : {}),
    ...(body.until !== undefined ? { until: body.until } : {}),
  };
}

/** The header the page and the CLI send the API token in. */
export const API_TOKEN_HEADER = 'x-sluice-token';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface AppOptions {
  /** The token every /api request must carry: only the page (served same-origin) and the CLI have it. */
  apiToken: string;
}

/**
 * The HTTP surface of `sluice serve`: webhooks in, release state and manual controls out, and the
 * local page. Any web page the user visits can POST to a loopback port, and DNS rebinding can
 * read from one: every request must name a loopback Host, a browser request must come from this
 * origin, and /api needs the token.
 */
export function createApp(runtime: EmbeddedRuntime, options: AppOptions): Hono {
  const app = new Hono();
  const store = runtime.ports.releases();

  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    if (!LOOPBACK_HOSTS.has(url.hostname)) return c.json({ error: 'forbidden host' }, 403);
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== url.origin)
      return c.json({ error: 'cross-site request refused' }, 403);
    if (c.req.header('sec-fetch-site') === 'cross-site')
      return c.json({ error: 'cross-site request refused' }, 403);
    if (url.pathname.startsWith('/api/') && c.req.header(API_TOKEN_HEADER) !== options.apiToken) {
      return c.json({ error: `missing or wrong ${API_TOKEN_HEADER}` }, 401);
    }
    await next();
  });

  app.get('/', (c) => {
    c.header(
      'content-security-policy',
      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
    );
    c.header('x-frame-options', 'DENY');
    return c.html(pageHtml(options.apiToken));
  });

  app.get('/healthz', (c) => c.json({ ok: true, environments: runtime.listenerUrls }));

  app.post('/webhooks/github', async (c) => {
    const body = await c.req.text();
    const result = await runtime.handlers.githubWebhook(
      functionUrlEvent(c.req.raw, body),
      lambdaContext('sluice-github-webhook'),
    );
    return new Response(result.body ?? '', {
      status: result.statusCode ?? 200,
      headers: (result.headers as Record<string, string>) ?? {},
    });
  });

  app.post('/slack/interactions', async (c) => {
    const body = await c.req.text();
    const result = await runtime.handlers.slackInteractions(
      functionUrlEvent(c.req.raw, body),
      lambdaContext('sluice-slack-interactions'),
    );
    return new Response(result.body ?? '', {
      status: result.statusCode ?? 200,
      headers: (result.headers as Record<string, string>) ?? {},
    });
  });

  app.get('/api/approvals', async (c) => c.json({ approvals: await pendingApprovals(runtime) }));

  app.post('/api/approvals/:id/:action{approve|reject}', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { user?: unknown };
    const result = await clickAsSlack(runtime, app, {
      approvalId: c.req.param('id'),
      action: c.req.param('action') as 'approve' | 'reject',
      ...(typeof body.user === 'string' && body.user ? { user: body.user } : {}),
    });
    return c.json(result);
  });

  app.get('/api/messages', (c) => c.json({ messages: runtime.notifications.slack.messages }));

  app.get('/api/deployments', (c) => c.json({ deployments: runtime.notifications.deployments.deployments }));

  app.get('/api/environments', (c) =>
    c.json({
      environments: Object.fromEntries(
        runtime.config.environments.map((env) => {
          const weights = runtime.alb.readWeights(env.listenerArn);
          return [
            env.name,
            {
              blue: weights[env.targetGroups.blue] ?? 0,
              green: weights[env.targetGroups.green] ?? 0,
              listener: runtime.listenerUrls[env.name],
            },
          ];
        }),
      ),
    }),
  );

  app.get('/api/status', async (c) => c.json({ environments: await environmentStatus(runtime.ports) }));

  // DORA's four metrics from the release records: ?since=30d (default), ?production=<environment>.
  app.get('/api/metrics', async (c) => {
    const since = c.req.query('since');
    const sinceSeconds = since === undefined ? undefined : parseWindow(since);
    if (since !== undefined && sinceSeconds === undefined)
      return c.json({ error: 'since must be a window such as 30d, 2w or 12h' }, 400);
    const production = c.req.query('production');
    if (production !== undefined && !runtime.config.environments.some((e) => e.name === production))
      return c.json({ error: `no environment named ${production}` }, 400);
    return c.json(
      await metricsOf(runtime.ports, {
        ...(sinceSeconds ? { sinceSeconds } : {}),
        ...(production ? { production } : {}),
      }),
    );
  });

  app.get('/api/doctor', async (c) => c.json(await embeddedDoctor(runtime)));

  const groupsOf = (environment: string) =>
    runtime.config.environments.find((e) => e.name === environment)?.targetGroups;

  // Each environment's history in words and its status in words, for the page (release-words.ts).
  app.get('/api/releases', async (c) => {
    const records = await store.list();
    const told = new Map(
      records
        .filter(isReleaseRecord)
        .map((r) => [
          `${r.releaseId}/${r.environment}`,
          { statusText: statusWords(r.status), words: historyWords(r, groupsOf(r.environment)) },
        ]),
    );
    const releases = groupReleases(records).map((release) => ({
      ...release,
      environments: release.environments.map((e) => ({
        ...e,
        ...told.get(`${release.id}/${e.environment}`),
      })),
    }));
    return c.json({ releases });
  });

  // One environment's release as a timeline (the latest environment it entered when none is named).
  app.get('/api/releases/:id/timeline', async (c) => {
    const id = c.req.param('id');
    const environment = c.req.query('environment');
    const records = (await store.recordsOf(id)).filter(isReleaseRecord);
    const record: ReleaseRecord | undefined = environment
      ? records.find((r) => r.environment === environment)
      : records.sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
    if (!record) return c.json({ error: `no release ${id}${environment ? ` in ${environment}` : ''}` }, 404);
    const groups = groupsOf(record.environment);
    const view = timelineView(record, {
      ...(groups ? { groups } : {}),
      cloudwatch: runtime.cloudwatch,
      now: runtime.ports.now().getTime(),
    });
    return c.req.query('format') === 'svg'
      ? c.body(view.svg, 200, { 'content-type': 'image/svg+xml; charset=utf-8' })
      : c.json(view);
  });

  app.get('/api/releases/:id', async (c) => {
    const release = groupReleases(await store.list()).find((r) => r.id === c.req.param('id'));
    return release ? c.json(release) : c.json({ error: `no release ${c.req.param('id')}` }, 404);
  });

  app.post('/api/releases/:id/abort', async (c) => {
    const records = await abortRelease(runtime.ports, c.req.param('id'), await actorFrom(c.req.raw));
    return c.json({
      aborted: records.map((r) => ({
        environment: r.environment,
        status: r.status,
        attempt: r.attempt ?? 1,
      })),
    });
  });

  app.post('/api/environments/:env/rollback', async (c) => {
    const { to, ...actor } = await actorFrom(c.req.raw);
    if (to !== undefined && to !== 'blue' && to !== 'green')
      return c.json({ error: 'to must be blue or green' }, 400);
    return c.json(await rollbackEnvironment(runtime.ports, c.req.param('env'), actor, to ? { to } : {}));
  });

  app.post('/api/environments/:env/freeze', async (c) => {
    const { until, to: _to, ...actor } = await actorFrom(c.req.raw);
    return c.json({
      freeze: await startFreeze(
        runtime.ports,
        c.req.param('env'),
        actor,
        typeof until === 'string' ? { until } : {},
      ),
    });
  });

  app.post('/api/environments/:env/unfreeze', async (c) => {
    const { to: _to, ...actor } = await actorFrom(c.req.raw);
    return c.json({ ended: await endFreeze(runtime.ports, c.req.param('env'), actor) });
  });

  app.get('/api/freezes', async (c) =>
    c.json({
      freezes: Object.fromEntries(
        await Promise.all(
          runtime.config.environments.map(async (e) => [e.name, await store.freezeLog(e.name)] as const),
        ),
      ),
    }),
  );

  app.onError((error, c) => {
    if (error instanceof ManualActionError) return c.json({ error: error.message }, 409);
    return c.json({ error: 'internal error', name: error.name }, 500);
  });
  return app;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the app on 127.0.0.1; port 0 picks a free one. */
export async function listen(app: Hono, port = 0): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}
