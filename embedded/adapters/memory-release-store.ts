import {
  assertRunning,
  newestFirst,
  PIPELINE_KEY,
  recordKeyOf,
} from '../../functions/shared/domain/records.js';
import {
  type HistoryEvent,
  isPipelineRecord,
  isReleaseRecord,
  type PipelineRecord,
  type ReleaseRecord,
  type StoredRecord,
} from '../../functions/shared/domain/release.js';
import { type AdHocFreeze, type FreezeRecord, freezeInForce } from '../../functions/shared/domain/windows.js';
import type { LockOwner, LockResult, ReleaseStore } from '../../functions/shared/ports/release-store.js';

/**
 * The ReleaseStore port in memory, with the DynamoDB adapter's semantics (conditional create,
 * owner-conditional lock). The embedded runtime uses dynalite; this one serves the
 * fault-injection suite, which runs thousands of releases. A shared contract test holds both
 * to the same behaviour.
 */
export class MemoryReleaseStore implements ReleaseStore {
  private readonly records = new Map<string, StoredRecord>();
  private readonly locks = new Map<string, LockOwner>();
  /** Per environment, newest first; the first is in force unless it ended. */
  private readonly freezes = new Map<string, FreezeRecord[]>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  private key(releaseId: string, environment: string): string {
    return `${releaseId}\n${environment}`;
  }

  async create(record: ReleaseRecord): Promise<boolean> {
    return this.put(record);
  }

  async createPipeline(record: PipelineRecord): Promise<boolean> {
    return this.put(record);
  }

  private put(record: StoredRecord): boolean {
    const key = this.key(record.releaseId, recordKeyOf(record));
    if (this.records.has(key)) return false;
    this.records.set(key, structuredClone(record));
    return true;
  }

  async get(releaseId: string, environment: string): Promise<ReleaseRecord | undefined> {
    const record = this.records.get(this.key(releaseId, environment));
    return record && isReleaseRecord(record) ? structuredClone(record) : undefined;
  }

  async pipelineOf(releaseId: string): Promise<PipelineRecord | undefined> {
    const record = this.records.get(this.key(releaseId, PIPELINE_KEY));
    return record && isPipelineRecord(record) ? structuredClone(record) : undefined;
  }

  async update(
    releaseId: string,
    environment: string,
    patch: Partial<ReleaseRecord>,
    event: { event: HistoryEvent; detail?: string },
    options: { whileRunning?: boolean } = {},
  ): Promise<ReleaseRecord> {
    // Read and write with no await between them: the atomic conditional write DynamoDB makes.
    const current = this.records.get(this.key(releaseId, environment));
    if (!current || !isReleaseRecord(current))
      throw new Error(`no release record ${releaseId} in ${environment}`);
    return this.append(current, patch, event, options);
  }

  async updatePipeline(
    releaseId: string,
    patch: Partial<PipelineRecord>,
    event: { event: HistoryEvent; detail?: string },
  ): Promise<PipelineRecord> {
    const current = this.records.get(this.key(releaseId, PIPELINE_KEY));
    if (!current || !isPipelineRecord(current))
      throw new Error(`no pipeline record for release ${releaseId}`);
    return this.append(current, patch, event, {});
  }

  private append<R extends StoredRecord>(
    current: R,
    patch: Partial<R>,
    event: { event: HistoryEvent; detail?: string },
    options: { whileRunning?: boolean },
  ): R {
    if (options.whileRunning) assertRunning(current, event.event);
    const at = this.now().toISOString();
    const next: R = {
      ...current,
      ...structuredClone(patch),
      updatedAt: at,
      history: [
        ...current.history,
        { at, event: event.event, ...(event.detail ? { detail: event.detail } : {}) },
      ],
    };
    this.records.set(this.key(current.releaseId, recordKeyOf(current)), next);
    return structuredClone(next);
  }

  async list(): Promise<StoredRecord[]> {
    return [...this.records.values()].sort(newestFirst).map((r) => structuredClone(r));
  }

  async recordsOf(releaseId: string): Promise<StoredRecord[]> {
    return [...this.records.values()].filter((r) => r.releaseId === releaseId).map((r) => structuredClone(r));
  }

  async waitingForChecks(sha: string): Promise<ReleaseRecord[]> {
    return [...this.records.values()]
      .filter(isReleaseRecord)
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
