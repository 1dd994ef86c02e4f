import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type GithubFixture = 'push-release-branch' | 'push-tag' | 'push-delete' | 'ping';

export const fixturePath = (name: GithubFixture): string =>
  fileURLToPath(new URL(`../fixtures/github/${name}.json`, import.meta.url));

/** The fixture's bytes exactly as stored: what a test signs and sends as the raw body. */
export function fixtureBody(name: GithubFixture): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** The fixture parsed; a fresh copy each call, so a test may edit it. */
// biome-ignore lint/suspicious/noExplicitAny: webhook payloads are large; tests edit a few fields
export function fixture(name: GithubFixture): any {
  return JSON.parse(fixtureBody(name));
}
