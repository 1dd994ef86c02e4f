import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cdkBundling, esbuildOptions, LAMBDA_BUNDLE } from '../../infra/bundling.js';

/*
 * Lambda puts the execution role's keys in every function's environment: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are "the access keys obtained from the function's
 * execution role" (Lambda developer guide, defined runtime environment variables). So the Lambda
 * bundles replace the SDK's default credential chain with its first link, fromEnv.
 */

const root = new URL('../..', import.meta.url).pathname;
const PROBE = join(root, 'test/fixtures/bundling/credentials-probe.ts');

describe('Bundling: the Lambda credential chain', () => {
  it('aliases @aws-sdk/credential-provider-node to the env-only provider, in the CDK bundling and the size script alike', () => {
    const [from, to] = Object.entries(LAMBDA_BUNDLE.alias)[0]!;

    expect(from).toBe('@aws-sdk/credential-provider-node');
    expect(existsSync(join(root, to!))).toBe(true);
    expect(cdkBundling().esbuildArgs).toEqual({ [`--alias:${from}`]: to });
    expect(esbuildOptions('x.ts', 'y.mjs').alias).toEqual({ [from!]: to });
  });

  it('bundles a client that signs with the role keys Lambda puts in the environment, without the rest of the chain', async () => {
    // Prepare: bundled as a Lambda handler is
    const outfile = join(mkdtempSync(join(tmpdir(), 'sluice-bundle-')), 'index.mjs');
    await build({ ...esbuildOptions(PROBE, outfile), absWorkingDir: root, logLevel: 'error' });

    // Act: run it with the variables Lambda sets
    const answer = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { handler } = await import('${outfile}'); console.log(JSON.stringify(await handler()));`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: 'ASIAEXAMPLEROLEKEY',
          AWS_SECRET_ACCESS_KEY: 'role-secret',
          AWS_SESSION_TOKEN: 'role-session-token',
        },
        encoding: 'utf8',
      },
    );

    // Assess: the role's keys, and no trace of the SSO/web-identity/INI providers in the bundle
    expect(JSON.parse(answer)).toEqual({
      accessKeyId: 'ASIAEXAMPLEROLEKEY',
      sessionToken: 'role-session-token',
    });
    const bundle = readFileSync(outfile, 'utf8');
    expect(bundle).not.toContain('AssumeRoleWithWebIdentity');
    expect(bundle).not.toContain('sso_start_url');
  });
});
