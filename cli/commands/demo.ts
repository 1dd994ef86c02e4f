import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../embedded/config.js';
import { configOption, EXIT, Exit } from './shared.js';

/** `sluice demo`: a healthy and a faulty release on the embedded runtime, with real HTTP traffic. */
export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a healthy and a faulty release on the embedded runtime, with real HTTP traffic')
    .option(...configOption)
    .option('--json <file>', 'write the report as JSON')
    .option('--rate <n>', 'requests per second of steady load', (v) => Number(v), 200)
    .option(
      '--verbose',
      "also print the handlers' structured logs, the engine's events and the webhook's answers as JSON",
    )
    .action(async (opts: { config: string; json?: string; rate: number; verbose?: boolean }) => {
      // The demo prints its own progress; the handlers' JSON logs are for Lambda.
      if (!opts.verbose) process.env.SLUICE_LOG_LEVEL ??= 'silent';
      const { runDemo } = await import('../demo.js');
      const report = await runDemo({
        config: loadConfig(opts.config),
        rate: opts.rate,
        verbose: opts.verbose ?? false,
      });
      if (opts.json) writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
      if (!report.ok) throw new Exit(EXIT.failed);
    });
}
