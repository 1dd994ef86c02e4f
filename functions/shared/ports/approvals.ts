import type { Approval, ApprovalDecision } from '../domain/approval.js';

export type DecideResult =
  | { won: true; approval: Approval; taskToken: string }
  | { won: false; approval: Approval | undefined };

/**
 * Pending approvals and their task tokens. The token goes in once and comes out only to the
 * one caller whose conditional write decided the approval: no read returns it, so no record
 * that an API lists, logs or renders can carry it.
 */
export interface ApprovalStore {
  create(approval: Approval, taskToken: string): Promise<void>;
  get(id: string): Promise<Approval | undefined>;
  /** Every approval, newest first (without tokens). */
  list(): Promise<Approval[]>;
  /** Where the approval message was posted, so a decision can update it. */
  setMessage(id: string, message: { channel: string; ts: string }): Promise<void>;
  /** Pending → decided, with a conditional write: of concurrent callers exactly one wins. */
  decide(id: string, decision: ApprovalDecision): Promise<DecideResult>;
  /**
   * A decided approval not delivered yet (no delivery recorded, or the last send `failed`), with
   * its token, so the decision can be sent again; undefined while it is pending, once it is
   * `delivered` or `closed`, or if it is unknown.
   */
  undelivered(id: string): Promise<{ approval: Approval; taskToken: string } | undefined>;
  /**
   * Records what sending the decision found; after `delivered` or `closed` the token never comes
   * out again. Only `delivered` replaces an outcome: two clicks can send the same token, and the
   * second finds it closed because the first one delivered it.
   */
  setDelivery(id: string, delivery: NonNullable<Approval['delivery']>): Promise<void>;
}

/** What the notifier remembers per release and environment: its Slack thread and GitHub deployment. */
export interface ThreadState {
  releaseId: string;
  environment: string;
  channel?: string;
  threadTs?: string;
  deploymentId?: number;
  /** History entries already posted to Slack (the record's history is append-only). */
  notified: number;
  /** History entries already reflected in GitHub deployment statuses. */
  deployed: number;
  /** A fingerprint of the release's message as last posted or updated, to skip an update that changes nothing. */
  card?: string;
}

export interface ThreadStore {
  get(releaseId: string, environment: string): Promise<ThreadState | undefined>;
  put(state: ThreadState): Promise<void>;
  /** The newest thread of an environment whose deployment succeeded, to mark it inactive. */
  list(): Promise<ThreadState[]>;
}
