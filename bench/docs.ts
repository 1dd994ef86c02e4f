import { readFileSync, writeFileSync } from 'node:fs';
import { markdown, outcomeText, type ResultsDocument } from './table.js';

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`; throws if the markers are missing. */
export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : Math.round(ms).toLocaleString('en-US'));

const signedMs = (ms: number) => `${ms < 0 ? '−' : '+'}${fmt(Math.abs(ms))} ms`;

/** The README's few sentences, from the same document as the tables. */
export function summary(doc: ResultsDocument): string {
  const { machine } = doc;
  const b = doc.benchmarks;
  const parts: string[] = [];
  const a = b['alarm-rollback'];
  if (a) {
    parts.push(
      `- **Alarm → traffic restored**: ${fmt(a.eventDrivenP50Ms)} ms p50 (${fmt(a.eventDrivenP95Ms)} ms p95) on the alarm's event, against ${fmt(a.pollingP50Ms)} ms p50 (${fmt(a.pollingP95Ms)} ms p95) when alarms are polled at the end of each bake — **${a.speedup}×**, over ${a.releasesPerPath} faulty releases each, with ${a.faultyRequestsAfterAlarmEventDriven} against ${a.faultyRequestsAfterAlarmPolling} requests served by the faulty version after the alarm. The bake ran at time scale ${a.setup.timeScale} (5 min in ${a.setup.scaledBakeMs / 1000} s); on a real clock the polling wait is ${1 / a.setup.timeScale}× longer and the gap wider.`,
    );
  }
  const w = b.webhook;
  if (w) {
    const fns = Object.values(w.coldStart.functions);
    parts.push(
      `- **Webhook acknowledgement** (verify + plan + start, in-process): ${fmt(w.acknowledgement.p50Ms)} ms p50, ${fmt(w.acknowledgement.p99Ms)} ms p99 over ${w.acknowledgement.deliveries.toLocaleString('en-US')} signed GitHub push deliveries. **Cold start** of a bundled function (fresh \`node\`, import, first event): ${fmt(Math.min(...fns.map((f) => f.totalP50Ms)))}–${fmt(Math.max(...fns.map((f) => f.totalP50Ms)))} ms p50, bundles ${Math.min(...fns.map((f) => f.bundleKb))}–${Math.max(...fns.map((f) => f.bundleKb))} KB.`,
    );
  }
  const c = b.cost;
  if (c) {
    parts.push(
      `- **Cost per release** (us-east-1 list prices): $${c.happy.totalUsd.toFixed(6)} for a promoted release (${c.happy.transitions} state transitions, ${c.happy.lambdaInvocations} Lambda invocations), $${c.rolledBack.totalUsd.toFixed(6)} for one rolled back by its alarm — $${c.happy.per1000ReleasesUsd.toFixed(2)} per 1,000 releases. Watching the alarms costs Sluice one invocation per ALARM event; a Lambda polling every 10 s over the same bakes makes ${c.pollingLoop.lambdaEvery10s.polls} invocations a release.`,
    );
  }
  const s = b.scale;
  if (s) {
    parts.push(
      `- **Scale**: ${s.releases} concurrent releases across ${s.services} services (one embedded runtime each, one process): ${(s.wallMs / 1000).toFixed(1)} s wall, ${s.peakRssMb} MB peak RSS; ${outcomeText(s.outcomes)}; invariant ${s.invariantHeld ? 'held (every listener 100/0, every lock free, every record terminal)' : `broken ${s.violations.length} times`}.`,
    );
  }
  const an = b.analysis;
  if (an) {
    const by = (name: string) => an.byFault.find((f) => f.fault === name);
    const two = by('+2% errors');
    const five = by('+5% errors');
    parts.push(
      `- **Canary analysis** (simulated, ${an.healthyReleases} healthy releases and ${an.byFault[0]?.runs ?? 0} per fault): ${(an.falseFailRate * 100).toFixed(1)}% of healthy releases failed; a canary with 2% more errors caught in ${((two?.detectedByAnalysis ?? 0) * 100).toFixed(0)}% of releases (alarms alone: ${((two?.detectedByAlarms ?? 0) * 100).toFixed(0)}%); at 5% more errors ${Math.round(five?.faultyRequestsAnalysis ?? 0).toLocaleString('en-US')} faulty requests served against ${Math.round(five?.faultyRequestsAlarms ?? 0).toLocaleString('en-US')} with alarms alone.`,
    );
  }
  const p = b.proxy;
  if (p) {
    parts.push(
      `- **Local ALB overhead** at ${p.ratePerSecond} req/s: ${signedMs(p.addedP50Ms)} p50, ${signedMs(p.addedP99Ms)} p99 against calling the app directly (${fmt(p.proxiedP50Ms)} / ${fmt(p.proxiedP99Ms)} ms through the proxy).`,
    );
  }
  return [
    `Measured by \`npm run bench\` on ${machine.cores} cores, Node ${machine.node}, ${machine.date.slice(0, 10)} (details and method: [docs/benchmarks.md](docs/benchmarks.md)):`,
    '',
    ...parts,
  ].join('\n');
}

/** Writes the tables into docs/benchmarks.md and the summary into README.md, between their markers. */
export function updateDocs(doc: ResultsDocument, root: string, resultsPath: string): void {
  const docsPath = `${root}/docs/benchmarks.md`;
  const readmePath = `${root}/README.md`;
  const figures = [
    markdown(doc),
    '',
    `Machine load average (1, 5, 15 min) at the start: ${doc.machine.loadAverageAtStart.join(', ')}. Full run: ${doc.durationSeconds} s. Every figure with its unit: [\`${resultsPath}\`](../${resultsPath}).`,
  ].join('\n');
  writeFileSync(docsPath, replaceBlock(readFileSync(docsPath, 'utf8'), 'bench:figures', figures));
  writeFileSync(readmePath, replaceBlock(readFileSync(readmePath, 'utf8'), 'bench:summary', summary(doc)));
}
