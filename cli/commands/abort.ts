import type { Command } from 'commander';
import { abortRelease } from '../../functions/shared/control/manual-control.js';
import type { ReleaseStatus } from '../../functions/shared/domain/release.js';
import { abortWords } from '../format.js';
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

/** `sluice abort`: stop a running release and restore its traffic (the control layer's one stop path). */
export function addAbortCommand(program: Command): void {
  program
    .command('abort')
    .description('abort a running release and restore its traffic')
    .argument('<release>', 'release id')
    .option(...apiOption)
    .option(...stackOption)
    .option(...regionOption)
    .option(...configOption)
    .option(...byOption)
    .option('--reason <text>', 'why (recorded)', 'manual abort')
    .option(...jsonOption)
    .action(async (release: string, opts: ActionOptions & { json?: boolean }) => {
      let result: { aborted: { environment: string; status: ReleaseStatus }[] };
      if (!opts.stack) {
        result = (await callApi(`${opts.url}/api/releases/${encodeURIComponent(release)}/abort`, {
          by: opts.by,
          reason: opts.reason,
        })) as typeof result;
      } else {
        const { ports, caller } = await deployed({ ...opts, stack: opts.stack });
        const records = await abortRelease(ports, release, { by: caller, reason: opts.reason });
        result = { aborted: records.map((r) => ({ environment: r.environment, status: r.status })) };
      }
      answer(opts.json, result, () => abortWords(release, result.aborted));
    });
}
