import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SluiceConfig } from '../domain/config.js';
import { once } from './once.js';

/** The config's file in every function's bundle, next to index.mjs (infra/bundling.ts writes it). */
export const CONFIG_FILE_NAME = 'sluice-config.json';

/**
 * The config the stack bundled: in the bundle rather than the environment (Lambda's 4 KB cap) or
 * SSM (an API call and a permission on every cold start, and a 4 KB standard-parameter cap).
 * LAMBDA_TASK_ROOT is set by Lambda: "the path to your Lambda function code" (Lambda developer
 * guide, defined runtime environment variables). The stack writes the file at synth from the
 * config that `loadConfig` validated (defaults applied, the embedded section dropped), so the
 * function trusts its own deployment rather than bundling the schema again (~95 KB of zod).
 */
export const awsConfig = (): SluiceConfig =>
  once('config', () => {
    const root = process.env.LAMBDA_TASK_ROOT;
    if (!root) throw new Error('LAMBDA_TASK_ROOT is not set: the config is read from the function code');
    const file = join(root, CONFIG_FILE_NAME);
    const config = JSON.parse(readFileSync(file, 'utf8')) as Partial<SluiceConfig>;
    if (!Array.isArray(config.environments) || typeof config.repository !== 'string') {
      throw new Error(`${file} is not a Sluice config written by the stack`);
    }
    return config as SluiceConfig;
  });
