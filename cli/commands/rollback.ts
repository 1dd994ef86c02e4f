import type { Command } from 'commander';
import { type RollbackResult, rollbackEnvironment } from '../../functions/shared/control/manual-control.js';
import type { Side } from '../../functions/shared/domain/restore.js';
import { rollbackWords } from '../format.js';
import {
  type ActionOptions,
  answer,
  apiOption,
  byOption,
  callApi,
  configOption,
  deployed,
  groupsOf,
  jsonOption,
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
    .option(...jsonOption)
    .action(async (opts: ActionOptions & { env: string; to?: Side; json?: boolean }) => {
      let result: RollbackResult;
      if (!opts.stack) {
        result = (await callApi(`${opts.url}/api/environments/${encodeURIComponent(opts.env)}/rollback`, {
          by: opts.by,
          reason: opts.reason,
          ...(opts.to ? { to: opts.to } : {}),
        })) as RollbackResult;
      } else {
        const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
        result = await rollbackEnvironment(
          ports,
          opts.env,
          { by: caller, reason: opts.reason },
          opts.to ? { to: opts.to } : {},
        );
      }
      answer(opts.json, result, () => rollbackWords(opts.env, result, groupsOf(opts.config, opts.env)));
    });
}
