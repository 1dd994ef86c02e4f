/**
 * Issue 21's "Done when", on the demo's own story told in-process: a healthy push promoted, a
 * faulty one rolled back by its alarm. What operators read — the Slack messages `/api/messages`
 * serves, the demo's JSON report and printed lines, `sluice status --metrics --json` — says what
 * happened in words: no ARN, no snake_case event name, no empty detail; one Slack message per
 * release and environment, updated in place (chat.update); DORA's four metrics with their counts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { type DemoReport, narrator, printSummary, releaseResult, webhookWords } from '../../cli/demo.js';
import { alarmWords } from '../../cli/format.js';
import type { ConfigFile } from '../../embedded/config.js';
import { createApp, listen, type RunningServer } from '../../embedded/server.js';
import { metricsOf } from '../../functions/shared/control/delivery-metrics.js';
import type { DeliveryMetrics } from '../../functions/shared/domain/delivery-metrics.js';
import { ALARM, SCALED, Scenario, scenarioConfig, shaOf } from '../scenarios/harness.js';
import { runCli } from '../support/cli.js';
import { chromiumPath, describeWithTool } from '../support/tools.js';

const TOKEN = 'operator-output-test';
const HEALTHY = shaOf('operator healthy');
const FAULTY = shaOf('operator faulty');

/** Slack's own markup, which is not prose: emoji shortcodes and date tokens (`{date_short_pretty}`). */
const slackMarkup = (text: string) =>
  text.replace(/(^|\s):[a-z0-9_+-]+:(?=\s|$)/g, '$1').replace(/<!date\^[^>]*>/g, '');
const SNAKE = /\b[a-z]+_[a-z_]+\b/g;
const ARN = /arn:aws/;

/** What a person should never read: each finding names the text it was found in. */
function findings(texts: string[]): string[] {
  const found: string[] = [];
  for (const text of texts) {
    if (ARN.test(text)) found.push(`ARN in: ${text}`);
    const prose = slackMarkup(text);
    if (/\{"|"\w+":/.test(prose)) found.push(`raw JSON in: ${text}`);
    for (const word of prose.match(SNAKE) ?? []) found.push(`snake_case "${word}" in: ${text}`);
    if (prose.trim() === '') found.push(`empty text: ${JSON.stringify(text)}`);
    // an empty detail: "verifying_build: " with nothing after it, or a value never filled in
    if (/:\s*$/m.test(prose)) found.push(`empty detail in: ${text}`);
    if (/\b(undefined|null|NaN)\b/.test(prose)) found.push(`unfilled value in: ${text}`);
  }
  return found;
}

/** Every string in a JSON value: its keys and its values. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, v]) => [key, ...stringsOf(v)]);
  return [];
}

/** The text of a Slack message a person reads: its fallback text and every text of its blocks. */
function messageTexts(message: { text: string; blocks?: unknown[] }): string[] {
  const texts = [message.text];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'text' && typeof value === 'string') texts.push(value);
        else if (key !== 'action_id' && key !== 'value' && key !== 'url') visit(value);
      }
    }
  };
  visit(message.blocks ?? []);
  return texts;
}

let scenario: Scenario;
let server: RunningServer;
const printed: string[] = [];
const print = (line: string) => void printed.push(line);

beforeAll(async () => {
  // The scenario's one environment, with its release threads in a channel (as prod has them in the demo).
  const config: ConfigFile = { ...scenarioConfig(), slack: { channel: '#releases' } };
  const progress = { current: 'dev', envByExecution: new Map<string, string>() };
  scenario = await Scenario.start({
    config,
    timeScale: SCALED,
    onExecutionEvent: narrator(progress, print, false),
    onAlarmEvent: (event, result) => print(alarmWords(event.detail, result)),
    // The faulty version's errors: its alarm goes to ALARM once it takes its first share.
    interceptTask: async (fn, payload, invoke) => {
      const result = await invoke();
      const { step, release } = payload as { step?: { index: number }; release?: { sha: string } };
      if (fn === 'ShiftTraffic' && step?.index === 0 && release?.sha === FAULTY)
        scenario.runtime.cloudwatch.setAlarmState(ALARM, 'ALARM', 'injected: 5xx over threshold');
      return result;
    },
  });
  for (const sha of [HEALTHY, FAULTY]) {
    const pushed = await scenario.push(sha);
    for (const env of pushed.plan.environments) progress.envByExecution.set(env.executionName, env.name);
    print(`  webhook → ${pushed.status}: ${webhookWords(pushed.body)}`);
    await scenario.settle(pushed);
  }
  server = await listen(createApp(scenario.runtime, { apiToken: TOKEN }));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await scenario?.close();
});

