import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Weights } from '../functions/shared/domain/release.js';

/** What one metric series holds for a span of time. */
export interface MetricWindow {
  /** Requests a target answered (AWS RequestCount counts only requests for which a target was chosen). */
  requests: number;
  /** Responses with a 5xx status from a target (HTTPCode_Target_5XX_Count). */
  target5xx: number;
  /** 5xx responses the load balancer made itself: no healthy target, target unreachable (HTTPCode_ELB_5XX_Count). */
  elb5xx: number;
  /** Target response times in milliseconds, one per answered request, unsorted. */
  latenciesMs: number[];
}

const emptyWindow = (): MetricWindow => ({ requests: 0, target5xx: 0, elb5xx: 0, latenciesMs: [] });

export interface MetricStoreOptions {
  /** Width of one bucket; any period the store is queried for is a sum of whole buckets. @default 100 */
  bucketMs?: number;
  /** Buckets older than this are dropped. @default 900_000 */
  retentionMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** Time-bucketed request metrics, one series per listener ARN and per target group ARN. */
export class MetricStore {
  readonly bucketMs: number;
  readonly now: () => number;
  private readonly retentionMs: number;
  private readonly series = new Map<string, Map<number, MetricWindow>>();

  constructor(options: MetricStoreOptions = {}) {
    this.bucketMs = options.bucketMs ?? 100;
    this.retentionMs = options.retentionMs ?? 900_000;
    this.now = options.now ?? Date.now;
  }

  /** Records one answered request in each named series; status 0 means the target could not be reached. */
  record(
    seriesKeys: readonly string[],
    sample: { status: number; latencyMs?: number; byElb?: boolean },
    at = this.now(),
  ): void {
    const key = Math.floor(at / this.bucketMs);
    for (const name of seriesKeys) {
      const bucket = this.bucket(name, key);
      if (sample.byElb) {
        bucket.elb5xx++;
        continue;
      }
      bucket.requests++;
      if (sample.status >= 500) bucket.target5xx++;
      if (sample.latencyMs !== undefined) bucket.latenciesMs.push(sample.latencyMs);
    }
  }

  /** Everything one series recorded in [fromMs, toMs), by bucket start. */
  query(seriesKey: string, fromMs: number, toMs: number): MetricWindow {
    const result = emptyWindow();
    const buckets = this.series.get(seriesKey);
    if (!buckets) return result;
    const first = Math.ceil(fromMs / this.bucketMs);
    const last = Math.ceil(toMs / this.bucketMs);
    for (const [key, bucket] of buckets) {
      if (key < first || key >= last) continue;
      result.requests += bucket.requests;
      result.target5xx += bucket.target5xx;
      result.elb5xx += bucket.elb5xx;
      for (const latency of bucket.latenciesMs) result.latenciesMs.push(latency);
    }
    return result;
  }

  private bucket(name: string, key: number): MetricWindow {
    let buckets = this.series.get(name);
    if (!buckets) {
      buckets = new Map();
      this.series.set(name, buckets);
    }
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = emptyWindow();
      buckets.set(key, bucket);
      const oldest = key - Math.ceil(this.retentionMs / this.bucketMs);
      // Map iteration follows insertion order, which is time order here.
      for (const old of buckets.keys()) {
        if (old >= oldest) break;
        buckets.delete(old);
      }
    }
    return bucket;
  }
}

/** One span of a listener's life between two setWeights calls, counted as the clients saw it. */
export interface Epoch {
  weights: Weights;
  startedAt: string;
  /** Absent while the epoch is current. */
  endedAt?: string;
  /** Requests routed to each target group, including those the ALB answered 503 for want of a healthy target. */
  requests: Record<string, number>;
  /** 5xx responses per target group, from the target or from the ALB. */
  errors: Record<string, number>;
  /** Requests that found no target group with weight (all weights 0 or none set). */
  unrouted: number;
}

interface Target {
  url: string;
  hostname: string;
  port: number;
  healthy: boolean;
}

interface Listener {
  arn: string;
  server: http.Server;
  weights: Weights;
  /** Smooth weighted round-robin state, per target group. */
  current: Map<string, number>;
  epochs: Epoch[];
}

