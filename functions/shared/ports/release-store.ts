import type { HistoryEvent, PipelineRecord, ReleaseRecord, StoredRecord } from '../domain/release.js';
import type { AdHocFreeze, FreezeRecord } from '../domain/windows.js';

export interface LockOwner {
  releaseId: string;
  executionName: string;
}

export type LockResult = { acquired: true } | { acquired: false; holder: LockOwner };

/** Release records, and one lock per environment. */
export interface ReleaseStore {
  /** Creates the record if there is none for (releaseId, environment); returns false if there was. */
  create(record: ReleaseRecord): Promise<boolean>;
  get(releaseId: string, environment: string): Promise<ReleaseRecord | undefined>;
  /**
   * Shallow-merges the patch and appends a history entry. With `whileRunning`, the write is
   * conditional on the record not having ended (atomically: a concurrent end wins), and a record
   * that ended throws ReleaseStoppedError: a step still in flight never writes an ended release back to life.
   */
  update(
    releaseId: string,
    environment: string,
    patch: Partial<ReleaseRecord>,
    event: { event: HistoryEvent; detail?: string },
    options?: { whileRunning?: boolean },
  ): Promise<ReleaseRecord>;
  /** Creates the release's pipeline record if it has none; returns false if it had. */
  createPipeline(record: PipelineRecord): Promise<boolean>;
  /** The release's pipeline record, if it went through a pipeline. */
  pipelineOf(releaseId: string): Promise<PipelineRecord | undefined>;
  /** As `update`, on the release's pipeline record. */
  updatePipeline(
    releaseId: string,
    patch: Partial<PipelineRecord>,
    event: { event: HistoryEvent; detail?: string },
  ): Promise<PipelineRecord>;
  /** Every record of either kind, newest first. */
  list(): Promise<StoredRecord[]>;
  /** The records of one release, one per environment (and its pipeline's): a lookup by key, never a read of the whole table. */
  recordsOf(releaseId: string): Promise<StoredRecord[]>;
  /**
   * The records of `sha` whose VerifyBuild waits for check runs (`buildWait` set): what a
   * completed check wakes. A lookup by commit, never a read of the whole table.
   */
  waitingForChecks(sha: string): Promise<ReleaseRecord[]>;
  /** Takes the environment's lock with a conditional write; re-taking one's own lock succeeds. */
  acquireLock(environment: string, owner: LockOwner): Promise<LockResult>;
  /** Releases the lock if the owner holds it; releasing a lock one does not hold is a no-op. */
  releaseLock(environment: string, owner: LockOwner): Promise<void>;
  /** Who holds the environment's lock, if anyone. */
  lockHolder(environment: string): Promise<LockOwner | undefined>;
  /** Starts an operator's freeze of an environment; one already in force is ended first (by the same person). */
  startFreeze(freeze: AdHocFreeze): Promise<void>;
  /** Ends the environment's freeze in force and keeps it in the log; undefined when none was in force. */
  endFreeze(environment: string, by: string, at: string): Promise<FreezeRecord | undefined>;
  /** The operator's freeze in force at `at`, if any (one whose `until` has passed is not). */
  activeFreeze(environment: string, at: Date): Promise<AdHocFreeze | undefined>;
  /** The environment's freezes, newest first: the one in force and the ended ones with who ended them. */
  freezeLog(environment: string): Promise<FreezeRecord[]>;
}
