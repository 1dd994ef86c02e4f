/**
 * Proxy overhead: the local ALB's added latency. The same sample app is called directly and
 * through a listener forwarding 100% to it, at the same fixed open-loop rate over keep-alive
 * connections, in alternating rounds so drift on a shared machine hits both alike. Load
 * generator, proxy and app share this one process, as they do in `sluice demo`. The first
 * 250 ms of each round is not counted, and one warm-up round of each comes first.
 */
import { LocalAlb } from '../embedded/alb.js';
import { type LoadResponse, startLoad } from '../embedded/load.js';
import { startSampleApp } from '../embedded/sample-app.js';
import { type BenchContext, runIfMain } from './child.js';
import { round, sleep, summarize } from './stats.js';

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/bench-proxy/0123456789abcdef/0123456789abcdef';
const GROUP = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bench-proxy/0123456789abcdef';
const WARMUP_MS = 250;

async function loadRound(url: string, ratePerSecond: number, durationMs: number) {
  const responses: LoadResponse[] = [];
  const started = Date.now();
  const load = startLoad({ url, ratePerSecond, onResponse: (r) => responses.push(r) });
  await sleep(durationMs);
  const stats = await load.stop();
  const measured = responses.filter((r) => r.at - r.latencyMs >= started + WARMUP_MS);
  return {
    latencies: measured.filter((r) => r.status === 200).map((r) => r.latencyMs),
    errors: measured.filter((r) => r.status !== 200).length,
    skipped: stats.skipped,
  };
}

export async function proxyBenchmark({ quick, log }: BenchContext) {
  // The demo's rate. At 500/s this one process (load, proxy and app: three HTTP hops a request)
  // nears saturation on a shared core and the figure becomes queueing, not proxying.
  const ratePerSecond = 200;
  const rounds = quick ? 1 : 5;
  const roundMs = quick ? 2000 : 4000;
  const app = await startSampleApp({ version: 'upstream' });
  const alb = new LocalAlb();
  try {
    const { url: listenerUrl } = await alb.addListener(LISTENER);
    await alb.registerTarget(GROUP, app.url);
    alb.setWeights(LISTENER, { [GROUP]: 100 });
    const direct: number[] = [];
    const proxied: number[] = [];
    let errors = 0;
    let skipped = 0;
    // Warm-up, not counted: JIT and the proxy's upstream keep-alive pool.
    await loadRound(`${app.url}/`, ratePerSecond, 500);
    await loadRound(`${listenerUrl}/`, ratePerSecond, 500);
    for (let i = 0; i < rounds; i++) {
      for (const [target, into] of [
        [`${app.url}/`, direct],
        [`${listenerUrl}/`, proxied],
      ] as const) {
        const result = await loadRound(target, ratePerSecond, roundMs);
        into.push(...result.latencies);
        errors += result.errors;
        skipped += result.skipped;
      }
      log(`round ${i + 1}/${rounds}: ${direct.length} direct, ${proxied.length} proxied samples`);
    }
    const d = summarize(direct);
    const p = summarize(proxied);
    return {
      ratePerSecond,
      rounds,
      roundMs,
      quick,
      directP50Ms: d.p50Ms,
      directP99Ms: d.p99Ms,
      proxiedP50Ms: p.p50Ms,
      proxiedP99Ms: p.p99Ms,
      addedP50Ms: round(p.p50Ms - d.p50Ms),
      addedP99Ms: round(p.p99Ms - d.p99Ms),
      direct: d,
      proxied: p,
      non200Responses: errors,
      skippedForInFlightLimit: skipped,
    };
  } finally {
    await alb.close();
    await app.close();
  }
}

runIfMain(import.meta.url, 'proxy', proxyBenchmark);
