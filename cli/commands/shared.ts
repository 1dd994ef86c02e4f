import { InvalidArgumentError } from 'commander';
import { apiTokenFile, readApiToken } from '../../embedded/api-token.js';
import { DEFAULT_CONFIG_FILE, deployedConfig, loadConfig } from '../../embedded/config.js';
import type { Side } from '../../functions/shared/domain/restore.js';

/** Exit codes: 0 done, 1 the job failed, 2 bad input (config, arguments). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** Ends a command with an exit code; `main` turns it into the process's exit code. */
export class Exit extends Error {
  override readonly name = 'Exit';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number');
  return n;
};

export const side = (value: string): Side => {
  if (value !== 'blue' && value !== 'green') throw new InvalidArgumentError('must be blue or green');
  return value;
};

export const configOption = ['-c, --config <file>', 'Sluice config file', DEFAULT_CONFIG_FILE] as const;
export const apiOption = ['-u, --url <url>', 'the `sluice serve` URL', 'http://127.0.0.1:8787'] as const;
export const byOption = [
  '--by <who>',
  'who is acting (recorded; with --stack, your AWS identity)',
  process.env.USER ?? 'cli',
] as const;
export const stackOption = [
  '--stack <name>',
  'act on this deployed CloudFormation stack with your AWS credentials',
] as const;
export const regionOption = ['--region <region>', "the stack's region (default: the AWS SDK's)"] as const;

/** The options of a command that acts on a release or an environment, locally or on --stack. */
export interface ActionOptions {
  url: string;
  stack?: string;
  region?: string;
  config: string;
  by: string;
  reason: string;
}

/** The deployed stack named by --stack, checked against the config file. */
export async function deployed(opts: { stack: string; region?: string; config: string }) {
  const { connectToStack } = await import('../stack.js');
  return connectToStack(
    { stack: opts.stack, ...(opts.region ? { region: opts.region } : {}) },
    deployedConfig(loadConfig(opts.config)),
  );
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value));

export const jsonOption = ['--json', 'print the answer as JSON'] as const;

/** Prints a command's answer: in words, or as JSON with --json. */
export const answer = (json: boolean | undefined, value: unknown, words: () => string) =>
  json ? printJson(value) : console.log(words());

/** An environment's blue and green target groups from the config file, to name them in words. */
export function groupsOf(
  configFile: string,
  environment: string,
): { blue: string; green: string } | undefined {
  try {
    return loadConfig(configFile).environments.find((e) => e.name === environment)?.targetGroups;
  } catch {
    return undefined;
  }
}

/** The token `sluice serve` left in .sluice/api-token; its /api refuses requests without it. */
export function apiToken(): string {
  const token = readApiToken();
  if (!token) {
    console.error(`no API token in ${apiTokenFile()}: is \`sluice serve\` running from this directory?`);
    throw new Exit(EXIT.failed);
  }
  return token;
}

/** The error an API answer names (`{"error": "…"}`), else its text. */
function errorOf(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch {
    // not JSON: the text as it came
  }
  return text.trim() || 'no answer';
}

/** Calls the `sluice serve` API: a POST with who and why when `body` is given, else a GET. */
export async function callApi(
  url: string,
  body?: { by: string; reason: string; to?: Side; until?: string },
): Promise<unknown> {
  const headers = { 'x-sluice-token': apiToken() };
  const response = await fetch(
    url,
    body
      ? {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }
      : { headers },
  );
  const text = await response.text();
  if (!response.ok) {
    console.error(`sluice serve answered ${response.status}: ${errorOf(text)}`);
    throw new Exit(EXIT.failed);
  }
  return JSON.parse(text);
}