export interface LocalAlbOptions {
  /** How often every registered target's /healthz is polled. @default 1000 */
  healthCheckIntervalMs?: number;
  /** How long one health check may take before the target counts as unhealthy. @default 500 */
  healthCheckTimeoutMs?: number;
  /** Passed to the ALB's MetricStore. */
  metrics?: MetricStoreOptions;
}

/**
 * An Application Load Balancer on 127.0.0.1: one HTTP reverse proxy per listener that splits
 * requests between target groups by the listener's weights, with health checks and the metrics
 * CloudWatch would get.
 */
export class LocalAlb {
  /** Request metrics per listener ARN and per target group ARN. */
  readonly metrics: MetricStore;
  private readonly listeners = new Map<string, Listener>();
  private readonly groups = new Map<string, Target[]>();
  private readonly nextTarget = new Map<string, number>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  private readonly healthCheckTimeoutMs: number;
  private readonly healthTimer: NodeJS.Timeout;

  constructor(options: LocalAlbOptions = {}) {
    this.metrics = new MetricStore(options.metrics);
    this.healthCheckTimeoutMs = options.healthCheckTimeoutMs ?? 500;
    this.healthTimer = setInterval(() => {
      for (const group of this.groups.keys()) void this.checkGroup(group);
    }, options.healthCheckIntervalMs ?? 1000);
    this.healthTimer.unref();
  }

  /** Starts a listener's proxy on 127.0.0.1; port 0 (the default) picks a free port. */
  async addListener(listenerArn: string, options: { port?: number } = {}): Promise<{ url: string }> {
    if (this.listeners.has(listenerArn)) throw new Error(`listener exists: ${listenerArn}`);
    const server = http.createServer((req, res) => this.route(listener, req, res));
    server.keepAliveTimeout = 60_000;
    const listener: Listener = {
      arn: listenerArn,
      server,
      weights: {},
      current: new Map(),
      epochs: [newEpoch({}, this.metrics.now())],
    };
    this.listeners.set(listenerArn, listener);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  }

  /** Adds a target to a group and checks its health once before resolving. */
  async registerTarget(targetGroupArn: string, url: string): Promise<void> {
    const targets = this.targetList(targetGroupArn);
    if (targets.some((t) => t.url === url)) return;
    const parsed = new URL(url);
    const target: Target = { url, hostname: parsed.hostname, port: Number(parsed.port), healthy: false };
    targets.push(target);
    await this.check(target);
  }

  /** Removes a target from a group; requests already sent to it complete. */
  deregisterTarget(targetGroupArn: string, url: string): void {
    const targets = this.groups.get(targetGroupArn);
    if (!targets) return;
    const index = targets.findIndex((t) => t.url === url);
    if (index >= 0) targets.splice(index, 1);
  }

  /** URLs of every target registered in a group. */
  targets(targetGroupArn: string): string[] {
    return (this.groups.get(targetGroupArn) ?? []).map((t) => t.url);
  }

  /**
   * Checks every target of the group now and returns the URLs of those that answered /healthz
   * with 200. As on ELB, where the targets of a group that no listener or rule forwards to are
   * `unused` and never healthy, a group no listener lists has no healthy target.
   */
  async healthyTargets(targetGroupArn: string): Promise<string[]> {
    await this.checkGroup(targetGroupArn);
    if (!this.inUse(targetGroupArn)) return [];
    return (this.groups.get(targetGroupArn) ?? []).filter((t) => t.healthy).map((t) => t.url);
  }

  /** Whether any listener forwards to the group, at any weight (0 included). */
  inUse(targetGroupArn: string): boolean {
    return [...this.listeners.values()].some((l) => targetGroupArn in l.weights);
  }

  /** Replaces the listener's forward weights (relative, normally percents); starts a new epoch. */
  setWeights(listenerArn: string, weights: Weights): void {
    const listener = this.listener(listenerArn);
    for (const [group, weight] of Object.entries(weights)) {
      if (!Number.isInteger(weight) || weight < 0) throw new Error(`invalid weight ${weight} for ${group}`);
    }
    const now = this.metrics.now();
    const previous = listener.epochs.at(-1);
    if (previous) previous.endedAt = new Date(now).toISOString();
    listener.weights = { ...weights };
    listener.current = new Map(Object.keys(weights).map((group) => [group, 0]));
    listener.epochs.push(newEpoch(weights, now));
  }

