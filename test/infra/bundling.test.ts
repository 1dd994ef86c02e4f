import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
const PROBE_STREAMS = join(root, 'test/fixtures/bundling/event-streams-probe.ts');

describe('Bundling: the Lambda credential chain', () => {
  it('aliases @aws-sdk/credential-provider-node to the env-only provider, in the CDK bundling and the size script alike', () => {
    const [from, to] = Object.entries(LAMBDA_BUNDLE.alias)[0]!;

    expect(from).toBe('@aws-sdk/credential-provider-node');
    expect(existsSync(join(root, to!))).toBe(true);
    expect(cdkBundling().esbuildArgs).toMatchObject({ [`--alias:${from}`]: to });
    expect(esbuildOptions('x.ts', 'y.mjs').alias).toMatchObject({ [from!]: to });
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

describe('Bundling: no event stream codec', () => {
  it('aliases @smithy/core/event-streams to a stand-in, in the CDK bundling and the size script alike', () => {
    const to = LAMBDA_BUNDLE.alias['@smithy/core/event-streams'];

    expect(existsSync(join(root, to))).toBe(true);
    expect(cdkBundling().esbuildArgs).toMatchObject({ '--alias:@smithy/core/event-streams': to });
    expect(esbuildOptions('x.ts', 'y.mjs').alias).toMatchObject({ '@smithy/core/event-streams': to });
  });

  it('bundles the Lambda client without the codec, and it still builds and sends an Invoke', async () => {
    // Prepare: Lambda's Invoke is a POST to /2015-03-31/functions/{FunctionName}/invocations,
    // answered 202 for InvocationType Event (Lambda API reference, Invoke)
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-amz-invocation-type']}`);
      res.writeHead(202);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const outfile = join(mkdtempSync(join(tmpdir(), 'sluice-bundle-')), 'index.mjs');
    await build({ ...esbuildOptions(PROBE_STREAMS, outfile), absWorkingDir: root, logLevel: 'error' });

    try {
      // Act: in a process of its own, with the variables Lambda sets
      const answer = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { handler } = await import('${outfile}'); console.log(JSON.stringify(await handler('${endpoint}')));`,
          ],
          {
            env: {
              PATH: process.env.PATH,
              AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
              AWS_SECRET_ACCESS_KEY: 'secret',
            },
            encoding: 'utf8',
          },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      );

      // Assess
      expect(JSON.parse(answer)).toBe(202);
      expect(seen).toEqual(['POST /2015-03-31/functions/probe/invocations Event']);
      const bundle = readFileSync(outfile, 'utf8');
      expect(bundle).toContain('EventStreamsNotBundledError');
      expect(bundle).not.toContain(':event-type');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
