import type { Command } from 'commander';
import { loadConfig } from '../../embedded/config.js';
import { stackEnvironmentWorstCase } from '../../infra/lambda-environment.js';
import { checkStateMachines } from '../asl-check.js';
import { configOption, EXIT, Exit } from './shared.js';

/** `sluice validate`: the config, the Lambda environment's worst case and every state machine definition. */
export function addValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check the config and every state machine definition')
    .option(...configOption)
    .action((opts: { config: string }) => {
      const config = loadConfig(opts.config);
      console.log(`✓ ${opts.config}`);
      let bad = 0;
      const env = stackEnvironmentWorstCase(config.service);
      const bytes = (n: number) => n.toLocaleString('en-US');
      const envLine = `Lambda environment: worst case ${bytes(env.bytes)} of ${bytes(env.limit)} bytes (margin ${bytes(env.margin)})`;
      if (env.margin >= 0) console.log(`✓ ${envLine}`);
      else {
        bad++;
        console.error(`✗ ${envLine}`);
      }
      for (const report of checkStateMachines()) {
        if (report.problems.length === 0) console.log(`✓ ${report.file}`);
        else {
          bad++;
          console.error(`✗ ${report.file}\n${report.problems.map((p) => `  ${p}`).join('\n')}`);
        }
      }
      if (bad > 0) throw new Exit(EXIT.badInput);
    });
}
