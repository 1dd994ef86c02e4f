import type { Command } from 'commander';
import { configJsonSchema } from '../../embedded/config.js';

/** `sluice schema`: the config's JSON Schema, for editors. */
export function addSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description("print the config's JSON Schema (for editors)")
    .action(() => console.log(JSON.stringify(configJsonSchema(), null, 2)));
}
