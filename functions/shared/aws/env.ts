// zod/mini: the full zod API would add ~90 KB to every function's bundle for seven variables.
import * as z from 'zod/mini';

/**
 * The environment every Sluice Lambda reads. The config is not here: it is a file in the bundle
 * (config-port.ts), so that no config size can exceed Lambda's 4 KB environment. The CDK construct types its `environment` prop
 * from this schema, so a missing variable is a compile error there and a clear error here.
 */
export const LambdaEnvSchema = z.object({
  SLUICE_TABLE_NAME: z.string().check(z.minLength(3)),
  SLUICE_STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
  SLUICE_PIPELINE_STATE_MACHINE_ARN: z.string().check(z.startsWith('arn:')),
  /** Secrets Manager secret names (never values). */
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: z.string().check(z.minLength(1)),
  SLUICE_GITHUB_TOKEN_SECRET_NAME: z.string().check(z.minLength(1)),
  SLUICE_SLACK_SIGNING_SECRET_NAME: z.string().check(z.minLength(1)),
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: z.string().check(z.minLength(1)),
  /** GitHub API base URL; GitHub Enterprise Server sets its own. */
  SLUICE_GITHUB_API_URL: z._default(z.url(), 'https://api.github.com'),
});

export type LambdaEnv = z.output<typeof LambdaEnvSchema>;
export type LambdaEnvInput = z.input<typeof LambdaEnvSchema>;

export function readLambdaEnv(env: NodeJS.ProcessEnv = process.env): LambdaEnv {
  const result = LambdaEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Lambda environment is invalid: ${problems}`);
  }
  return result.data;
}
