import type { Approval } from '../domain/approval.js';
import type { EnvironmentConfig } from '../domain/config.js';
import { approversOf } from '../domain/environments.js';
import { isReleaseRecord, type ReleaseRecord } from '../domain/release.js';
import { approvalRequest } from '../domain/slack-messages.js';
import type { Ports, PostedMessage } from '../ports/index.js';

/** What posting an approval request touches. */
export type ApprovalRequestPorts = Pick<Ports, 'releases' | 'approvals' | 'threads' | 'notifier'>;

/**
 * Posts the approval request with its buttons, in the release's thread when it has one (and
 * broadcast to the channel), and records where it went so a decision can update it.
 */
export async function postApprovalRequest(
  p: ApprovalRequestPorts,
  approval: Approval,
  record: ReleaseRecord,
  env: EnvironmentConfig,
  channel: string,
): Promise<PostedMessage> {
  const evidence = (await p.releases().recordsOf(record.releaseId))
    .filter(isReleaseRecord)
    .filter((r) => r.environment !== record.environment);
  const approvers = approversOf(env);
  const thread = await p.threads().get(record.releaseId, record.environment);
  const posted = await p
    .notifier()
    .post(
      thread?.channel ?? channel,
      approvalRequest(approval, record, env, approvers, evidence),
      thread?.threadTs ? { ts: thread.threadTs, broadcast: true } : undefined,
    );
  await p.approvals().setMessage(approval.id, posted);
  return posted;
}
