import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretName, Secrets } from '../ports/secrets.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { describeSdkError } from './sdk-errors.js';

interface Entry {
  value: Promise<string>;
  /** When the value stops being served; Infinity while the fetch is in flight. */
  expiresAt: number;
}

/** Secrets Manager string secrets, cached per name for a TTL; concurrent callers share one fetch. */
export class SecretsManagerSecrets implements Secrets {
  private readonly cache = new Map<SecretName, Entry>();
  private readonly rereadAt = new Map<SecretName, number>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly names: Record<SecretName, string>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly rereadIntervalMs: number = SECRET_REREAD_INTERVAL_MS,
  ) {}

  /**
   * The secret's current value (GetSecretValue without a stage returns AWSCURRENT), past the
   * cache, at most once per interval per name; within the interval, the cached or in-flight value.
   */
  reread(name: SecretName): Promise<string> {
    const last = this.rereadAt.get(name);
    if (last === undefined || this.now() - last >= this.rereadIntervalMs) {
      this.rereadAt.set(name, this.now());
      this.cache.delete(name);
    }
    return this.get(name);
  }

  /** The secret's string value, from the cache while it is fresh. */
  get(name: SecretName): Promise<string> {
    const entry = this.cache.get(name);
    if (entry && entry.expiresAt > this.now()) return entry.value;
    const fresh: Entry = { value: this.fetch(name), expiresAt: Number.POSITIVE_INFINITY };
    this.cache.set(name, fresh);
    fresh.value.then(
      () => {
        fresh.expiresAt = this.now() + this.ttlMs;
      },
      () => {
        // A failed fetch is not cached: the next caller tries again.
        if (this.cache.get(name) === fresh) this.cache.delete(name);
      },
    );
    return fresh.value;
  }

  private async fetch(name: SecretName): Promise<string> {
    const secretId = this.names[name];
    let secretString: string | undefined;
    try {
      ({ SecretString: secretString } = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId }),
      ));
    } catch (error) {
      throw new Error(`reading secret ${name} (${secretId}) failed: ${describeSdkError(error)}`, {
        cause: error,
      });
    }
    if (secretString === undefined) {
      throw new Error(`secret ${name} (${secretId}) has no string value`);
    }
    return secretString;
  }
}

/** Secrets are cached this long per container; a signature mismatch re-reads sooner (reread). */
const SECRET_TTL_MS = 5 * 60_000;
/** At most one re-read per secret and container in this time, however many bad signatures arrive. */
export const SECRET_REREAD_INTERVAL_MS = 30_000;

/** The Secrets port on AWS: Secrets Manager secrets by the names in the environment. */
export const awsSecrets = (): Secrets =>
  once('secrets', () => {
    const env = readLambdaEnv();
    return new SecretsManagerSecrets(
      new SecretsManagerClient({}),
      {
        'github-webhook': env.SLUICE_GITHUB_WEBHOOK_SECRET_NAME,
        'github-token': env.SLUICE_GITHUB_TOKEN_SECRET_NAME,
        'slack-signing': env.SLUICE_SLACK_SIGNING_SECRET_NAME,
        'slack-bot-token': env.SLUICE_SLACK_BOT_TOKEN_SECRET_NAME,
      },
      SECRET_TTL_MS,
    );
  });
