import { log } from '../../functions/shared/log.js';
import type { Deferral, DeferredSlackEvent } from '../../functions/shared/ports/index.js';

/**
 * The local stand-in for Lambda's asynchronous self-invocation: the deferred action runs through
 * the same handler at once, in-process, and the caller waits for it, so a local click's outcome
 * is there when its answer is (no cold start here to outrun). Like Lambda's queued event, its
 * failure is the deferred run's own and never the click's: it is logged, not thrown.
 */
export class InProcessDeferral implements Deferral {
  constructor(private readonly run: (event: DeferredSlackEvent) => Promise<unknown>) {}

  async defer(event: DeferredSlackEvent): Promise<void> {
    await this.run(event).catch((error: Error) =>
      log.warn('deferred slack action failed', { error: error.name, reason: error.message }),
    );
  }
}
