import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { ReleaseRecord } from '../functions/shared/domain/release.js';
import type { ReleaseStore } from '../functions/shared/ports/release-store.js';
import { lambdaContext } from './lambda-context.js';

type NotifierHandler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<unknown>;

/** The DynamoDB stream record AWS would deliver for a record's new image. */
export function streamEvent(record: ReleaseRecord): DynamoDBStreamEvent {
  const item = { pk: `RELEASE#${record.releaseId}`, sk: `ENV#${record.environment}`, record };
  return {
    Records: [
      {
        eventName: 'MODIFY',
        eventSource: 'aws:dynamodb',
        dynamodb: { NewImage: marshall(item, { removeUndefinedValues: true }) as never },
      },
    ],
  };
}

/**
 * What DynamoDB Streams and Lambda do on AWS: every write of a release record reaches the
 * release notifier, in order per record, off the release's path; a failed notification is
 * retried with backoff and then dropped with a log line, never failing the write.
 */
export class ReleaseStream {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly latest = new Map<string, ReleaseRecord>();
  private notifier: NotifierHandler | undefined;

  constructor(
    private readonly options: {
      attempts?: number;
      backoffMs?: number;
      onFailure?: (error: Error) => void;
    } = {},
  ) {}

  connect(notifier: NotifierHandler): void {
    this.notifier = notifier;
  }

  /** Wraps a store so its writes feed the stream. */
  wrap(store: ReleaseStore): ReleaseStore {
    const stream = this;
    return new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property === 'create') {
          return async (record: ReleaseRecord) => {
            const created = await target.create(record);
            if (created) stream.publish(record);
            return created;
          };
        }
        if (property === 'update') {
          return async (...args: Parameters<ReleaseStore['update']>) => {
            const next = await target.update(...args);
            stream.publish(next);
            return next;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  private publish(record: ReleaseRecord): void {
    if (!this.notifier) return;
    const key = `${record.releaseId}\n${record.environment}`;
    // Writes that arrive while a notification of the same record runs are coalesced into the
    // newest image (the history is append-only, so it holds every entry the others had), as a
    // stream batch would carry them together.
    this.latest.set(key, record);
    if (this.chains.has(key)) return;
    const drain = (async () => {
      for (let next = this.latest.get(key); next; next = this.latest.get(key)) {
        this.latest.delete(key);
        await this.deliver(next);
      }
    })();
    this.chains.set(key, drain);
    void drain.finally(() => this.chains.delete(key));
  }

  private async deliver(record: ReleaseRecord): Promise<void> {
    const attempts = this.options.attempts ?? 3;
    const backoff = this.options.backoffMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.notifier!(streamEvent(record), lambdaContext('sluice-release-notifier'));
        return;
      } catch (error) {
        if (attempt >= attempts) {
          this.options.onFailure?.(error as Error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff * attempt));
      }
    }
  }

  /** Resolves when every notification published so far has been delivered or given up. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }
}
