import type { PushRef } from '../domain/push-order.js';

/** A push as the webhook received it: which commit the branch moved from and to, and when. */
export interface PushRecord extends PushRef {
  /** When the webhook received the delivery (ISO). */
  receivedAt: string;
  deliveryId?: string;
}

/** The newest push of a branch that took an environment's lock: what a later push is ordered against. */
export interface BranchHead {
  environment: string;
  branch: string;
  sha: string;
  releaseId: string;
  executionName: string;
}

/**
 * Every push to a release branch, recorded on receipt, and per environment the newest push of
 * each branch that began there. Webhook deliveries (and the executions they start) arrive in no
 * particular order; the pushes' own `before` → `after` chain says which is newer.
 */
export interface PushLog {
  /**
   * Records a push. A redelivery keeps the first receipt: the same delivery id (GitHub's
   * X-GitHub-Delivery names the event, and its redeliveries carry it too), or, without ids, the
   * same branch, commit and `before`. True when the push was recorded as a new one.
   */
  record(push: PushRecord): Promise<boolean>;
  /** The recorded push that moved `branch` to `sha`, if any. */
  get(branch: string, sha: string): Promise<PushRecord | undefined>;
  head(environment: string, branch: string): Promise<BranchHead | undefined>;
  /**
   * Moves the branch's head in the environment to `head` only if it is still at `expectedSha`
   * (undefined: no head yet), with a conditional write; false when another release moved it first.
   */
  advanceHead(head: BranchHead, expectedSha: string | undefined): Promise<boolean>;
}
