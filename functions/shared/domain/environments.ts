import type { EnvironmentConfig, SluiceConfig } from './config.js';

/*
 * Lookups on a parsed config. Apart from config.ts, whose schema pulls zod (about 90 KB) into
 * any Lambda bundle that imports a value from it: the functions that only read a config import these.
 */

/** The environment of that name, or undefined when the config has none. */
export function environmentNamed(
  config: Pick<SluiceConfig, 'environments'>,
  name: string | undefined,
): EnvironmentConfig | undefined {
  return config.environments.find((e) => e.name === name);
}

/** Who may approve, abort or promote an environment's release in Slack: nobody without a Slack approval. */
export function approversOf(env: EnvironmentConfig | undefined): readonly string[] {
  return env?.approval.type === 'slack' ? env.approval.approvers : [];
}
