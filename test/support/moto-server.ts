import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export const MOTO_REGION = 'us-east-1';
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** A moto_server on a free loopback port, and how to reach and stop it. */
export interface MotoServer {
  endpoint: string;
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: typeof MOTO_CREDENTIALS;
    maxAttempts: number;
  };
  /**
   * The default VPC's default subnets (the EC2 SDK is not a dependency: one query call), in the
   * account of `accessKeyId` (moto keys its backends by the caller's account).
   */
  defaultSubnets(accessKeyId?: string): Promise<string[]>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts moto_server (on PATH) and resolves once it answers. */
export async function startMoto(timeoutMs = 15_000): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Detached, so stop() ends moto and anything its launcher (a pyenv shim) spawned, as a group.
  const moto: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: 'ignore',
  });
  let spawnError: Error | undefined;
  moto.once('error', (error) => {
    spawnError = error;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw new Error(`moto_server could not start (is it on PATH?): ${spawnError.message}`);
    if (moto.exitCode !== null) throw new Error(`moto_server exited with ${moto.exitCode}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    clientConfig: { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 },
    async defaultSubnets(accessKeyId = MOTO_CREDENTIALS.accessKeyId) {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${MOTO_REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: 'Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true',
      });
      const xml = await response.text();
      return [...xml.matchAll(/<subnetId>([^<]+)<\/subnetId>/g)].map((m) => m[1]!);
    },
    async stop() {
      if (moto.pid === undefined || moto.exitCode !== null) return;
      const exited = new Promise((resolve) => moto.once('exit', resolve));
      process.kill(-moto.pid, 'SIGTERM');
      await exited;
    },
  };
}
