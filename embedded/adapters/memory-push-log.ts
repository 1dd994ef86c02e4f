import type { BranchHead, PushLog, PushRecord } from '../../functions/shared/ports/push-log.js';

/** The PushLog port in memory, with the DynamoDB adapter's semantics (a shared contract test holds both). */
export class MemoryPushLog implements PushLog {
  private readonly pushes = new Map<string, PushRecord>();
  private readonly heads = new Map<string, BranchHead>();

  async record(push: PushRecord): Promise<boolean> {
    const key = `${push.branch}\n${push.sha}`;
    const first = this.pushes.get(key);
    const redelivery = push.deliveryId
      ? first?.deliveryId === push.deliveryId
      : first !== undefined && first.before === push.before;
    if (redelivery) return false;
    this.pushes.set(key, structuredClone(push));
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
