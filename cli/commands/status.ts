import type { Command } from 'commander';
import { type EnvironmentStatus, environmentStatus } from '../../functions/shared/control/manual-control.js';
import { formatStatus } from '../format.js';
import { apiOption, callApi, configOption, deployed, regionOption, stackOption } from './shared.js';

/** `sluice status`: each environment's live traffic, lock and latest releases. */
export function addStatusCommand(program: Command): void {
  program
    .command('status')
    .description("each environment's live traffic (read from the listener), lock and latest releases")
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option('--json', 'print JSON')
    .action(
      async (opts: { url: string; stack?: string; region?: string; config: string; json?: boolean }) => {
        const environments = opts.stack
          ? await statusOf(await deployed({ ...opts, stack: opts.stack }))
          : ((await callApi(`${opts.url}/api/status`)) as { environments: EnvironmentStatus[] }).environments;
        console.log(opts.json ? JSON.stringify({ environments }, null, 2) : formatStatus(environments));
      },
    );
}

/** Status read with the caller as the actor: an environment's role session names them. */
const statusOf = (stack: { ports: Parameters<typeof environmentStatus>[0]; caller: string }) =>
  environmentStatus(stack.ports, 3, stack.caller);
