import { createHmac, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * A GitHub push event payload for a commit on a branch, shaped as GitHub sends it. `before` is
 * the commit the branch moved from; without one, the push creates the branch (all zeros), so
 * nothing orders it against other pushes but `pushedAt` (Unix seconds, default now) and receipt time.
 */
export function pushPayload(
  repository: string,
  branch: string,
  sha: string,
  options: { before?: string; pushedAt?: number; pusher?: string } = {},
) {
  const [owner, name] = repository.split('/');
  const { before = '0'.repeat(40), pusher = 'sluice-demo' } = options;
  const now = new Date().toISOString();
  return {
    ref: `refs/heads/${branch}`,
    before,
    after: sha,
    created: /^0+$/.test(before),
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${repository}/compare/${sha.slice(0, 12)}`,
    commits: [],
    head_commit: {
      id: sha,
      tree_id: sha,
      distinct: true,
      message: `release ${sha.slice(0, 7)}`,
      timestamp: now,
      url: `https://github.com/${repository}/commit/${sha}`,
      author: { name: pusher, email: `${pusher}@example.com` },
      committer: { name: pusher, email: `${pusher}@example.com` },
      added: [],
      removed: [],
      modified: [],
    },
    repository: {
      id: 1,
      name,
      full_name: repository,
      private: true,
      owner: { login: owner, name: owner },
      default_branch: 'main',
      // Push events carry the repository's pushed_at as Unix seconds (other events: ISO strings).
      pushed_at: options.pushedAt ?? Math.floor(Date.now() / 1000),
    },
    pusher: { name: pusher, email: `${pusher}@example.com` },
    sender: { login: pusher, id: 1, type: 'User' },
  };
}

/** GitHub's X-Hub-Signature-256 for a body. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The headers GitHub sends with a delivery, signed over the exact body. */
function githubHeaders(
  secret: string,
  event: string,
  body: string,
  deliveryId: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/sluice',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-hub-signature-256': signature(secret, body),
  };
}

/** Posts a signed webhook delivery the way GitHub does; returns the status and parsed body. */
export async function deliver(
  url: string,
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string = randomUUID(),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const body = JSON.stringify(payload);
  const response = await fetch(url, {
    method: 'POST',
    headers: githubHeaders(secret, event, body, deliveryId),
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A signed GitHub delivery as a Function URL hands it to the webhook Lambda. */
export function signedWebhookEvent(
  secret: string,
  event: string,
  body: string,
  deliveryId: string = randomUUID(),
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/webhooks/github',
    rawQueryString: '',
    headers: githubHeaders(secret, event, body, deliveryId),
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
