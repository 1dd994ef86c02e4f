import type { Approval, ApprovalDecision } from '../../functions/shared/domain/approval.js';
import type {
  ApprovalStore,
  DecideResult,
  ThreadState,
  ThreadStore,
} from '../../functions/shared/ports/approvals.js';

/**
 * Approvals and threads in memory, with the DynamoDB adapter's semantics: reads never return the
 * token; `decide` is a compare-and-set, so of concurrent deciders exactly one wins.
 */
export class MemoryApprovalStore implements ApprovalStore {
  private readonly items = new Map<string, { approval: Approval; taskToken: string }>();
  private readonly threadStates = new Map<string, ThreadState>();

  async create(approval: Approval, taskToken: string): Promise<void> {
    if (this.items.has(approval.id)) throw new Error(`approval ${approval.id} exists`);
    this.items.set(approval.id, { approval: structuredClone(approval), taskToken });
  }

  async get(id: string): Promise<Approval | undefined> {
    const item = this.items.get(id);
    return item && structuredClone(item.approval);
  }

  async list(): Promise<Approval[]> {
    return [...this.items.values()]
      .map((i) => structuredClone(i.approval))
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  }

  async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    const item = this.items.get(id);
    if (!item) throw new Error(`no approval ${id}`);
    item.approval.message = { ...message };
  }

  async decide(id: string, decision: ApprovalDecision): Promise<DecideResult> {
    const item = this.items.get(id);
    if (item?.approval.status !== 'pending') return { won: false, approval: await this.get(id) };
    Object.assign(item!.approval, {
      status: decision.status,
      decidedBy: decision.by,
      decidedAt: decision.at,
    });
    return { won: true, approval: structuredClone(item!.approval), taskToken: item!.taskToken };
  }

  async undelivered(id: string): Promise<{ approval: Approval; taskToken: string } | undefined> {
    const item = this.items.get(id);
    const delivery = item?.approval.delivery;
    if (!item || item.approval.status === 'pending' || (delivery && delivery.outcome !== 'failed'))
      return undefined;
    return { approval: structuredClone(item.approval), taskToken: item.taskToken };
  }

  async setDelivery(id: string, delivery: NonNullable<Approval['delivery']>): Promise<void> {
    const item = this.items.get(id);
    if (!item) throw new Error(`no approval ${id}`);
    const known = item.approval.delivery;
    if (delivery.outcome !== 'delivered' && known && known.outcome !== 'failed') return;
    item.approval.delivery = { ...delivery };
  }

  threads(): ThreadStore {
    const key = (releaseId: string, environment: string) => `${releaseId}\n${environment}`;
    return {
      get: async (releaseId, environment) => {
        const state = this.threadStates.get(key(releaseId, environment));
        return state && { ...state };
      },
      put: async (state) => {
        this.threadStates.set(key(state.releaseId, state.environment), { ...state });
      },
      list: async () => [...this.threadStates.values()].map((s) => ({ ...s })),
    };
  }
}