  /** The weights the listener routes by now. */
  readWeights(listenerArn: string): Weights {
    return { ...this.listener(listenerArn).weights };
  }

  /** Every epoch of the listener, oldest first; the last one is current. */
  epochs(listenerArn: string): Epoch[] {
    return structuredClone(this.listener(listenerArn).epochs);
  }

  /** Stops every listener and the health checks. */
  async close(): Promise<void> {
    clearInterval(this.healthTimer);
    await Promise.all(
      [...this.listeners.values()].map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
    this.listeners.clear();
    this.agent.destroy();
  }

  private route(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const epoch = listener.epochs.at(-1)!;
    const group = pickGroup(listener);
    if (group === undefined) {
      epoch.unrouted++;
      this.reject(listener, res, 503);
      return;
    }
    epoch.requests[group] = (epoch.requests[group] ?? 0) + 1;
    const target = this.pickTarget(group);
    if (!target) {
      epoch.errors[group] = (epoch.errors[group] ?? 0) + 1;
      this.reject(listener, res, 503);
      return;
    }
    const started = performance.now();
    const upstream = http.request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `${target.hostname}:${target.port}` },
        agent: this.agent,
      },
      (answer) => {
        const status = answer.statusCode ?? 502;
        this.metrics.record([listener.arn, group], { status, latencyMs: performance.now() - started });
        if (status >= 500) epoch.errors[group] = (epoch.errors[group] ?? 0) + 1;
        // Hop-by-hop headers describe the target's connection, not the client's.
        const {
          connection,
          'keep-alive': keepAlive,
          'transfer-encoding': encoding,
          ...headers
        } = answer.headers;
        res.writeHead(status, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      epoch.errors[group] = (epoch.errors[group] ?? 0) + 1;
      if (res.headersSent) res.destroy();
      else this.reject(listener, res, 502);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  private reject(listener: Listener, res: ServerResponse, status: 502 | 503): void {
    this.metrics.record([listener.arn], { status, byElb: true });
    const body = status === 503 ? '503 Service Temporarily Unavailable' : '502 Bad Gateway';
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private pickTarget(group: string): Target | undefined {
    const healthy = (this.groups.get(group) ?? []).filter((t) => t.healthy);
    if (healthy.length === 0) return undefined;
    const next = this.nextTarget.get(group) ?? 0;
    this.nextTarget.set(group, next + 1);
    return healthy[next % healthy.length];
  }

  private async checkGroup(group: string): Promise<void> {
    await Promise.all((this.groups.get(group) ?? []).map((t) => this.check(t)));
  }

  private check(target: Target): Promise<void> {
    return new Promise((resolve) => {
      const done = (healthy: boolean) => {
        target.healthy = healthy;
        resolve();
      };
      const req = http.get(
        `${target.url}/healthz`,
        { agent: this.agent, timeout: this.healthCheckTimeoutMs },
        (res) => {
          res.resume();
          done(res.statusCode === 200);
        },
      );
      req.on('timeout', () => req.destroy(new Error('health check timed out')));
      req.on('error', () => done(false));
    });
  }

  private targetList(group: string): Target[] {
    let targets = this.groups.get(group);
    if (!targets) {
      targets = [];
      this.groups.set(group, targets);
    }
    return targets;
  }

  private listener(arn: string): Listener {
    const listener = this.listeners.get(arn);
    if (!listener) throw new Error(`no such listener: ${arn}`);
    return listener;
  }
}

function newEpoch(weights: Weights, at: number): Epoch {
  return {
    weights: { ...weights },
    startedAt: new Date(at).toISOString(),
    requests: {},
    errors: {},
    unrouted: 0,
  };
}

/** nginx's smooth weighted round-robin: deterministic, and spreads the minority group evenly. */
function pickGroup(listener: Listener): string | undefined {
  let total = 0;
  let best: string | undefined;
  let bestCurrent = Number.NEGATIVE_INFINITY;
  for (const [group, weight] of Object.entries(listener.weights)) {
    if (weight <= 0) continue;
    total += weight;
    const current = (listener.current.get(group) ?? 0) + weight;
    listener.current.set(group, current);
    if (current > bestCurrent) {
      bestCurrent = current;
      best = group;
    }
  }
  if (best !== undefined) listener.current.set(best, bestCurrent - total);
  return best;
}
