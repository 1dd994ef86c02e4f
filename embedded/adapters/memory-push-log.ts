import type { BranchHead, PushLog, PushRecord } from '../../functions/shared/ports/push-log.js';

/** The PushLog port in memory, with the DynamoDB adapter's semantics (a shared contract test holds both). */
export class MemoryPushLog implements PushLog {
  private readonly pushes = new Map<string, PushRecord>();
  private readonly heads = new Map<string, BranchHead>();

  /** Every delivery id each commit's pushes arrived with: a redelivery of any of them is a no-op. */
  private readonly deliveries = new Map<string, Set<string>>();

  async record(push: PushRecord): Promise<boolean> {
    const key = `${push.branch}\n${push.sha}`;
    const first = this.pushes.get(key);
    const seen = this.deliveries.get(key) ?? new Set<string>();
    const redelivery = push.deliveryId
      ? seen.has(push.deliveryId)
      : first !== undefined && first.before === push.before;
    if (redelivery) return false;
    this.pushes.set(key, structuredClone(push));
    if (push.deliveryId) this.deliveries.set(key, seen.add(push.deliveryId));
    return true;
  }

  async get(branch: string, sha: string): Promise<PushRecord | undefined> {
    const push = this.pushes.get(`${branch}\n${sha}`);
    return push && structuredClone(push);
  }

  async head(environment: string, branch: string): Promise<BranchHead | undefined> {
    const head = this.heads.get(`${environment}\n${branch}`);
    return head && { ...head };
  }

  async advanceHead(head: BranchHead, expectedSha: string | undefined): Promise<boolean> {
    const key = `${head.environment}\n${head.branch}`;
    if (this.heads.get(key)?.sha !== expectedSha) return false;
    this.heads.set(key, { ...head });
    return true;
  }
}
