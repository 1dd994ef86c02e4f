import { assertRunning, newestFirst } from '../../functions/shared/domain/records.js';
import type { HistoryEvent, ReleaseRecord } from '../../functions/shared/domain/release.js';
import type { LockOwner, LockResult, ReleaseStore } from '../../functions/shared/ports/release-store.js';

/**
 * The ReleaseStore port in memory, with the DynamoDB adapter's semantics (conditional create,
 * owner-conditional lock). The embedded runtime uses dynalite; this one serves the
 * fault-injection suite, which runs thousands of releases. A shared contract test holds both
 * to the same behaviour.
 */
export class MemoryReleaseStore implements ReleaseStore {
  private readonly records = new Map<string, ReleaseRecord>();
  private readonly locks = new Map<string, LockOwner>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  private key(releaseId: string, environment: string): string {
    return `${releaseId}\n${environment}`;
  }

  async create(record: ReleaseRecord): Promise<boolean> {
    const key = this.key(record.releaseId, record.environment);
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  async get(releaseId: string, environment: string): Promise<ReleaseRecord | undefined> {
    const record = this.records.get(this.key(releaseId, environment));
    return record && structuredClone(record);
  }

  async update(
    releaseId: string,
    environment: string,
    patch: Partial<ReleaseRecord>,
    event: { event: HistoryEvent; detail?: string },
    options: { whileRunning?: boolean } = {},
  ): Promise<ReleaseRecord> {
    const key = this.key(releaseId, environment);
    const current = this.records.get(key);
    if (!current) throw new Error(`no release record ${releaseId} in ${environment}`);
    if (options.whileRunning) assertRunning(current, event.event);
    const at = this.now().toISOString();
    const next: ReleaseRecord = {
      ...current,
      ...structuredClone(patch),
      updatedAt: at,
      history: [
        ...current.history,
        { at, event: event.event, ...(event.detail ? { detail: event.detail } : {}) },
      ],
    };
    this.records.set(key, next);
    return structuredClone(next);
  }

  async list(): Promise<ReleaseRecord[]> {
    return [...this.records.values()].sort(newestFirst).map((r) => structuredClone(r));
  }

  async recordsOf(releaseId: string): Promise<ReleaseRecord[]> {
    return [...this.records.values()].filter((r) => r.releaseId === releaseId).map((r) => structuredClone(r));
  }

  async waitingForChecks(sha: string): Promise<ReleaseRecord[]> {
    return [...this.records.values()]
      .filter((r) => r.sha === sha && r.buildWait)
      .map((r) => structuredClone(r));
  }

  async acquireLock(environment: string, owner: LockOwner): Promise<LockResult> {
    const holder = this.locks.get(environment);
    if (holder && (holder.releaseId !== owner.releaseId || holder.executionName !== owner.executionName)) {
      return { acquired: false, holder: { ...holder } };
    }
    this.locks.set(environment, { releaseId: owner.releaseId, executionName: owner.executionName });
    return { acquired: true };
  }

  async releaseLock(environment: string, owner: LockOwner): Promise<void> {
    const holder = this.locks.get(environment);
    if (holder?.releaseId === owner.releaseId && holder.executionName === owner.executionName) {
      this.locks.delete(environment);
    }
  }

  async lockHolder(environment: string): Promise<LockOwner | undefined> {
    const holder = this.locks.get(environment);
    return holder && { ...holder };
  }
}
