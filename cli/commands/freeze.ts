import type { Command } from 'commander';
import { endFreeze, startFreeze } from '../../functions/shared/control/freeze.js';
import type { AdHocFreeze, FreezeRecord } from '../../functions/shared/domain/windows.js';
import { freezeWords } from '../format.js';
import {
  type ActionOptions,
  answer,
  apiOption,
  byOption,
  callApi,
  configOption,
  deployed,
  jsonOption,
  regionOption,
  stackOption,
} from './shared.js';

type FreezeOptions = ActionOptions & { env: string; until?: string; json?: boolean };
type FreezeAnswer = { freeze?: AdHocFreeze; ended?: FreezeRecord | null };

/** `sluice freeze start|end`: an operator's freeze of one environment, recorded with who and why. */
export function addFreezeCommand(program: Command): void {
  const freeze = program
    .command('freeze')
    .description(
      'freeze an environment: no pipeline enters it until the freeze ends (hotfix routes with passFreezes excepted)',
    );
  const common = (command: Command) =>
    command
      .requiredOption('--env <name>', 'environment')
      .option(...apiOption)
      .option(...stackOption)
      .option(...regionOption)
      .option(...configOption)
      .option(...byOption)
      .option(...jsonOption);
  common(freeze.command('start').description('start a freeze; pipelines that reach the environment wait'))
    .requiredOption('--reason <text>', 'why (recorded, and shown to whoever waits)')
    .option('--until <time>', 'end it by itself at this ISO 8601 time')
    .action(async (opts: FreezeOptions) => {
      let result: FreezeAnswer;
      if (!opts.stack) {
        result = (await callApi(`${opts.url}/api/environments/${encodeURIComponent(opts.env)}/freeze`, {
          by: opts.by,
          reason: opts.reason,
          ...(opts.until ? { until: opts.until } : {}),
        })) as FreezeAnswer;
      } else {
        const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
        result = {
          freeze: await startFreeze(
            ports,
            opts.env,
            { by: caller, reason: opts.reason },
            opts.until ? { until: opts.until } : {},
          ),
        };
      }
      answer(opts.json, result, () => freezeWords(result, opts.env));
    });
  common(
    freeze
      .command('end')
      .description('end the freeze; a waiting pipeline goes on at its next check (within 5 minutes)'),
  )
    .option('--reason <text>', 'why (recorded)', 'freeze ended')
    .action(async (opts: FreezeOptions) => {
      let result: FreezeAnswer;
      if (!opts.stack) {
        result = (await callApi(`${opts.url}/api/environments/${encodeURIComponent(opts.env)}/unfreeze`, {
          by: opts.by,
          reason: opts.reason,
        })) as FreezeAnswer;
      } else {
        const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
        result = { ended: (await endFreeze(ports, opts.env, { by: caller, reason: opts.reason })) ?? null };
      }
      answer(opts.json, result, () => freezeWords(result, opts.env));
    });
}
