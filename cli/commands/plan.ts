import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../embedded/config.js';
import { type PushEvent, planRelease } from '../../functions/shared/domain/plan.js';
import { scheduleOf } from '../../functions/shared/domain/schedule.js';
import { formatPlan } from '../format.js';
import { configOption, EXIT, Exit } from './shared.js';

/** `sluice plan`: what a GitHub push event would release. */
export function addPlanCommand(program: Command): void {
  program
    .command('plan')
    .description('show what a GitHub push event would release')
    .requiredOption('-e, --event <file>', 'a GitHub push event payload (JSON)')
    .option(...configOption)
    .option('--json', 'print JSON')
    .option('--at <time>', 'when the push arrives (ISO 8601), for the deploy windows; default now')
    .action((opts: { event: string; config: string; json?: boolean; at?: string }) => {
      const config = loadConfig(opts.config);
      let event: PushEvent;
      try {
        event = JSON.parse(readFileSync(opts.event, 'utf8')) as PushEvent;
      } catch (error) {
        console.error(
          `cannot read event ${opts.event}: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw new Exit(EXIT.badInput);
      }
      const at = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(at.getTime())) {
        console.error(`--at ${opts.at} is not a time`);
        throw new Exit(EXIT.badInput);
      }
      const plan = planRelease(config, event);
      const schedule = plan.kind === 'release' ? scheduleOf(config, plan, at) : [];
      console.log(opts.json ? JSON.stringify({ ...plan, schedule }, null, 2) : formatPlan(plan, schedule));
    });
}
