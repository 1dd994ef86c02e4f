import type { Command } from 'commander';
import { rollbackEnvironment } from '../../functions/shared/control/manual-control.js';
import type { Side } from '../../functions/shared/domain/restore.js';
import {
  type ActionOptions,
  apiOption,
  byOption,
  callApi,
  configOption,
  deployed,
  printJson,
  regionOption,
  side,
  stackOption,
} from './shared.js';

/** `sluice rollback`: stop an environment's running release, or flip it to the previous version. */
export function addRollbackCommand(program: Command): void {
  program
    .command('rollback')
    .description('roll an environment back: stop its running release, or flip to the previous version')
    .requiredOption('--env <name>', 'environment')
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option(...byOption)
    .option('--reason <text>', 'why (recorded)', 'manual rollback')
    .option(
      '--to <side>',
      'the group to put all traffic on (blue|green), where the records cannot say which one the last release made live',
      side,
    )
    .action(async (opts: ActionOptions & { env: string; to?: Side }) => {
      if (!opts.stack) {
        printJson(
          await callApi(`${opts.url}/api/environments/${encodeURIComponent(opts.env)}/rollback`, {
            by: opts.by,
            reason: opts.reason,
            ...(opts.to ? { to: opts.to } : {}),
          }),
        );
        return;
      }
      const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
      printJson(
        await rollbackEnvironment(
          ports,
          opts.env,
          { by: caller, reason: opts.reason },
          opts.to ? { to: opts.to } : {},
        ),
      );
    });
}
