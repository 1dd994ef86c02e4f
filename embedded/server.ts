import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Hono } from 'hono';
import {
  abortRelease,
  environmentStatus,
  groupReleases,
  ManualActionError,
  rollbackEnvironment,
} from '../functions/shared/manual-control.js';
import { lambdaContext } from './engine.js';
import type { EmbeddedRuntime } from './runtime.js';

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

async function actorFrom(request: Request): Promise<{ by: string; reason: string }> {
  const body = (await request.json().catch(() => ({}))) as { by?: unknown; reason?: unknown };
  return {
    by: typeof body.by === 'string' && body.by ? body.by : 'api',
    reason: typeof body.reason === 'string' && body.reason ? body.reason : 'no reason given',
  };
}

/** The HTTP surface of `sluice serve`: webhooks in, release state and manual controls out. */
export function createApp(runtime: EmbeddedRuntime): Hono {
  const app = new Hono();
  const store = runtime.ports.releases();

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

  // Slack approvals arrive in a later release; the route is reserved so Slack apps can point at it.
  app.post('/slack/interactions', (c) => c.json({ error: 'Slack approvals are not available yet' }, 501));

  app.get('/api/status', async (c) => c.json({ environments: await environmentStatus(runtime.ports) }));

  app.get('/api/releases', async (c) => c.json({ releases: groupReleases(await store.list()) }));

  app.get('/api/releases/:id', async (c) => {
    const release = groupReleases(await store.list()).find((r) => r.id === c.req.param('id'));
    return release ? c.json(release) : c.json({ error: `no release ${c.req.param('id')}` }, 404);
  });

  app.post('/api/releases/:id/abort', async (c) => {
    const records = await abortRelease(runtime.ports, c.req.param('id'), await actorFrom(c.req.raw));
    return c.json({ aborted: records.map((r) => ({ environment: r.environment, status: r.status })) });
  });

  app.post('/api/environments/:env/rollback', async (c) =>
    c.json(await rollbackEnvironment(runtime.ports, c.req.param('env'), await actorFrom(c.req.raw))),
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
