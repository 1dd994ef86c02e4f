import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface BenchContext {
  /** `--quick`: fewer samples, same method; each benchmark says what it cut. */
  quick: boolean;
  /** Progress lines, to stderr (stdout stays for the runner's table). */
  log: (line: string) => void;
}

export type Benchmark<R> = (context: BenchContext) => Promise<R>;

/**
 * Each benchmark runs in its own node process (bench/run.ts forks it), so one benchmark's
 * timers, sockets and heap do not bend another's figures, and peak RSS is its own. Run directly
 * (`npx tsx bench/proxy.ts --quick`), a benchmark prints its result as JSON.
 */
export function runIfMain<R>(moduleUrl: string, name: string, benchmark: Benchmark<R>): void {
  const entry = process.argv[1];
  if (!entry || realpathSync(entry) !== realpathSync(fileURLToPath(moduleUrl))) return;
  const context: BenchContext = {
    quick: process.argv.includes('--quick'),
    log: (line) => process.stderr.write(`[${name}] ${line}\n`),
  };
  benchmark(context).then(
    (result) => {
      if (process.send) process.send({ ok: true, result }, () => process.exit(0));
      else {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        process.exit(0);
      }
    },
    (error: Error) => {
      context.log(`failed: ${error.stack ?? error.message}`);
      if (process.send) process.send({ ok: false, error: error.message }, () => process.exit(1));
      else process.exit(1);
    },
  );
}
