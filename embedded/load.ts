import http from 'node:http';

/** One answered (or failed) request; status 0 means the connection failed. */
export interface LoadResponse {
  status: number;
  /** The x-version header, if the response had one. */
  version: string | undefined;
  latencyMs: number;
  /** Epoch milliseconds when the response arrived. */
  at: number;
}

export interface LoadStats {
  /** Requests sent so far. */
  sent: number;
  completed: number;
  inFlight: number;
  /** Requests the schedule called for but skipped because maxInFlight were outstanding. */
  skipped: number;
  byStatus: Record<string, number>;
  byVersion: Record<string, number>;
}

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  onResponse?(response: LoadResponse): void;
  /** Open loop, bounded: beyond this many outstanding requests the schedule skips. @default 64 */
  maxInFlight?: number;
}

export interface Load {
  /** Stops sending, waits (at most 5 s) for outstanding requests, and returns the totals. */
  stop(): Promise<LoadStats>;
  stats(): LoadStats;
}

const TICK_MS = 10;

/** Steady open-loop HTTP GET load at a fixed rate over keep-alive connections. */
export function startLoad(options: LoadOptions): Load {
  const maxInFlight = options.maxInFlight ?? 64;
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
  const stats: LoadStats = { sent: 0, completed: 0, inFlight: 0, skipped: 0, byStatus: {}, byVersion: {} };
  const started = performance.now();
  let scheduled = 0;
  let drained: (() => void) | undefined;

  const finish = (response: LoadResponse) => {
    stats.inFlight--;
    stats.completed++;
    stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
    if (response.version !== undefined) {
      stats.byVersion[response.version] = (stats.byVersion[response.version] ?? 0) + 1;
    }
    options.onResponse?.(response);
    if (stats.inFlight === 0) drained?.();
  };

  const send = () => {
    stats.sent++;
    stats.inFlight++;
    const sentAt = performance.now();
    const req = http.get(options.url, { agent }, (res) => {
      const header = res.headers['x-version'];
      const version = Array.isArray(header) ? header[0] : header;
      res.resume();
      res.on('end', () =>
        finish({
          status: res.statusCode ?? 0,
          version,
          latencyMs: performance.now() - sentAt,
          at: Date.now(),
        }),
      );
      res.on('error', () => {});
    });
    req.on('error', () =>
      finish({ status: 0, version: undefined, latencyMs: performance.now() - sentAt, at: Date.now() }),
    );
  };

  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond);
    for (; scheduled < due; scheduled++) {
      if (stats.inFlight >= maxInFlight) stats.skipped++;
      else send();
    }
  }, TICK_MS);

  const snapshot = (): LoadStats => structuredClone(stats);

  return {
    stats: snapshot,
    async stop() {
      clearInterval(timer);
      if (stats.inFlight > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, 5000).unref();
        });
      }
      agent.destroy();
      return snapshot();
    },
  };
}
