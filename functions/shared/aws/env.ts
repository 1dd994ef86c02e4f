/**
 * The environment every Sluice Lambda reads. The config is not here: it is a file in the bundle
 * (config-port.ts), so that no config size can exceed Lambda's 4 KB environment. The CDK construct
 * types its `environment` prop from LambdaEnvInput, so a missing variable is a compile error there
 * and a clear error here. Checked by hand rather than with zod: a schema library would add
 * 16–20 KB to every function's bundle for eight strings.
 */

/** Each variable and what its value must be; the problem in words, or undefined when it is fine. */
const RULES = {
  SLUICE_TABLE_NAME: minLength(3),
  SLUICE_STATE_MACHINE_ARN: arn,
  SLUICE_PIPELINE_STATE_MACHINE_ARN: arn,
  /** Secrets Manager secret names (never values). */
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: minLength(1),
  SLUICE_GITHUB_TOKEN_SECRET_NAME: minLength(1),
  SLUICE_SLACK_SIGNING_SECRET_NAME: minLength(1),
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: minLength(1),
  /** GitHub API base URL; GitHub Enterprise Server sets its own. */
  SLUICE_GITHUB_API_URL: url,
} as const satisfies Record<string, (value: string) => string | undefined>;

/** The variables that may be left out, and the value they then take. */
const DEFAULTS = { SLUICE_GITHUB_API_URL: 'https://api.github.com' } as const;

/** Every variable Sluice's functions read: the stack sets each of them (test/infra/stack.test.ts). */
export const LAMBDA_ENV_NAMES = Object.keys(RULES) as (keyof typeof RULES)[];

export type LambdaEnv = Record<keyof typeof RULES, string>;
/** What the stack must set: every variable but the defaulted ones. */
export type LambdaEnvInput = Omit<LambdaEnv, keyof typeof DEFAULTS> &
  Partial<Pick<LambdaEnv, keyof typeof DEFAULTS>>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  const read: Partial<LambdaEnv> = {};
  const problems: string[] = [];
  for (const name of LAMBDA_ENV_NAMES) {
    const value = env[name] ?? (DEFAULTS as Partial<LambdaEnv>)[name];
    const problem = value === undefined ? 'missing' : RULES[name](value);
    if (problem) problems.push(`${name}: ${problem}`);
    else read[name] = value;
  }
  if (problems.length > 0) throw new Error(`Lambda environment is invalid: ${problems.join('; ')}`);
  return read as LambdaEnv;
}

function minLength(min: number) {
  return (value: string) => (value.length >= min ? undefined : `must be at least ${min} characters`);
}

function arn(value: string): string | undefined {
  return value.startsWith('arn:') ? undefined : 'must be an ARN (arn:…)';
}

function url(value: string): string | undefined {
  return URL.canParse(value) ? undefined : 'must be a URL';
}