describe('What operators read after the demo story (issue 21)', () => {
  it("flags what the issue quotes from Sluice's output before it spoke in words", () => {
    expect(
      findings([
        'began: holds prod; arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/checkout-prod-blue/3c4d serves 100%',
        'verifying_build: ',
        '✗ ReleaseEnvironment failed: {"type":"StateCaught"}',
      ]),
    ).toEqual([
      expect.stringMatching(/^ARN in/),
      expect.stringMatching(/^snake_case "verifying_build"/),
      expect.stringMatching(/^empty detail/),
      expect.stringMatching(/^raw JSON/),
    ]);
    // Slack's emoji and date tokens are markup, not prose
    expect(findings([':white_check_mark: Approved at <!date^1796474257^{date_short_pretty}|then>'])).toEqual(
      [],
    );
  });

  it('serves Slack messages in /api/messages with no ARN, no snake_case event name and no empty detail', async () => {
    // Act
    const response = await fetch(`${server.url}/api/messages`, { headers: { 'x-sluice-token': TOKEN } });
    const { messages } = (await response.json()) as {
      messages: { text: string; blocks?: unknown[]; threadTs?: string; updatedAt?: string }[];
    };

    // Assess
    expect(messages.length).toBeGreaterThan(2);
    expect(findings(messages.flatMap(messageTexts))).toEqual([]);
  });

  it('keeps one message per release and environment, updated in place, with its thread under it', async () => {
    const { messages } = (await (
      await fetch(`${server.url}/api/messages`, { headers: { 'x-sluice-token': TOKEN } })
    ).json()) as { messages: { ts: string; text: string; threadTs?: string; updatedAt?: string }[] };

    const top = messages.filter((m) => !m.threadTs);

    // One per (release, environment): two releases in dev.
    expect(top).toHaveLength(2);
    expect(top.map((m) => m.text)).toEqual([
      expect.stringContaining(HEALTHY.slice(0, 7)),
      expect.stringContaining(FAULTY.slice(0, 7)),
    ]);
    // chat.update kept each up to date: the final state, not the first post.
    for (const m of top) expect(m.updatedAt).toBeDefined();
    expect(top[0]?.text).toMatch(/succeeded/i);
    expect(top[1]?.text).toMatch(/rolled back/i);
    // Every other message is a reply in one of their threads.
    const threads = new Set(top.map((m) => m.ts));
    for (const reply of messages.filter((m) => m.threadTs)) expect(threads.has(reply.threadTs!)).toBe(true);
  });

  it("writes the demo's JSON report and prints its lines in words, with no engine event or raw JSON", async () => {
    // Prepare: the report as runDemo builds it, from the same records and the same functions
    const env = scenario.env;
    const releases = [];
    for (const sha of [HEALTHY, FAULTY]) {
      const record = (await scenario.runtime.ports.releases().list()).find(
        (r) => r.kind !== 'pipeline' && r.sha === sha,
      );
      if (record?.kind === 'pipeline' || !record) throw new Error(`no record of ${sha}`);
      releases.push(releaseResult(record, env.targetGroups, scenario.runtime.alb.epochs(env.listenerArn)));
    }
    const report: DemoReport = {
      ok: true,
      problems: [],
      durationMs: 1,
      load: { ratePerSecond: 0, requests: 0, byVersion: {} },
      route: ['dev'],
      releases,
      metrics: await metricsOf(scenario.runtime.ports),
    };

    // Act
    printSummary(report, print);

    // Assess: the faulty release's rollback is told in words, with what caught it
    expect(report.releases.map((r) => [r.outcome, r.status, r.rollback?.caughtBy])).toEqual([
      ['promoted', 'succeeded', undefined],
      ['rolled back', 'rolled back', 'alarm'],
    ]);
    expect(report.releases[1]?.rollback?.cause).toMatch(
      new RegExp(`^Rolled back: alarm ${ALARM} went to ALARM`),
    );
    expect(printed.join('\n')).toContain(
      `alarm ${ALARM}: OK → ALARM — shop-${FAULTY.slice(0, 12)} rolled back at once`,
    );
    expect(printed.join('\n')).not.toMatch(/StateCaught|"type":|\{"/);
    expect(findings(stringsOf(JSON.parse(JSON.stringify(report))))).toEqual([]);
    expect(findings(printed)).toEqual([]);
  });

  it('reports the four delivery metrics with their counts through `sluice status --metrics --json`', async () => {
    // Prepare: the CLI reads the server's API token where `sluice serve` leaves it, in .sluice/
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-'));
    mkdirSync(join(dir, '.sluice'));
    writeFileSync(join(dir, '.sluice', 'api-token'), `${TOKEN}\n`);

    // Act
    process.chdir(dir);
    let result: { code: number; output: string };
    try {
      result = await runCli('status', '--metrics', '--json', '--since', '7d', '--url', server.url);
    } finally {
      process.chdir(cwd);
    }

    // Assess
    expect(result.code).toBe(0);
    const metrics = JSON.parse(result.output) as DeliveryMetrics;
    expect(metrics.production).toBe('dev');
    expect(metrics.window.days).toBe(7);
    expect(metrics.deploymentFrequency).toEqual([
      expect.objectContaining({ environment: 'dev', deployments: 1, daysWithADeployment: 1 }),
    ]);
    // pushPayload's head_commit.timestamp is the commit time
    expect(metrics.leadTime).toEqual([
      expect.objectContaining({ environment: 'dev', n: 1, fromCommit: 1, fromPush: 0 }),
    ]);
    expect(metrics.changeFailureRate).toEqual([
      expect.objectContaining({ environment: 'dev', failed: 1, rolledBack: 1, deployments: 2, rate: 0.5 }),
    ]);
    // from the alarm's own state change to traffic restored, in whole milliseconds
    const [restore] = metrics.timeToRestore;
    expect(restore).toMatchObject({ environment: 'dev', n: 1, byTrigger: { alarm: 1 } });
    expect(Number.isInteger(restore?.medianMs)).toBe(true);
    expect(restore?.medianMs).toBeGreaterThanOrEqual(0);
  });

  it('prints the metrics in words, and refuses an unknown production environment', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-metrics-'));
    mkdirSync(join(dir, '.sluice'));
    writeFileSync(join(dir, '.sluice', 'api-token'), `${TOKEN}\n`);
    process.chdir(dir);
    let text: { code: number; output: string };
    let unknown: { code: number; output: string };
    let badWindow: { code: number; output: string };
    try {
      text = await runCli('status', '--metrics', '--url', server.url);
      unknown = await runCli('status', '--metrics', '--production', 'qa', '--url', server.url);
      badWindow = await runCli('status', '--metrics', '--since', 'soon', '--url', server.url);
    } finally {
      process.chdir(cwd);
    }

    expect(text.code).toBe(0);
    expect(text.output).toContain('dev (production)');
    expect(text.output).toContain('change failure rate: 1/2 = 50% (1 rolled back, 0 failed');
    expect(text.output).toMatch(/time to restore: median [\d,]+ ms, p90 [\d,]+ ms \(n=1: 1 by the alarm\)/);
    expect(findings(text.output.split('\n').filter((line) => line.trim()))).toEqual([]);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('no environment named qa');
    expect(badWindow.code).toBe(2);
  });
});

describe('The CLI answers in words (issue 21, item 6)', () => {
  /** Runs the CLI against the scenario's server, with the server's token where the CLI reads it. */
  async function cli(...args: string[]) {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'sluice-words-'));
    mkdirSync(join(dir, '.sluice'));
    writeFileSync(join(dir, '.sluice', 'api-token'), `${TOKEN}\n`);
    process.chdir(dir);
    try {
      return await runCli(...args, '--url', server.url, '-c', join(cwd, 'sluice.config.yaml'));
    } finally {
      process.chdir(cwd);
    }
  }

  it('starts and ends a freeze, saying who froze what and why; --json gives the record', async () => {
    const started = await cli('freeze', 'start', '--env', 'dev', '--reason', 'incident 42', '--by', 'ana');
    const ended = await cli('freeze', 'end', '--env', 'dev', '--by', 'ana', '--json');
    const none = await cli('freeze', 'end', '--env', 'dev', '--by', 'ana');

    expect(started.code).toBe(0);
    expect(started.output).toMatch(/^dev frozen by ana since \S+ until `sluice freeze end`: incident 42$/);
    expect(JSON.parse(ended.output)).toMatchObject({
      ended: { environment: 'dev', by: 'ana', endedBy: 'ana' },
    });
    expect(none.code).toBe(1);
    expect(none.output).toBe('sluice serve answered 409: dev has no freeze in force');
  });

  it("gives the server's refusal as its message, not as JSON", async () => {
    // the API answers {"error": "…"} with 409 for a manual action it refuses
    const refused = await cli('freeze', 'start', '--env', 'qa', '--reason', 'x');

    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/^sluice serve answered 409: no environment named qa \(dev\)$/);
  });
});

describeWithTool('chromium', 'Browser: the delivery metrics on the local page', () => {
  it("shows each environment's four metrics with their counts, from /api/metrics", async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);

      const dev = page.locator('#metrics tr[data-environment="dev"]');
      await dev.waitFor({ timeout: 30_000 });

      const cells = await dev.locator('td').allInnerTexts();
      expect(cells[0]).toBe('dev (production)');
      expect(cells[1]).toBe('1 (0.2333/week)');
      expect(cells[2]).toMatch(/^median [\d,]+ ms, p90 [\d,]+ ms \(n=1\)$/);
      expect(cells[3]).toBe('1/2 = 50%');
      expect(cells[4]).toMatch(/^median [\d,]+ ms, p90 [\d,]+ ms \(n=1\)$/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
