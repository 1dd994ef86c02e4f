import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretName, Secrets } from '../../functions/shared/ports/secrets.js';

/** Environment variables that override a generated secret, by name. */
export const SECRET_ENV: Record<SecretName, string> = {
  'github-webhook': 'SLUICE_GITHUB_WEBHOOK_SECRET',
  'github-token': 'SLUICE_GITHUB_TOKEN',
  'slack-signing': 'SLUICE_SLACK_SIGNING_SECRET',
  'slack-bot-token': 'SLUICE_SLACK_BOT_TOKEN',
};

/**
 * Secrets of the embedded runtime: generated on first run into a git-ignored file (mode 0600),
 * overridden by environment variables. Values are only ever returned, never logged.
 */
export class FileSecrets implements Secrets {
  /** The values are read once, at start: there is no cache to bypass. */
  reread(name: SecretName): Promise<string> {
    return this.get(name);
  }

  private readonly values: Record<SecretName, string>;

  constructor(
    readonly file: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const stored = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<SecretName, string>>)
      : {};
    const generated = { ...stored };
    let changed = false;
    for (const name of Object.keys(SECRET_ENV) as SecretName[]) {
      if (!generated[name]) {
        generated[name] = randomBytes(32).toString('hex');
        changed = true;
      }
    }
    if (changed) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    this.values = Object.fromEntries(
      (Object.keys(SECRET_ENV) as SecretName[]).map((name) => [
        name,
        env[SECRET_ENV[name]] || generated[name]!,
      ]),
    ) as Record<SecretName, string>;
  }

  async get(name: SecretName): Promise<string> {
    return this.values[name];
  }
}
