import { randomBytes } from 'node:crypto';
import type { TaskDelivery } from '../functions/shared/ports/orchestrator.js';

/** What `$$.Task.Token` resolves to in the engine's context; each wait replaces it with a fresh token. */
export const TASK_TOKEN_PLACEHOLDER = 'embedded-task-token';

interface Waiter {
  execution: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Task tokens awaiting SendTaskSuccess / SendTaskFailure: the embedded `.waitForTaskToken`.
 * As on AWS, a token is single-use and dies with its task: settling one that timed out, was
 * settled, or whose execution stopped is `closed` (Step Functions answers TaskTimedOut).
 */
export class TaskTokens {
  private readonly pending = new Map<string, Waiter>();

  /** A fresh opaque token, as long as Step Functions' are at their shortest. */
  issue(): string {
    return randomBytes(96).toString('base64url');
  }

  /** Registers a token and returns the promise its SendTask* call settles (or its timeout rejects). */
  await(token: string, execution: string, timeoutMs?: number): Promise<unknown> {
    const settled = new Promise((resolve, reject) => {
      const waiter: Waiter = { execution, resolve, reject };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(
          () => this.fail(token, named('States.Timeout', 'States.Timeout')),
          timeoutMs,
        );
      }
      this.pending.set(token, waiter);
    });
    // A stopped execution no longer awaits its task: the rejection that cancelExecution gives
    // its token must not become an unhandled rejection, which ends the whole process.
    settled.catch(() => undefined);
    return settled;
  }

  settle(token: string, outcome: { output: unknown } | { error: string; cause: string }): TaskDelivery {
    const waiter = this.take(token);
    if (!waiter) return 'closed';
    if ('output' in outcome) waiter.resolve(outcome.output);
    else waiter.reject(named(outcome.error, outcome.cause));
    return 'delivered';
  }

  /** Fails every token an execution waits on (it was stopped). */
  cancelExecution(execution: string, error: string, cause: string): void {
    for (const [token, waiter] of this.pending) {
      if (waiter.execution === execution) this.fail(token, named(error, cause));
    }
  }

  /** How many tokens are waiting (tests and the page). */
  get size(): number {
    return this.pending.size;
  }

  private fail(token: string, error: Error): void {
    this.take(token)?.reject(error);
  }

  private take(token: string): Waiter | undefined {
    const waiter = this.pending.get(token);
    if (!waiter) return undefined;
    this.pending.delete(token);
    if (waiter.timer) clearTimeout(waiter.timer);
    return waiter;
  }
}
