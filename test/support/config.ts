import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfigFile } from '../../embedded/config.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';

export const EXAMPLE_CONFIG_FILE = fileURLToPath(new URL('../../sluice.config.yaml', import.meta.url));

/** The example sluice.config.yaml as a plain document, before validation: a fresh copy each call. */
// biome-ignore lint/suspicious/noExplicitAny: tests mutate the raw document to make it invalid
export function exampleDocument(): any {
  return parse(readFileSync(EXAMPLE_CONFIG_FILE, 'utf8'));
}

/** The example config, validated. */
export function exampleConfig(): SluiceConfig {
  return parseConfigFile(exampleDocument(), EXAMPLE_CONFIG_FILE);
}
