import type { alarmRollbackBenchmark } from './alarm-rollback.js';
import type { analysisBenchmark } from './analysis.js';
import type { costBenchmark } from './cost.js';
import type { proxyBenchmark } from './proxy.js';
import type { scaleBenchmark } from './scale.js';
import type { webhookBenchmark } from './webhook.js';

type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;

export interface ResultsDocument {
  quick: boolean;
  machine: {
    cores: number;
    cpu: string;
    node: string;
    date: string;
    commit?: string;
    loadAverageAtStart: number[];
  };
  durationSeconds: number;
  benchmarks: {
    'alarm-rollback'?: Result<typeof alarmRollbackBenchmark>;
    webhook?: Result<typeof webhookBenchmark>;
    cost?: Result<typeof costBenchmark>;
    scale?: Result<typeof scaleBenchmark>;
    proxy?: Result<typeof proxyBenchmark>;
    analysis?: Result<typeof analysisBenchmark>;
  };
}

const ms = (v: number) => `${v < 10 ? v.toFixed(2) : Math.round(v).toLocaleString('en-US')} ms`;
const signed = (v: number) => `${v < 0 ? '−' : '+'}${ms(Math.abs(v))}`;
const usd = (v: number) => `$${v.toFixed(v < 0.01 ? 6 : 4)}`;

/** A cold start's answer, short: which error, and whether it was the refused AWS call. */
function answerText(answer: string): string {
  if (/ECONNRE|AWS call was refused/.test(answer))
    return `${answer.split(/[:(]/)[0]!.trim()} (AWS call refused)`;
  return answer.length > 60 ? `${answer.slice(0, 60)}…` : answer;
}

/** "100 succeeded, 50 superseded, …" over every concurrency policy. */
export function outcomeText(outcomes: Record<string, Record<string, number>>): string {
  const total: Record<string, number> = {};
  for (const byPolicy of Object.values(outcomes)) {
    for (const [outcome, n] of Object.entries(byPolicy)) total[outcome] = (total[outcome] ?? 0) + n;
  }
  return Object.entries(total)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
}

