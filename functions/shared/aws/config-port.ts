import type { SluiceConfig } from '../domain/config.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';

/**
 * The Sluice config from SLUICE_CONFIG. The stack writes it at synth from the config that
 * `loadConfig` validated (defaults applied, the embedded section dropped), so the function trusts
 * its own deployment rather than bundling the schema again (~95 KB of zod and cold start).
 */
export const awsConfig = (): SluiceConfig =>
  once('config', () => {
    const config = JSON.parse(readLambdaEnv().SLUICE_CONFIG) as Partial<SluiceConfig>;
    if (!Array.isArray(config.environments) || typeof config.repository !== 'string') {
      throw new Error('SLUICE_CONFIG is not a Sluice config written by the stack');
    }
    return { embedded: { timeScale: 1, alarms: {} }, ...config } as SluiceConfig;
  });
