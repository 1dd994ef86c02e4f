import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { runDoctor } from '../../cli/doctor.js';
import { loadConfig } from '../../embedded/config.js';
import { EmbeddedRuntime } from '../../embedded/runtime.js';
import { createApp, listen, type RunningServer } from '../../embedded/server.js';
import type { DoctorReport } from '../../functions/shared/domain/doctor.js';
import { runCli } from '../support/cli.js';
import { EXAMPLE_CONFIG_FILE } from '../support/config.js';

const TOKEN = 'doctor-test-token';

/** Runs the doctor and returns its exit code and what it printed. */
async function doctor(opts: Parameters<typeof runDoctor>[0]): Promise<{ code: number; output: string }> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = jest
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    return { code: await runDoctor(opts), output: out.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

describe('Command: sluice doctor against `sluice serve`', () => {
  let runtime: EmbeddedRuntime;
  let server: RunningServer;

  beforeAll(async () => {
    // The example config, as `sluice serve` runs it (the embedded alarms scripted OK on the instant clock).
    runtime = await EmbeddedRuntime.start({
      config: loadConfig(EXAMPLE_CONFIG_FILE),
      dataDir: mkdtempSync(join(tmpdir(), 'sluice-doctor-')),
      timeScale: 0,
      releaseStore: 'memory',
    });
    server = await listen(createApp(runtime, { apiToken: TOKEN }));
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
  });

  it('exits 0 on the example config, with at least 10 checks per environment in the issue’s JSON shape', async () => {
    // Act
    const { code, output } = await doctor({
      url: server.url,
      apiToken: TOKEN,
      config: EXAMPLE_CONFIG_FILE,
      json: true,
    });

    // Assess
    expect(code).toBe(0);
    const report = JSON.parse(output) as DoctorReport;
    expect(report.environments.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
    for (const env of report.environments) {
      expect(env.checks.length).toBeGreaterThanOrEqual(10);
      for (const check of env.checks) expect(Object.keys(check).sort()).toEqual(['detail', 'id', 'status']);
    }
    expect(report.global.map((c) => c.id)).toContain('secret:github-webhook');
  });

  it('exits 1 and prints the fix when something else left the dev listener split', async () => {
    // Prepare: another tool writes the listener; no release runs.
    const { listenerArn, targetGroups } = runtime.config.environments[0]!;
    runtime.alb.setWeights(listenerArn, { [targetGroups.blue]: 70, [targetGroups.green]: 30 });

    try {
      // Act
      const { code, output } = await doctor({
        url: server.url,
        apiToken: TOKEN,
        config: EXAMPLE_CONFIG_FILE,
      });

      // Assess
      expect(code).toBe(1);
      expect(output).toMatch(/✗ traffic +blue 70 \/ green 30 and no release runs: traffic is left split/);
      expect(output).toMatch(/fix: run `sluice rollback --env dev`/);
      // Read-only: the doctor left the weights as it found them.
      expect(runtime.alb.readWeights(listenerArn)).toEqual({
        [targetGroups.blue]: 70,
        [targetGroups.green]: 30,
      });
    } finally {
      runtime.alb.setWeights(listenerArn, { [targetGroups.blue]: 100, [targetGroups.green]: 0 });
    }
  });

  it('exits 2 with the reason when no `sluice serve` answers', async () => {
    const { code, output } = await doctor({
      url: 'http://127.0.0.1:9',
      apiToken: TOKEN,
      config: EXAMPLE_CONFIG_FILE,
    });

    expect(code).toBe(2);
    expect(output).toMatch(
      /^sluice doctor could not run: cannot reach `sluice serve` at http:\/\/127.0.0.1:9/,
    );
  });

  it('exits 2 when the server refuses the token', async () => {
    const { code, output } = await doctor({
      url: server.url,
      apiToken: 'wrong',
      config: EXAMPLE_CONFIG_FILE,
    });

    expect(code).toBe(2);
    expect(output).toContain('answered 401');
  });
});

describe('Command: sluice doctor --help', () => {
  it('says that doctor is read-only and what its exit codes mean', async () => {
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const { code } = await runCli('doctor', '--help');

      expect(code).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(written.join('')).toMatch(/read-only: no check changes anything/);
    expect(written.join('')).toMatch(/2 doctor could not run/);
  });
});
