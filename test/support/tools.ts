import { randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Tools some suites need beyond Node and npm. On a laptop without them those suites are skipped,
 * with one line each (printed by `announceSkippedSuites` below, jest's globalSetup); `.ci/run` sets SLUICE_REQUIRE_TOOLS=1, and
 * there a missing tool fails the run instead.
 */
export const TOOLS = {
  moto_server: {
    available: () => onPath('moto_server'),
    enable: "pip install 'moto[server]' (a local AWS API emulator)",
    skips: 'the AWS adapter integration tests against moto_server',
  },
  'cfn-lint': {
    available: () => onPath('cfn-lint'),
    enable: 'pip install cfn-lint (the CloudFormation linter)',
    skips: 'cfn-lint on the synthesized multi-account templates',
  },
  chromium: {
    available: () => existsSync(chromiumPath()),
    enable: 'apt-get install -y chromium (or set SLUICE_CHROMIUM to a Chromium binary)',
    skips: 'the browser tests of the local approvals page',
  },
} as const;

export type Tool = keyof typeof TOOLS;

/** Debian's chromium; playwright's own browser download fails on machines without internet. */
export function chromiumPath(): string {
  return process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';
}

/** `describe` when the tool is here, `describe.skip` (with the reason in its title) when not. */
export function describeWithTool(tool: Tool, name: string, body: () => void): void {
  if (TOOLS[tool].available()) {
    describe(name, body);
    return;
  }
  if (process.env.SLUICE_REQUIRE_TOOLS === '1') {
    throw new Error(`${tool} is required here (SLUICE_REQUIRE_TOOLS=1) but missing: ${TOOLS[tool].enable}`);
  }
  describe.skip(`${name} (skipped: ${tool} is not installed; ${TOOLS[tool].enable})`, body);
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * jest's globalSetup: names the run (the workers inherit SLUICE_TEST_RUN: see startMoto in
 * moto-server.ts), and says once, before the run, what this machine lacks and so what it skips.
 */
export default function announceSkippedSuites(): void {
  process.env.SLUICE_TEST_RUN ??= randomUUID();
  for (const tool of Object.keys(TOOLS) as Tool[]) {
    const { available, enable, skips } = TOOLS[tool];
    if (available()) continue;
    const fate = process.env.SLUICE_REQUIRE_TOOLS === '1' ? 'FAIL (required in CI)' : 'are skipped';
    process.stdout.write(`\n${tool} not found: ${skips} ${fate}. To run them: ${enable}\n`);
  }
}
