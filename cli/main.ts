import { Command } from 'commander';
import { ConfigError } from '../functions/shared/domain/config.js';
import { COMMANDS } from './commands/index.js';
import { EXIT, Exit } from './commands/shared.js';
import { DoctorExit } from './doctor.js';

export { EXIT } from './commands/shared.js';

/** Runs the CLI and resolves to its exit code (bin/sluice.js sets process.exitCode from it). */
export async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('sluice')
    .description('Release orchestrator: canary traffic shifts on ALB, alarm-driven rollback, Step Functions.')
    .exitOverride()
    .showHelpAfterError();
  for (const addCommand of COMMANDS) addCommand(program);

  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit || error instanceof DoctorExit) return error.code;
    if (error instanceof ConfigError) {
      console.error(error.message);
      return EXIT.badInput;
    }
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.ok;
    if (typeof code === 'string' && code.startsWith('commander.')) return EXIT.badInput;
    console.error(`sluice: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}
