/**
 * Runs the benchmarks, one node process each, writes bench/results.json and prints a markdown
 * table. Benchmarks measure; nothing here asserts a timing.
 *
 *   npm run bench                      # the full run (4–6 minutes on 2 cores)
 *   npm run bench -- --quick           # fewer samples, under a minute
 *   npm run bench -- --only proxy,cost # some of them
 *   npm run bench -- --out other.json  # somewhere else than bench/results.json
 *   npm run bench -- --write-docs      # no run: docs and README from bench/results.json
 *
 * A full run of every benchmark also rewrites the figures in docs/benchmarks.md and the
 * summary in README.md (between their <!-- bench:… --> markers), so they agree with results.json.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { updateDocs } from './docs.js';
import { markdown, type ResultsDocument } from './table.js';

export const BENCHMARKS = ['alarm-rollback', 'webhook', 'cost', 'scale', 'proxy', 'analysis'] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

const here = new URL('.', import.meta.url).pathname;
const root = join(here, '..');

/** What the suffix of a figure's name means; a figure without one says its unit in its name or note. */
export const UNITS = {
  Ms: 'milliseconds',
  Kb: 'kibibytes (1,024 bytes)',
  Mb: 'mebibytes (2^20 bytes)',
  Bytes: 'bytes',
  Usd: 'US dollars, us-east-1 list prices',
  Seconds: 'seconds',
  speedup: 'ratio: polling p50 / event-driven p50',
  PerSecond: 'per second',
  counts: 'plain numbers (releases, deliveries, requests, transitions, invocations) are counts',
};

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function runOne(name: BenchmarkName, quick: boolean): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = fork(join(here, `${name}.ts`), quick ? ['--quick'] : [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        SLUICE_LOG_LEVEL: process.env.SLUICE_LOG_LEVEL ?? 'silent',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    let settled = false;
    child.on('message', (message: { ok: boolean; result?: unknown; error?: string }) => {
      settled = true;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`[run] ${name} done in ${seconds} s\n`);
      if (message.ok) resolve(message.result);
      else reject(new Error(`${name}: ${message.error}`));
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${name} exited ${code} without a result`));
    });
  });
}

/** In the repository's JSON style, so `npm run lint` accepts a committed results.json as written. */
function formatJson(file: string): void {
  try {
    execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', file], {
      cwd: root,
      stdio: 'ignore',
    });
  } catch {
    // Unformatted JSON is still the same figures.
  }
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--write-docs')) {
    const doc = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8')) as ResultsDocument;
    updateDocs(doc, root, 'bench/results.json');
    process.stdout.write(`${markdown(doc)}\n`);
    return;
  }
  const quick = process.argv.includes('--quick');
  const only = option('--only')?.split(',');
  const unknown = only?.filter((name) => !BENCHMARKS.includes(name as BenchmarkName)) ?? [];
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
  const names = BENCHMARKS.filter((name) => !only || only.includes(name));
  const out = option('--out') ?? join(here, 'results.json');

  const cpus = os.cpus();
  const machine = {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    date: new Date().toISOString(),
    commit: gitCommit(),
  };
  const started = performance.now();
  const results: Record<string, unknown> = {};
  for (const name of names) results[name] = await runOne(name, quick);
  const document = {
    quick,
    machine,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    units: UNITS,
    // The headline figures the issue names, at the top.
    ...(results['alarm-rollback'] ? { alarmRollback: pick(results['alarm-rollback']) } : {}),
    ...(results.analysis ? { analysis: results.analysis } : {}),
    benchmarks: results,
  };
  writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  formatJson(out);
  process.stdout.write(`${markdown(document)}\n`);
  process.stderr.write(`[run] wrote ${out} in ${document.durationSeconds} s\n`);
  if (!quick && !only && !option('--out')) {
    updateDocs(document, root, 'bench/results.json');
    process.stderr.write('[run] updated the figures in docs/benchmarks.md and README.md\n');
  }
}

function pick(result: unknown) {
  const r = result as Record<string, unknown>;
  return {
    eventDrivenP50Ms: r.eventDrivenP50Ms,
    eventDrivenP95Ms: r.eventDrivenP95Ms,
    pollingP50Ms: r.pollingP50Ms,
    pollingP95Ms: r.pollingP95Ms,
    speedup: r.speedup,
    faultyRequestsAfterAlarmEventDriven: r.faultyRequestsAfterAlarmEventDriven,
    faultyRequestsAfterAlarmPolling: r.faultyRequestsAfterAlarmPolling,
    releasesPerPath: r.releasesPerPath,
  };
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
