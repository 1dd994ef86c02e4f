import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubDeployments } from '../../functions/shared/aws/github-deployments.js';
import { SlackNotifier } from '../../functions/shared/aws/slack-notifier.js';
import { SlackApiError, SlackWebApi } from '../../functions/shared/aws/slack-web-api.js';

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server that records each request and answers with what `reply` says. */
async function recorder(reply: (seen: Seen) => unknown) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      seen.push(entry);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply(entry)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('Class: SlackNotifier', () => {
  /*
   * chat.postMessage, chat.update and usergroups.users.list are form- or JSON-encoded POSTs to
   * https://slack.com/api/<method> with the bot token as a Bearer token; replies carry ok, channel
   * and ts (https://docs.slack.dev/reference/methods/chat.postMessage, …/chat.update,
   * …/usergroups.users.list).
   */
  it('posts into a thread with the bot token, updates by channel and ts, and lists a group', async () => {
    const slack = await recorder((s) =>
      s.path.endsWith('usergroups.users.list')
        ? { ok: true, users: ['U1', 'U2'] }
        : { ok: true, channel: 'C0RELEASES', ts: '1700000000.000200' },
    );
    try {
      const notifier = new SlackNotifier(async () => 'xoxb-test-token', `${slack.url}/api/`);

      const posted = await notifier.post(
        'C0RELEASES',
        { text: 'hello', blocks: [] },
        { ts: '1.0', broadcast: true },
      );
      await notifier.update(posted, { text: 'decided' });
      const members = await notifier.groupMembers('S0RELEASE');

      expect(posted).toEqual({ channel: 'C0RELEASES', ts: '1700000000.000200' });
      expect(members).toEqual(['U1', 'U2']);
      expect(slack.seen.map((s) => s.path)).toEqual([
        '/api/chat.postMessage',
        '/api/chat.update',
        '/api/usergroups.users.list',
      ]);
      expect(slack.seen.map((s) => s.headers.authorization)).toEqual(Array(3).fill('Bearer xoxb-test-token'));
      // Writes with Block Kit travel as JSON (Slack recommends it for them), reads as form fields.
      expect(slack.seen[0]!.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(slack.seen[0]!.body)).toEqual({
        channel: 'C0RELEASES',
        text: 'hello',
        blocks: [],
        thread_ts: '1.0',
        reply_broadcast: true,
      });
      expect(JSON.parse(slack.seen[1]!.body)).toEqual({
        channel: 'C0RELEASES',
        ts: '1700000000.000200',
        text: 'decided',
        blocks: [],
      });
      expect(slack.seen[2]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(Object.fromEntries(new URLSearchParams(slack.seen[2]!.body))).toEqual({
        usergroup: 'S0RELEASE',
      });
    } finally {
      await slack.close();
    }
  });

  it('answers through response_url only when it is a Slack URL', async () => {
    const notifier = new SlackNotifier(async () => 'xoxb-test-token');

    await expect(
      notifier.respond('http://169.254.169.254/latest', { text: 'no', ephemeral: true }),
    ).rejects.toThrow('not a Slack URL');
  });
});

describe('Class: SlackWebApi', () => {
  /*
   * Slack answers HTTP 200 with `ok: false` and an error code when a method fails, and HTTP 429
   * with Retry-After (seconds) when a method is rate limited (docs.slack.dev/apis/web-api,
   * …/apis/web-api/rate-limits).
   */
  it("rejects an ok:false answer with Slack's error code, and never puts the token in it", async () => {
    const slack = await recorder(() => ({ ok: false, error: 'channel_not_found' }));
    try {
      const web = new SlackWebApi('xoxb-secret-token', { apiUrl: `${slack.url}/api/` });

      const error = await web.call('conversations.info', { channel: 'C0GONE' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(SlackApiError);
      expect(error).toMatchObject({ name: 'SlackApiError', data: { error: 'channel_not_found' } });
      expect(String((error as Error).message)).not.toContain('xoxb-secret-token');
      expect(slack.seen).toHaveLength(1);
    } finally {
      await slack.close();
    }
  });

  it('waits out a 429 for its Retry-After, then retries; a 5xx is retried up to the limit', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '0' });
        res.end();
        return;
      }
      if (calls === 2) {
        res.writeHead(503);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, user_id: 'UBOT' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

      const answer = await new SlackWebApi('xoxb-test', { apiUrl: url, retries: 2 }).call<{
        user_id: string;
      }>('auth.test');
      calls = 0;
      const exhausted = new SlackWebApi('xoxb-test', { apiUrl: url, retries: 1 }).call('auth.test');

      expect(answer.user_id).toBe('UBOT');
      await expect(exhausted).rejects.toMatchObject({ name: 'SlackHttpError' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('fails at once on a Retry-After longer than it may wait', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;

      const started = Date.now();
      const call = new SlackWebApi('xoxb-test', { apiUrl: url, maxRetryAfterMs: 30_000 }).call('auth.test');

      await expect(call).rejects.toThrow('Slack auth.test answered HTTP 429');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('Class: GitHubDeployments', () => {
  it('creates a deployment for the commit and environment, then its statuses', async () => {
    const github = await recorder((s) => (s.path.endsWith('/deployments') ? { id: 42 } : { id: 7 }));
    try {
      const deployments = new GitHubDeployments(async () => 'ghs_token', github.url);

      const id = await deployments.create({
        repository: 'acme/checkout',
        sha: 'a'.repeat(40),
        environment: 'prod',
        description: 'Sluice release',
      });
      await deployments.setStatus('acme/checkout', id, 'success', 'promoted');

      expect(id).toBe(42);
      expect(github.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
        'POST /repos/acme/checkout/deployments',
        'POST /repos/acme/checkout/deployments/42/statuses',
      ]);
      expect(github.seen[0]!.headers.authorization).toBe('Bearer ghs_token');
      expect(JSON.parse(github.seen[0]!.body)).toMatchObject({
        ref: 'a'.repeat(40),
        environment: 'prod',
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
      });
      expect(JSON.parse(github.seen[1]!.body)).toEqual({
        state: 'success',
        description: 'promoted',
        auto_inactive: true,
      });
    } finally {
      await github.close();
    }
  });
});
