import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';
import { handler } from '../../functions/verify-build/handler.js';
import { context, LAMBDA_ENV, useLambdaEnv } from '../support/lambda.js';
import { releaseInput } from '../support/release.js';

const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

interface CheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
}

/** A stand-in for the GitHub REST API's check runs of one commit. */
class GitHubStub {
  runs: CheckRun[] = [];
  readonly seen: { path: string; authorization: string | undefined }[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://stub');
      this.seen.push({ path: url.pathname, authorization: req.headers.authorization });
      if (url.pathname !== `/repos/acme/checkout/commits/${SHA}/check-runs`) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ total_count: this.runs.length, check_runs: this.runs }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const completed = (id: number, name: string, conclusion: string): CheckRun => ({
  id,
  name,
  status: 'completed',
  conclusion,
  started_at: `2026-11-23T09:0${id}:00Z`,
});

describe('Handler: verify-build', () => {
  const github = new GitHubStub();
  const env: Record<string, string> = {};
  const secrets = mockClient(SecretsManagerClient);
  let input: ReleaseInput;

  beforeAll(async () => {
    env.SLUICE_GITHUB_API_URL = await github.start();
  });
  afterAll(() => github.stop());
  useLambdaEnv(env);

  const verify = () =>
    handler(
      { release: input.release, environment: input.environment, executionName: input.executionName },
      context,
    );

  beforeEach(() => {
    secrets.reset();
    secrets
      .on(GetSecretValueCommand, { SecretId: LAMBDA_ENV.SLUICE_GITHUB_TOKEN_SECRET_NAME })
      .resolves({ SecretString: TOKEN });
    github.runs = [];
    github.seen.length = 0;
    input = releaseInput('dev');
  });

  it('verifies a commit whose required checks succeeded, asking GitHub with the token', async () => {
    // Prepare
    github.runs = [
      completed(1, 'build', 'success'),
      completed(2, 'test', 'success'),
      completed(3, 'lint', 'failure'),
    ];

    // Act
    const result = await verify();

    // Assess
    expect(result).toEqual({ checks: ['build', 'test'] });
    expect(github.seen).toEqual([
      { path: `/repos/acme/checkout/commits/${SHA}/check-runs`, authorization: `token ${TOKEN}` },
    ]);
  });

  it('fails with BuildNotVerifiedError when a required check failed', async () => {
    // Prepare
    github.runs = [completed(1, 'build', 'success'), completed(2, 'test', 'failure')];

    // Act + Assess
    await expect(verify()).rejects.toMatchObject({
      name: 'BuildNotVerifiedError',
      message: '6113728: required check "test" concluded failure',
    });
  });

  it('fails with BuildNotVerifiedError when a required check never ran', async () => {
    // Prepare
    github.runs = [completed(1, 'build', 'success')];

    // Act + Assess
    await expect(verify()).rejects.toMatchObject({
      name: 'BuildNotVerifiedError',
      message: '6113728: required check "test" has not run on this commit',
    });
  });

  it('fails with BuildPendingError, for the state machine to retry, while a check runs', async () => {
    // Prepare
    github.runs = [
      completed(1, 'build', 'success'),
      { id: 2, name: 'test', status: 'in_progress', conclusion: null, started_at: '2026-11-23T09:05:00Z' },
    ];

    // Act + Assess
    await expect(verify()).rejects.toMatchObject({ name: 'BuildPendingError' });
  });

  it('judges a re-run check by its newest run, whatever order GitHub lists them in', async () => {
    // Prepare: test failed, then passed on re-run
    github.runs = [
      completed(2, 'test', 'failure'),
      completed(1, 'build', 'success'),
      completed(5, 'test', 'success'),
    ];

    // Act + Assess
    await expect(verify()).resolves.toEqual({ checks: ['build', 'test'] });
  });

  it('verifies without asking GitHub when no check is required', async () => {
    // Prepare
    input.environment.requiredChecks = [];

    // Act + Assess
    await expect(verify()).resolves.toEqual({ checks: [] });
    expect(github.seen).toHaveLength(0);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('never puts the token in the error it throws', async () => {
    // Prepare
    github.runs = [completed(1, 'build', 'failure')];

    // Act
    const error = await verify().catch((e: Error) => e);

    // Assess
    expect(JSON.stringify({ message: (error as Error).message, name: (error as Error).name })).not.toContain(
      TOKEN,
    );
  });
});
