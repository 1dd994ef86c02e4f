import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { startLoad } from '../../embedded/load.js';
import { createApp, listen, type RunningServer } from '../../embedded/server.js';
import { ALARM, SCALED, Scenario, scenarioConfig, shaOf } from '../scenarios/harness.js';
import { chromiumPath, describeWithTool } from '../support/tools.js';

/** Debian's chromium (`apt-get install -y chromium`); `.ci/run` installs it where it is missing. */
const CHROMIUM = chromiumPath();
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/**
 * Keeps a picture of one element. The page rebuilds its lists every second, so an element
 * screenshot can lose its node mid-capture: this clips a page screenshot to the element's box.
 */
async function screenshotOf(page: Page, element: Locator, file: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const clip = await element.boundingBox();
  await page.screenshot({
    path: new URL(file, ARTIFACTS).pathname,
    fullPage: true,
    ...(clip ? { clip } : {}),
  });
}

let scenario: Scenario | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  await scenario?.close();
  scenario = undefined;
  server = undefined;
});

describeWithTool('chromium', 'Browser: the local approvals page', () => {
  // One chromium for the file (a launch costs seconds of CPU); each test has its own page in a
  // fresh browser context (newPage), so no cookie or storage passes from one test to the next.
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists a pending approval, and clicking Approve moves the release on', async () => {
    // Prepare: a release waiting for its approval, behind a real `sluice serve` app
    scenario = await Scenario.start({
      config: scenarioConfig({
        approval: { type: 'slack', channel: 'C0RELEASES', approvers: ['U024BE7LH'], timeout: '1h' },
      }),
    });
    server = await listen(createApp(scenario.runtime, { apiToken: 'browser-test-token' }));
    const pushed = await scenario.push(shaOf('browser'));
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      await page.goto(`${server.url}/`);

      // Act: the page shows the approval (once its message is posted) and its buttons
      const approve = page.locator('.approval button.approve');
      await approve.waitFor({ timeout: 30_000 });
      await approve.click();

      // Assess: the release moves on to its canary, and the page says so
      const release = page.locator(`.release[data-release="${pushed.releaseId}"]`);
      // The history in words (release-words.ts): no event names, no Slack mention syntax.
      await release.locator('.history').getByText('Approved by U024BE7LH').waitFor({ timeout: 30_000 });
      await release
        .locator('.history li', { hasText: /Shifted \d+% to the new version/ })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.locator('.msg', { hasText: 'Approved by' }).first().waitFor({ timeout: 30_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('approval-page.png', ARTIFACTS).pathname, fullPage: true });
      expect(await page.locator('.approval').count()).toBe(0);
    } finally {
      await page.close();
    }
    const execution = await scenario.runtime.engine.wait(pushed.executionName);
    expect(execution.status).toBe('SUCCEEDED');
    expect(await scenario.record(pushed.releaseId)).toMatchObject({
      status: 'succeeded',
      approval: { status: 'approved', decidedBy: 'U024BE7LH' },
    });
  });

  it("shows a finished release's timeline: the weight, both versions' traffic and the markers", async () => {
    // Prepare: a release on the scaled clock (each bake 1 s) with traffic through the listener
    scenario = await Scenario.start({ timeScale: SCALED });
    server = await listen(createApp(scenario.runtime, { apiToken: 'browser-test-token' }));
    const load = startLoad({ url: scenario.runtime.listenerUrls.dev ?? '', ratePerSecond: 200 });
    const released = await scenario.release(shaOf('browser-timeline')).finally(() => load.stop());
    expect(released.record.status).toBe('succeeded');
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      // Act
      await page.goto(`${server.url}/`);
      const release = page.locator(`.release[data-release="${released.releaseId}"]`);
      const svg = release.locator('.timeline svg');
      await svg.waitFor({ state: 'visible', timeout: 30_000 });

      // Assess: drawn with a size, the weight path and both groups' traffic, the promotion marked
      const box = await svg.boundingBox();
      expect(box?.width).toBeGreaterThan(400);
      expect(box?.height).toBeGreaterThan(300);
      const weight = svg.locator('path[data-series="weight"]');
      expect(await weight.isVisible()).toBe(true);
      expect(await weight.getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+ H/);
      expect(await svg.locator('path[data-series="requests-green"]').count()).toBe(1);
      expect(await svg.locator('path[data-series="requests-blue"]').count()).toBe(1);
      expect(await svg.locator('g.marker[data-kind="promoted"]').count()).toBe(1);
      expect(await release.locator('.status').textContent()).toBe('succeeded');
      expect(await release.textContent()).not.toContain('arn:');
      await screenshotOf(page, release, 'timeline.png');
    } finally {
      await page.close();
    }
  });

  it("shows a rolled-back release's timeline: the new version's 5xx, the alarm and the rollback", async () => {
    // Prepare: the new version fails 30% of its requests; the alarm fires above 2 5xx a (scaled) period
    const config = scenarioConfig();
    const alarm = config.embedded.alarms[ALARM];
    if (alarm) alarm.threshold = 2;
    scenario = await Scenario.start({
      config,
      timeScale: SCALED,
      faults: (version) => (version === 'baseline' ? undefined : { errorRate: 0.3 }),
    });
    server = await listen(createApp(scenario.runtime, { apiToken: 'browser-test-token' }));
    const load = startLoad({ url: scenario.runtime.listenerUrls.dev ?? '', ratePerSecond: 200 });
    const released = await scenario.release(shaOf('browser-timeline-faulty')).finally(() => load.stop());
    expect(released.record.status).toBe('rolled_back');
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    try {
      // Act
      await page.goto(`${server.url}/`);
      const release = page.locator(`.release[data-release="${released.releaseId}"]`);
      const svg = release.locator('.timeline svg');
      await svg.waitFor({ state: 'visible', timeout: 30_000 });

      // Assess
      expect(await svg.locator('path[data-series="errors-green"]').count()).toBe(1);
      expect(await svg.locator('g.marker[data-kind="rollback"]').count()).toBeGreaterThan(0);
      expect(await release.locator('.status').textContent()).toBe('rolled back');
      expect(await release.textContent()).not.toContain('arn:');
      await screenshotOf(page, release, 'timeline-rolled-back.png');
    } finally {
      await page.close();
    }
  });

  it('refuses a cross-site request and an /api request without the token', async () => {
    scenario = await Scenario.start();
    server = await listen(createApp(scenario.runtime, { apiToken: 'browser-test-token' }));

    const crossSite = await fetch(`${server.url}/api/approvals/ap_x/approve`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'x-sluice-token': 'browser-test-token' },
    });
    // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 (fetch cannot set Host).
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server!.url}/api/releases`);
      http
        .get(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            headers: { host: 'evil.example:8787', 'x-sluice-token': 'browser-test-token' },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
    const noToken = await fetch(`${server.url}/api/releases`);

    expect(crossSite.status).toBe(403);
    expect(rebound).toBe(403);
    expect(noToken.status).toBe(401);
  });
});
