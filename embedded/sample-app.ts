import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a sample app misbehaves: the fraction of GET / that answer 500, and a delay before every answer. */
export interface Fault {
  errorRate: number;
  latencyMs: number;
}

export interface SampleAppOptions extends Partial<Fault> {
  version: string;
  /** @default 0, a free port */
  port?: number;
}

/** A running sample app. */
export interface SampleApp {
  url: string;
  version: string;
  /** Changes the fault profile for the requests that follow. */
  setFault(fault: Partial<Fault>): void;
  /** Stops listening; requests in flight are answered first. */
  close(): Promise<void>;
}

/**
 * The service being released: GET / answers `{"version"}`, GET /healthz always answers 200 (a
 * faulty version still passes health checks; catching it is the alarms' job). Errors are
 * deterministic: request i fails iff floor((i+1)·rate) > floor(i·rate), so 20% is exactly 1 in 5.
 */
export async function startSampleApp(options: SampleAppOptions): Promise<SampleApp> {
  const { version } = options;
  const fault: Fault = { errorRate: options.errorRate ?? 0, latencyMs: options.latencyMs ?? 0 };
  let served = 0;

  const server = http.createServer(async (req, res) => {
    res.setHeader('x-version', version);
    const path = req.url?.split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      send(res, 200, { status: 'ok', version });
      return;
    }
    if (req.method !== 'GET' || path !== '/') {
      send(res, 404, { message: 'Not Found' });
      return;
    }
    const i = served++;
    const fails = Math.floor((i + 1) * fault.errorRate) > Math.floor(i * fault.errorRate);
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fails) send(res, 500, { version, error: 'injected fault' });
    else send(res, 200, { version });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    version,
    setFault(next) {
      Object.assign(fault, next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // A keep-alive connection that was busy when close() was called would otherwise hold it open.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      }),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
