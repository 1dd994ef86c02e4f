import { readLambdaEnv } from '../../functions/shared/aws/env.js';

/** What the stack sets (infra/lambda-environment.ts), without the defaulted GitHub API URL. */
const LAMBDA_ENV: Record<string, string | undefined> = {
  SLUICE_TABLE_NAME: 'sluice-releases',
  SLUICE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
  SLUICE_PIPELINE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-pipeline',
  SLUICE_GITHUB_WEBHOOK_SECRET_NAME: 'sluice/github-webhook',
  SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/github-token',
  SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/slack-signing',
  SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/slack-bot-token',
};

describe('Function: readLambdaEnv', () => {
  it('reads every variable, defaulting the GitHub API URL', () => {
    // Act
    const read = readLambdaEnv(LAMBDA_ENV);

    // Assess
    expect(read).toEqual({ ...LAMBDA_ENV, SLUICE_GITHUB_API_URL: 'https://api.github.com' });
    expect(read.SLUICE_GITHUB_API_URL).toBe('https://api.github.com');
  });

  it('names every missing or malformed variable in one error, and no other variable', () => {
    // Prepare
    const env = {
      ...LAMBDA_ENV,
      SLUICE_STATE_MACHINE_ARN: 'release-machine',
      SLUICE_GITHUB_API_URL: 'not a url',
      SLUICE_TABLE_NAME: undefined,
      AWS_SECRET_ACCESS_KEY: 'secret-value',
    };

    // Act
    const error = (() => {
      try {
        readLambdaEnv(env);
      } catch (e) {
        return e as Error;
      }
    })();

    // Assess
    expect(error?.message).toBe(
      'Lambda environment is invalid: SLUICE_TABLE_NAME: missing; SLUICE_STATE_MACHINE_ARN: must be an ARN (arn:…); SLUICE_GITHUB_API_URL: must be a URL',
    );
  });
});
