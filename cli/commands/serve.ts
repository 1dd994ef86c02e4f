import type { Command } from 'commander';
import { loadConfig } from '../../embedded/config.js';
import { configOption, port } from './shared.js';

/** `sluice serve`: webhooks, the API and local load balancers on one port. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run Sluice locally: webhooks, API and local load balancers')
    .option(...configOption)
    .option('-p, --port <port>', 'HTTP port for webhooks and the API', port, 8787)
    .option('--verbose', "also print the handlers' structured logs and the alarm handler's answers as JSON")
    .action(async (opts: { config: string; port: number; verbose?: boolean }) => {
      // What happens is printed in words; the handlers' JSON logs are for Lambda (and --verbose).
      if (!opts.verbose) process.env.SLUICE_LOG_LEVEL ??= 'silent';
      const { serveLocally } = await import('../serve.js');
      await serveLocally({
        config: loadConfig(opts.config),
        port: opts.port,
        verbose: opts.verbose ?? false,
      });
    });
}
