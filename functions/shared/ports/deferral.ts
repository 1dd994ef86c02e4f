/** A verified Slack button click, as the deferred invocation needs it (no secret, no task token). */
export interface SlackAction {
  actionId: string;
  value: string;
  user: string;
  /** Slack's response_url for this click: what the user is told goes there. */
  responseUrl: string;
}

/**
 * Runs a Slack action in a second invocation of the same function, after the click has been
 * answered: Slack shows an error unless it has a 200 within 3 s, and a decision on a cold start
 * (secrets, user groups, DynamoDB, SendTaskSuccess, StopExecution) can take longer.
 */
export interface Deferral {
  /** Queues the sealed action; resolves once it is queued, not once it ran. */
  defer(event: DeferredSlackEvent): Promise<void>;
}

/**
 * The event a deferred Slack action arrives as: a direct invocation, never an HTTP request. The
 * seal (HMAC with the signing secret over `issuedAt` and the action) proves the function itself
 * queued it after checking Slack's signature.
 */
export interface DeferredSlackEvent {
  sluiceDeferredSlackAction: SlackAction;
  /** Seconds since the epoch when the click was verified. */
  issuedAt: number;
  seal: string;
}

export const isDeferredSlackEvent = (event: unknown): event is DeferredSlackEvent =>
  typeof event === 'object' && event !== null && 'sluiceDeferredSlackAction' in event;
