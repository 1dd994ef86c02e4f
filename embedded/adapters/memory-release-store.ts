import { assertRunning, newestFirst } from '../../functions/shared/domain/records.js';
import type { HistoryEvent, ReleaseRecord } from '../../functions/shared/domain/release.js';
import { type AdHocFreeze, type FreezeRecord, freezeInForce } from '../../functions/shared/domain/windows.js';
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
  /** Per environment, newest first; the first is in force unless it ended. */
  private readonly freezes = new Map<string, FreezeRecord[]>();

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

  async startFreeze(freeze: AdHocFreeze): Promise<void> {
    await this.endFreeze(freeze.environment, freeze.by, freeze.startedAt);
    this.freezes.set(freeze.environment, [{ ...freeze }, ...(this.freezes.get(freeze.environment) ?? [])]);
  }

  async endFreeze(environment: string, by: string, at: string): Promise<FreezeRecord | undefined> {
    const [current, ...older] = this.freezes.get(environment) ?? [];
    if (!current || current.endedAt !== undefined) return undefined;
    const ended = { ...current, endedBy: by, endedAt: at };
    this.freezes.set(environment, [ended, ...older]);
    return { ...ended };
  }

  async activeFreeze(environment: string, at: Date): Promise<AdHocFreeze | undefined> {
    const current = this.freezes.get(environment)?.[0];
    return freezeInForce(current, at) ? { ...current } : undefined;
  }

  async freezeLog(environment: string): Promise<FreezeRecord[]> {
    return (this.freezes.get(environment) ?? []).map((f) => ({ ...f }));
  }
}
