import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `sluice serve` leaves its API token for the CLI (git-ignored, mode 0600). */
export const apiTokenFile = (dataDir = '.sluice') => join(dataDir, 'api-token');

/** A fresh token per server start, written for the CLI; the page gets it in its HTML. */
export function issueApiToken(dataDir = '.sluice'): string {
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(apiTokenFile(dataDir), `${token}\n`, { mode: 0o600 });
  chmodSync(apiTokenFile(dataDir), 0o600);
  return token;
}

/** The running server's token, or undefined when no server has written one. */
export function readApiToken(dataDir = '.sluice'): string | undefined {
  try {
    return readFileSync(apiTokenFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
