import type { SluiceErrorName } from './errors.js';
/** An approval a release waits on; the task token that resumes it is stored beside it, never in it. */
export interface Approval {
  /** Short and opaque: a Slack button value holds 2,000 characters and a task token can be longer. */
  id: string;
  releaseId: string;
  environment: string;
  executionName: string;
  service: string;
  version: string;
  channel: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: string;
  expiresAt: string;
  message?: { channel: string; ts: string };
  decidedBy?: string;
  decidedAt?: string;
  /**
   * Whether the decision reached the waiting task: until it is `delivered` or `closed`, a decided
   * approval is recoverable and a later click sends its token again; `failed` says the last send
   * was neither (throttling, network), so the next click need not wait for it.
   */
  delivery?: { outcome: 'delivered' | 'closed' | 'failed'; at: string };
}

export interface ApprovalDecision {
  status: 'approved' | 'rejected';
  by: string;
  at: string;
}

/**
 * The Slack interactions Lambda's timeout. A decision younger than this, with no delivery
 * recorded, may still be on its way: a second click leaves it to its decider.
 */
export const SLACK_INTERACTION_TIMEOUT_SECONDS = 15;

/**
 * How long Lambda keeps a click queued for the function's second invocation (the stack's
 * MaximumEventAgeInSeconds) and the oldest deferred event the handler accepts: Slack's
 * response_url lasts 30 minutes, and a click acted on much later would surprise its approver.
 */
export const DEFERRED_MAX_EVENT_AGE_SECONDS = 15 * 60;

/** The Slack action ids of the approval message and of a baking release's thread. */
export const ACTIONS = {
  approve: 'sluice_approve',
  reject: 'sluice_reject',
  abort: 'sluice_abort',
  promoteNow: 'sluice_promote_now',
} as const;

/** The error a rejection fails the approval Task with; the state machine catches it by name. */
export const APPROVAL_REJECTED = 'ApprovalRejectedError' satisfies SluiceErrorName;

/** Slack user group ids start with S; user ids with U or W. */
export const isUserGroup = (approver: string) => /^S[A-Z0-9]+$/.test(approver);

/** Whether a user may decide: named directly, or a member of a named user group. */
export async function mayApprove(
  userId: string,
  approvers: readonly string[],
  groupMembers: (groupId: string) => Promise<string[]>,
): Promise<boolean> {
  if (approvers.includes(userId)) return true;
  for (const group of approvers.filter(isUserGroup)) {
    if ((await groupMembers(group)).includes(userId)) return true;
  }
  return false;
}
