import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { Approval } from '../functions/shared/domain/approval.js';
import { approversOf, environmentNamed } from '../functions/shared/domain/environments.js';
import { isTerminal } from '../functions/shared/domain/release.js';
import type { EmbeddedRuntime } from './runtime.js';
import { blockActionsPayload, type ClickAction, formBody, slackHeaders } from './slack-interaction.js';

/** A pending approval as the page and `sluice approve` see it: never its token. */
export interface PendingApproval extends Approval {
  approvers: readonly string[];
}

/** Approvals still waiting: pending, not expired, their release still running. */
export async function pendingApprovals(runtime: EmbeddedRuntime): Promise<PendingApproval[]> {
  const now = Date.now();
  const pending: PendingApproval[] = [];
  for (const approval of await runtime.ports.approvals().list()) {
    if (approval.status !== 'pending' || Date.parse(approval.expiresAt) <= now) continue;
    const record = await runtime.ports.releases().get(approval.releaseId, approval.environment);
    // A request whose post failed and was retried: the release waits on the newer approval.
    if (!record || isTerminal(record) || (record.approval && record.approval.id !== approval.id)) continue;
    pending.push({
      ...approval,
      approvers: approversOf(environmentNamed(runtime.config, approval.environment)),
    });
  }
  return pending;
}

/**
 * Clicks Approve / Reject as Slack would: a block_actions payload signed with the signing secret
 * (which never leaves this process), posted to the app's own POST /slack/interactions, so the
 * same route and handler decide. Returns the HTTP status and what Slack would have shown the user.
 */
export async function clickAsSlack(
  runtime: EmbeddedRuntime,
  app: Hono,
  click: { approvalId: string; action: Extract<ClickAction, 'approve' | 'reject'>; user?: string },
): Promise<{ status: number; user: string; said: string[] }> {
  const approval = await runtime.ports.approvals().get(click.approvalId);
  const approvers = approversOf(environmentNamed(runtime.config, approval?.environment));
  // Locally, the person at the keyboard acts as the first approver named by user id, unless told otherwise.
  const user = click.user ?? approvers.find((a) => !a.startsWith('S')) ?? 'U0LOCAL';
  const responseUrl = `local://responses/${randomUUID()}`;
  const body = formBody(
    blockActionsPayload({
      action: click.action,
      value: click.approvalId,
      user,
      responseUrl,
      ...(approval?.message ? { channel: approval.message.channel, messageTs: approval.message.ts } : {}),
    }),
  );
  const secret = await runtime.ports.secrets().get('slack-signing');
  const response = await app.request('http://127.0.0.1/slack/interactions', {
    method: 'POST',
    headers: slackHeaders(secret, body),
    body,
  });
  const said = runtime.notifications.slack.messages
    .filter((m) => m.ephemeral?.responseUrl === responseUrl)
    .map((m) => m.text);
  return { status: response.status, user, said };
}
