import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubDeployments } from '../../functions/shared/aws/github-deployments.js';
import { SlackNotifier } from '../../functions/shared/aws/slack-notifier.js';

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

describe('Class: SlackNotifier (@slack/web-api)', () => {
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
      expect(slack.seen[0]!.headers.authorization).toBe('Bearer xoxb-test-token');
      const form = new URLSearchParams(slack.seen[0]!.body);
      const fields = slack.seen[0]!.headers['content-type']?.includes('json')
        ? JSON.parse(slack.seen[0]!.body)
        : Object.fromEntries(form);
      expect(fields).toMatchObject({ channel: 'C0RELEASES', text: 'hello', thread_ts: '1.0' });
      expect(String(fields.reply_broadcast)).toBe('true');
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
