import { MemoryApprovalStore } from '../../embedded/adapters/approval-store.js';
import { startDynaliteStore } from '../../embedded/dynalite.js';
import type { Approval } from '../../functions/shared/domain/approval.js';
import type { ApprovalStore } from '../../functions/shared/ports/index.js';

const TOKEN = `AAAA${'t'.repeat(1500)}`;
const approval = (id: string): Approval => ({
  id,
  releaseId: 'shop-0123456789ab',
  environment: 'prod',
  executionName: 'prod-acme-shop-0123',
  service: 'shop',
  version: '0123456789ab',
  channel: 'C0RELEASES',
  status: 'pending',
  requestedAt: '2026-11-30T12:00:00.000Z',
  expiresAt: '2026-11-30T16:00:00.000Z',
});

// One dynalite for the file (each test uses its own approval ids): every instance left open keeps jest alive.
let dynalite: ReturnType<typeof startDynaliteStore> | undefined;
afterAll(async () => (await dynalite)?.close());

const stores: [string, () => Promise<ApprovalStore>][] = [
  ['memory', async () => new MemoryApprovalStore()],
  [
    'DynamoDB (dynalite)',
    async () => {
      dynalite ??= startDynaliteStore('sluice-approvals');
      return (await dynalite).approvals;
    },
  ],
];

describe.each(stores)('Contract: ApprovalStore (%s)', (_, make) => {
  it('gives exactly one of many concurrent deciders the token; the others see the decision', async () => {
    const store = await make();
    const id = `ap_race_${Math.random()}`;
    await store.create(approval(id), TOKEN);

    const results = await Promise.all(
      ['U1', 'U2', 'U3', 'U4'].map((by) =>
        store.decide(id, { status: 'approved', by, at: '2026-11-30T12:01:00.000Z' }),
      ),
    );

    const winners = results.filter((r) => r.won);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ taskToken: TOKEN, approval: { status: 'approved' } });
    for (const loser of results.filter((r) => !r.won)) {
      expect(loser.approval).toMatchObject({ status: 'approved', decidedBy: winners[0]!.approval.decidedBy });
    }
  });

  it('never returns the token from get or list, and records where the message went', async () => {
    const store = await make();
    await store.create(approval('ap_quiet'), TOKEN);
    await store.setMessage('ap_quiet', { channel: 'C0RELEASES', ts: '1.000100' });

    const seen = JSON.stringify([await store.get('ap_quiet'), await store.list()]);
    expect(await store.list()).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'ap_quiet' })]));

    expect(seen).not.toContain(TOKEN);
    expect(await store.get('ap_quiet')).toMatchObject({ message: { channel: 'C0RELEASES', ts: '1.000100' } });
  });

  it('gives the token of a decided approval out again until its delivery is recorded, then never', async () => {
    const store = await make();
    const id = `ap_redeliver_${Math.random()}`;
    await store.create(approval(id), TOKEN);
    expect(await store.undelivered(id)).toBeUndefined();
    await store.decide(id, { status: 'approved', by: 'U1', at: '2026-11-30T12:01:00.000Z' });

    const again = await store.undelivered(id);
    await store.setDelivery(id, { outcome: 'delivered', at: '2026-11-30T12:01:01.000Z' });

    expect(again).toMatchObject({ taskToken: TOKEN, approval: { status: 'approved', decidedBy: 'U1' } });
    expect(await store.undelivered(id)).toBeUndefined();
    expect(await store.get(id)).toMatchObject({ delivery: { outcome: 'delivered' } });
    expect(JSON.stringify(await store.list())).not.toContain(TOKEN);
  });

  it('does not decide an unknown approval', async () => {
    const store = await make();

    expect(await store.decide('ap_none', { status: 'rejected', by: 'U1', at: 'now' })).toEqual({
      won: false,
      approval: undefined,
    });
  });
});
