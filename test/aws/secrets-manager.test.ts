import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { SecretsManagerSecrets } from '../../functions/shared/aws/secrets-manager.js';

const secretsManager = mockClient(SecretsManagerClient);

const NAMES = {
  'github-webhook': 'sluice/github-webhook',
  'github-token': 'sluice/github-token',
  'slack-signing': 'sluice/slack-signing',
  'slack-bot-token': 'sluice/slack-bot-token',
} as const;
const TTL_MS = 60_000;

describe('Class: SecretsManagerSecrets', () => {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  let clock: number;
  const now = () => clock;

  beforeEach(() => {
    secretsManager.reset();
    clock = 1_000_000;
  });

  describe('Method: get', () => {
    it("reads the secret's string by its configured name", async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'sluice/github-token' })
        .resolves({ SecretString: 'ghp_x' });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const value = await secrets.get('github-token');

      // Assess
      expect(value).toBe('ghp_x');
      expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, {
        SecretId: 'sluice/github-token',
      });
    });

    it('serves the cached value within the TTL and fetches again after it', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: 'first' })
        .resolvesOnce({ SecretString: 'rotated' });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const first = await secrets.get('slack-signing');
      clock += TTL_MS - 1;
      const cached = await secrets.get('slack-signing');
      clock += 1;
      const refreshed = await secrets.get('slack-signing');

      // Assess
      expect([first, cached, refreshed]).toEqual(['first', 'first', 'rotated']);
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    });

    it('caches each name separately', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand, { SecretId: 'sluice/github-webhook' })
        .resolves({ SecretString: 'hook' })
        .on(GetSecretValueCommand, { SecretId: 'sluice/slack-signing' })
        .resolves({ SecretString: 'slack' });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const values = [await secrets.get('github-webhook'), await secrets.get('slack-signing')];

      // Assess
      expect(values).toEqual(['hook', 'slack']);
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    });

    it('shares one in-flight request between concurrent callers', async () => {
      // Prepare
      let release: (value: { SecretString: string }) => void = () => {};
      secretsManager.on(GetSecretValueCommand).callsFake(
        () =>
          new Promise((resolve) => {
            release = resolve;
          }),
      );
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const callers = [secrets.get('github-token'), secrets.get('github-token'), secrets.get('github-token')];
      await new Promise((resolve) => setImmediate(resolve));
      release({ SecretString: 'shared' });
      const values = await Promise.all(callers);

      // Assess
      expect(values).toEqual(['shared', 'shared', 'shared']);
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    });

    it('does not cache a failed fetch', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .rejectsOnce(new Error('network down'))
        .resolvesOnce({ SecretString: 'recovered' });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const failed = await secrets.get('github-token').catch((e: unknown) => e);
      const retried = await secrets.get('github-token');

      // Assess
      expect(failed).toBeInstanceOf(Error);
      expect(retried).toBe('recovered');
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    });

    it('names the secret, and only its name, when the fetch fails', async () => {
      // Prepare
      const cached = 'super-secret-webhook-value';
      secretsManager
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: cached })
        .rejects(
          new ResourceNotFoundException({
            $metadata: {},
            message: "Secrets Manager can't find the specified secret.",
          }),
        );
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);
      await secrets.get('github-webhook');
      clock += TTL_MS;

      // Act
      const caught = (await secrets.get('github-webhook').catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught.message).toContain('github-webhook');
      expect(caught.message).toContain('sluice/github-webhook');
      expect(caught.message).toContain('ResourceNotFoundException');
      expect(caught.message).not.toContain(cached);
      expect(JSON.stringify(caught)).not.toContain(cached);
    });

    it('fails clearly for a binary-only secret', async () => {
      // Prepare
      secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now);

      // Act
      const caught = (await secrets.get('slack-signing').catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught.message).toBe('secret slack-signing (sluice/slack-signing) has no string value');
    });
  });

  // GetSecretValue without VersionStage returns AWSCURRENT (API reference), so a read past the
  // cache sees a rotation at once; the rate limit keeps a flood of bad signatures from turning
  // into a flood of GetSecretValue calls.
  describe('Method: reread', () => {
    it('reads past the cache, then at most once per interval however often it is asked', async () => {
      // Prepare
      secretsManager
        .on(GetSecretValueCommand)
        .resolvesOnce({ SecretString: 'before' })
        .resolvesOnce({ SecretString: 'rotated' })
        .resolves({ SecretString: 'rotated again' });
      const secrets = new SecretsManagerSecrets(client, NAMES, TTL_MS, now, 30_000);
      await secrets.get('slack-signing');

      // Act
      const reread = await secrets.reread('slack-signing');
      const flood = await Promise.all(Array.from({ length: 50 }, () => secrets.reread('slack-signing')));
      clock += 30_000;
      const later = await secrets.reread('slack-signing');

      // Assess
      expect(reread).toBe('rotated');
      expect(new Set(flood)).toEqual(new Set(['rotated']));
      expect(later).toBe('rotated again');
      expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
    });
  });
});
