import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../embedded/config.js';
import { type PushEvent, planRelease } from '../../functions/shared/domain/plan.js';
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
    .action((opts: { event: string; config: string; json?: boolean }) => {
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
      const plan = planRelease(config, event);
      console.log(opts.json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
    });
}
