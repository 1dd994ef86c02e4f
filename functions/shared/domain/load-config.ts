import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError, parseConfig, type SluiceConfig } from './config.js';

export const DEFAULT_CONFIG_FILE = 'sluice.config.yaml';

/** Reads and validates a YAML config file. */
export function loadConfig(file = DEFAULT_CONFIG_FILE): SluiceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(error as Error).message}` }], file);
  }
  let document: unknown;
  try {
    document = parse(text, { prettyErrors: true });
  } catch (error) {
    throw new ConfigError([{ path: '', message: `not valid YAML: ${(error as Error).message}` }], file);
  }
  return parseConfig(document, file);
}