/** The figures of a results document as markdown tables: Sluice beside its baseline. */
export function markdown(doc: ResultsDocument): string {
  const { machine } = doc;
  const lines = [
    `Benchmarks${doc.quick ? ' (--quick: fewer samples)' : ''} on ${machine.cores} cores (${machine.cpu}), Node ${machine.node}, ${machine.date.slice(0, 16).replace('T', ' ')} UTC${machine.commit ? `, commit ${machine.commit}` : ''}`,
    '',
    '| Benchmark | Sluice | Baseline (same run) | Ratio |',
    '|---|---|---|---|',
  ];
  const row = (...cells: string[]) => lines.push(`| ${cells.join(' | ')} |`);
  const b = doc.benchmarks;

  const a = b['alarm-rollback'];
  if (a) {
    const n = `${a.releasesPerPath} faulty releases per path`;
    row(
      `Alarm → traffic restored, p50 (${n})`,
      `${ms(a.eventDrivenP50Ms)} event-driven`,
      `${ms(a.pollingP50Ms)} polling at bake end`,
      `${a.speedup}× faster`,
    );
    row(
      'Alarm → traffic restored, p95',
      ms(a.eventDrivenP95Ms),
      ms(a.pollingP95Ms),
      `${(a.pollingP95Ms / a.eventDrivenP95Ms).toFixed(1)}×`,
    );
    row(
      'Requests served by the faulty version after the alarm (all releases)',
      String(a.faultyRequestsAfterAlarmEventDriven),
      String(a.faultyRequestsAfterAlarmPolling),
      '',
    );
  }
  const w = b.webhook;
  if (w) {
    const ack = w.acknowledgement;
    row(
      `Webhook ack (verify + plan + start), p50 / p99 over ${ack.deliveries.toLocaleString('en-US')} deliveries`,
      `${ms(ack.p50Ms)} / ${ms(ack.p99Ms)}`,
      `HMAC alone ${ms(ack.baselineHmacOnly.p50Ms)} / ${ms(ack.baselineHmacOnly.p99Ms)}`,
      '',
    );
    const fns = Object.values(w.coldStart.functions);
    const worst = Math.max(...fns.map((f) => f.totalP50Ms));
    const largest = Math.max(...fns.map((f) => f.bundleKb));
    row(
      `Cold start, spawn → first answer (p50, slowest of ${fns.length} functions)`,
      ms(worst),
      `empty module ${ms(w.coldStart.baselineEmptyModule.totalP50Ms)}`,
      `largest bundle ${largest} KB`,
    );
  }
  const c = b.cost;
  if (c) {
    row(
      `Cost of a happy release (${c.happy.transitions} transitions, ${c.happy.lambdaInvocations} invocations)`,
      usd(c.happy.totalUsd),
      `Lambda poller every 10 s: ${usd(c.pollingLoop.lambdaEvery10s.totalUsd)}; Step Functions poll loop: ${usd(c.pollingLoop.stepFunctionsLoopEvery10s.totalUsd)}`,
      '',
    );
    row(
      `Cost of a rolled-back release (${c.rolledBack.transitions} transitions, ${c.rolledBack.lambdaInvocations} invocations)`,
      usd(c.rolledBack.totalUsd),
      '',
      '',
    );
    row('Cost of a 3-environment pipeline (computed: 3 × happy)', usd(c.pipeline3Env.totalUsd), '', '');
  }
  const s = b.scale;
  if (s) {
    row(
      `Scale: ${s.releases} concurrent releases across ${s.services} services`,
      `${(s.wallMs / 1000).toFixed(1)} s wall, peak RSS ${s.peakRssMb} MB; ${outcomeText(s.outcomes)}`,
      '',
      s.invariantHeld ? 'invariant held' : `**${s.violations.length} violations**`,
    );
  }
  const p = b.proxy;
  if (p) {
    row(
      `Local ALB latency p50 / p99 at ${p.ratePerSecond} req/s`,
      `${ms(p.proxiedP50Ms)} / ${ms(p.proxiedP99Ms)} through the proxy`,
      `${ms(p.directP50Ms)} / ${ms(p.directP99Ms)} direct`,
      `${signed(p.addedP50Ms)} / ${signed(p.addedP99Ms)}`,
    );
  }

  const an = b.analysis;
  if (an) {
    row(
      `Canary analysis: healthy releases failed (A/A, ${an.healthyReleases} releases)`,
      `${(an.falseFailRate * 100).toFixed(1)}%`,
      `alarms alone: ${(an.falseAlarmRate * 100).toFixed(1)}%`,
      '',
    );
    for (const f of an.byFault) {
      row(
        `Canary analysis: ${f.fault} (${f.runs} releases) — detected; faulty requests served`,
        `${(f.detectedByAnalysis * 100).toFixed(0)}%${f.medianMinutesToDetectAnalysis !== null ? ` in ${f.medianMinutesToDetectAnalysis} min` : ''}; ${Math.round(f.faultyRequestsAnalysis).toLocaleString('en-US')}`,
        `alarms alone: ${(f.detectedByAlarms * 100).toFixed(0)}%${f.medianMinutesToDetectAlarms !== null ? ` in ${f.medianMinutesToDetectAlarms} min` : ''}; ${Math.round(f.faultyRequestsAlarms).toLocaleString('en-US')}`,
        `${(f.faultyRequestsAlarms / Math.max(1, f.faultyRequestsAnalysis)).toFixed(1)}× fewer`,
      );
    }
  }

  if (w) {
    lines.push(
      '',
      '| Function | Bundle | Cold start p50 | of which import | first event | answer (no AWS here) |',
      '|---|---|---|---|---|---|',
    );
    for (const [name, f] of Object.entries(w.coldStart.functions)) {
      row(
        name,
        `${f.bundleKb} KB`,
        ms(f.totalP50Ms),
        ms(f.importP50Ms),
        ms(f.firstEventP50Ms),
        answerText(f.answer),
      );
    }
    const e = w.coldStart.baselineEmptyModule;
    row('(empty module)', '', ms(e.totalP50Ms), ms(e.importP50Ms), ms(e.firstEventP50Ms), e.answer);
  }
  return lines.join('\n');
}
