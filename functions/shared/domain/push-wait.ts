/** How long a release waits for a push between it and another to be received before receipt time decides. */
export const PUSH_WAIT_MS = 10_000;
/** How often it reads the push log again meanwhile. */
export const PUSH_POLL_MS = 200;

/**
 * One release's budget for waiting on missing pushes: one per BeginRelease invocation, however
 * many comparisons it makes. It runs out PUSH_WAIT_MS after the release's own push was received
 * (so a retried BeginRelease does not wait again), never later than PUSH_WAIT_MS after the
 * invocation began, and after PUSH_WAIT_MS / PUSH_POLL_MS polls at most. The receipt time is
 * read only when a wait is first asked for (it costs a read of the push log).
 */
export class PushWaitBudget {
  private pollsLeft = Math.ceil(PUSH_WAIT_MS / PUSH_POLL_MS);
  private deadline: Promise<number> | undefined;

  constructor(
    private readonly startedAt: number,
    private readonly ownPushReceivedAt: () => Promise<number | undefined>,
  ) {}

  /** Whether no more waiting is allowed at `now` (epoch ms). */
  async exhausted(now: number): Promise<boolean> {
    if (this.pollsLeft <= 0) return true;
    this.deadline ??= this.ownPushReceivedAt().then((received) =>
      received !== undefined && Number.isFinite(received)
        ? Math.min(received, this.startedAt) + PUSH_WAIT_MS
        : this.startedAt,
    );
    return now >= (await this.deadline);
  }

  /** Takes one poll from the budget. */
  spend(): void {
    this.pollsLeft--;
  }
}
