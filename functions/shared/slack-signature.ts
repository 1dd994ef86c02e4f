import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack rejects nothing itself: a request older than this is a replay, and refused. */
export const SLACK_MAX_SKEW_SECONDS = 300;

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with the
 * app's signing secret (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export type SignatureCheck = 'valid' | 'missing' | 'stale' | 'mismatch';

/** Checks the headers against the raw body, before anything in the body is read. */
export function checkSlackSignature(request: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  nowSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = request;
  if (!timestamp || !signature?.startsWith('v0=')) return 'missing';
  const sent = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(request.nowSeconds - sent) > SLACK_MAX_SKEW_SECONDS)
    return 'stale';
  const expected = Buffer.from(slackSignature(request.secret, timestamp, request.body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? 'valid' : 'mismatch';
}

/**
 * A click handed to a second invocation is sealed with the signing secret: the deferred event
 * reaches the function through lambda:InvokeFunction, which other principals may hold, and must
 * not let them decide as an approver without Slack's signature. HMAC-SHA256 over the issue time
 * and the action's JSON, under a key derived for this purpose alone.
 */
export function sealDeferred(secret: string, issuedAt: number, actionJson: string): string {
  const key = createHmac('sha256', secret).update('sluice-deferred-slack-action-v1').digest();
  return createHmac('sha256', key).update(`${issuedAt}:${actionJson}`).digest('hex');
}

/** Whether a deferred event's seal holds, compared in constant time. */
export function sealHolds(secret: string, issuedAt: number, actionJson: string, seal: string): boolean {
  const expected = Buffer.from(sealDeferred(secret, issuedAt, actionJson));
  const given = Buffer.from(seal);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
