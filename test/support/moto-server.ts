import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** Starts moto_server (on PATH) on a free port and resolves once it answers. */
async function launch(timeoutMs: number): Promise<{ moto: ChildProcess; port: number }> {
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
  return { moto, port };
}

function serverAt(port: number, stop: () => Promise<void>): MotoServer {
  const endpoint = `http://127.0.0.1:${port}`;
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
    stop,
  };
}

/**
 * A moto_server for a suite. Starting one costs ~2 s of CPU (Python imports) and ~3 s of wall
 * time, so in a jest run (SLUICE_TEST_RUN, set by jest's globalSetup in tools.ts) each worker
 * keeps one and lends it to the moto suites it runs, one after the other: the next suite gets it
 * reset (`POST /moto-api/reset`, moto's documented way to drop every backend's state), so no
 * suite sees another's resources; `stop()` hands it back, and `stopSharedMotos` (jest's
 * globalTeardown) ends the servers after the run. Outside a jest run each call starts a server of its own.
 */
export async function startMoto(timeoutMs = 15_000): Promise<MotoServer> {
  const run = process.env.SLUICE_TEST_RUN;
  if (!run) {
    const { moto, port } = await launch(timeoutMs);
    return serverAt(port, () => stopProcess(moto));
  }
  const lease = join(tmpdir(), `${LEASE_PREFIX}${run}-${process.env.JEST_WORKER_ID ?? '1'}.json`);
  if (existsSync(lease)) {
    const { port } = JSON.parse(readFileSync(lease, 'utf8')) as { port: number };
    const reset = await fetch(`http://127.0.0.1:${port}/moto-api/reset`, { method: 'POST' }).catch(
      () => undefined,
    );
    if (reset?.ok) return serverAt(port, async () => {});
    stopLeased(lease);
  }
  const { moto, port } = await launch(timeoutMs);
  // The server outlives this suite (its process group ends in the global teardown).
  moto.unref();
  writeFileSync(lease, JSON.stringify({ pid: moto.pid, port }));
  return serverAt(port, async () => {});
}

const LEASE_PREFIX = 'sluice-moto-lease-';

/** jest's globalTeardown: ends the servers this run's workers kept. */
export default function stopSharedMotos(): void {
  const run = process.env.SLUICE_TEST_RUN;
  if (!run) return;
  for (const name of readdirSync(tmpdir())) {
    if (name.startsWith(`${LEASE_PREFIX}${run}-`)) stopLeased(join(tmpdir(), name));
  }
}

function stopLeased(lease: string): void {
  const { pid } = JSON.parse(readFileSync(lease, 'utf8')) as { pid: number };
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(lease, { force: true });
}

async function stopProcess(moto: ChildProcess): Promise<void> {
  if (moto.pid === undefined || moto.exitCode !== null) return;
  const exited = new Promise((resolve) => moto.once('exit', resolve));
  process.kill(-moto.pid, 'SIGTERM');
  await exited;
}
