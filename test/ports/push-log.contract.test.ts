import { MemoryPushLog } from '../../embedded/adapters/memory-push-log.js';
import { startDynaliteStore } from '../../embedded/dynalite.js';
import type { BranchHead, PushLog, PushRecord } from '../../functions/shared/ports/index.js';

/*
 * On dynalite, the DynamoDB adapter's expressions run as DynamoDB parses them: `before` is a
 * reserved word (DynamoDB developer guide, Reserved words), so the record's condition names it
 * through ExpressionAttributeNames, and the head's compare-and-set is a ConditionExpression.
 */
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

let branches = 0;
/** Each test gets its own branch: the dynalite table is shared by the file. */
const newBranch = () => `release/${++branches}-${Math.random().toString(36).slice(2, 8)}`;

const pushOf = (
  branch: string,
  sha: string,
  before: string,
  receipt: Partial<PushRecord> = {},
): PushRecord => ({
  branch,
  sha,
  before,
  pushedAt: 1_767_225_600,
  receivedAt: '2026-01-01T00:00:01.000Z',
  deliveryId: `delivery-${sha.slice(0, 4)}`,
  ...receipt,
});

const headOf = (branch: string, sha: string, environment = 'prod'): BranchHead => ({
  environment,
  branch,
  sha,
  releaseId: `shop-${sha.slice(0, 12)}`,
  executionName: `${environment}-shop-${sha.slice(0, 12)}`,
});

// One dynalite for the file: every instance left open keeps jest alive.
let dynalite: ReturnType<typeof startDynaliteStore> | undefined;
afterAll(async () => (await dynalite)?.close());

const logs: [string, () => Promise<PushLog>][] = [
  ['memory', async () => new MemoryPushLog()],
  [
    'DynamoDB (dynalite)',
    async () => {
      dynalite ??= startDynaliteStore('sluice-pushes');
      return (await dynalite).pushes;
    },
  ],
];

describe.each(logs)('Contract: PushLog (%s)', (_, make) => {
  describe('Method: record', () => {
    it('records a push that get then returns', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      const pushed = pushOf(branch, B, A);

      // Act
      await log.record(pushed);

      // Assess
      expect(await log.get(branch, B)).toEqual(pushed);
    });

    // GitHub: X-GitHub-Delivery is "unique per event, not per delivery" (github/docs#32822; the
    // deliveries API's `guid` is "shared with all deliveries ... for this event"): a redelivery carries it.
    it('keeps the first receipt of a redelivery (same delivery id) and says it is not new', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      const first = pushOf(branch, B, A, { receivedAt: '2026-01-01T00:00:01.000Z', deliveryId: 'first' });

      // Act
      const recorded = await log.record(first);
      const again = await log.record({ ...first, receivedAt: '2026-01-01T00:05:00.000Z' });

      // Assess
      expect([recorded, again]).toEqual([true, false]);
      expect(await log.get(branch, B)).toMatchObject({
        receivedAt: '2026-01-01T00:00:01.000Z',
        deliveryId: 'first',
      });
    });

    it('records a new push of the same commit from the same before (another delivery id) as new', async () => {
      // Prepare: A → B, then back to A, then B again: the third push repeats the first's before
      const log = await make();
      const branch = newBranch();
      await log.record(pushOf(branch, B, A, { deliveryId: 'first' }));

      // Act
      const again = await log.record(
        pushOf(branch, B, A, { deliveryId: 'third', receivedAt: '2026-01-01T00:09:00.000Z' }),
      );

      // Assess
      expect(again).toBe(true);
      expect(await log.get(branch, B)).toMatchObject({
        deliveryId: 'third',
        receivedAt: '2026-01-01T00:09:00.000Z',
      });
    });

    it('keeps the newer receipt when an older delivery of the commit is redelivered after a new push of it', async () => {
      // Prepare: B pushed (first), pushed again (third); then someone redelivers the first
      const log = await make();
      const branch = newBranch();
      await log.record(pushOf(branch, B, A, { deliveryId: 'first' }));
      await log.record(pushOf(branch, B, A, { deliveryId: 'third', receivedAt: '2026-01-01T00:09:00.000Z' }));

      // Act
      const redelivered = await log.record(
        pushOf(branch, B, A, { deliveryId: 'first', receivedAt: '2026-01-01T00:20:00.000Z' }),
      );

      // Assess: a redelivery is a no-op, whichever delivery it repeats
      expect(redelivered).toBe(false);
      expect(await log.get(branch, B)).toMatchObject({
        deliveryId: 'third',
        receivedAt: '2026-01-01T00:09:00.000Z',
      });
    });

    it('without delivery ids, keeps the first receipt of a push with the same before', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      const { deliveryId: _, ...first } = pushOf(branch, B, A);

      // Act
      await log.record(first);
      const again = await log.record({ ...first, receivedAt: '2026-01-01T00:05:00.000Z' });

      // Assess
      expect(again).toBe(false);
      expect(await log.get(branch, B)).toMatchObject({ receivedAt: first.receivedAt });
    });

    it('replaces the push of a commit pushed again from elsewhere (another before)', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      await log.record(pushOf(branch, B, A, { deliveryId: 'first' }));

      // Act
      await log.record(
        pushOf(branch, B, C, { deliveryId: 'force-pushed', receivedAt: '2026-01-01T00:09:00.000Z' }),
      );

      // Assess
      expect(await log.get(branch, B)).toMatchObject({ before: C, deliveryId: 'force-pushed' });
    });

    it('keeps the pushes of one commit on different branches apart', async () => {
      // Prepare
      const log = await make();
      const [one, two] = [newBranch(), newBranch()];

      // Act
      await log.record(pushOf(one, B, A));
      await log.record(pushOf(two, B, C));

      // Assess
      expect((await log.get(one, B))?.before).toBe(A);
      expect((await log.get(two, B))?.before).toBe(C);
    });

    // The port's PushRef allows `before` to be absent, and the webhook omits it when the payload has none.
    it('records a push that carries no before', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      const { before: _, ...withoutBefore } = pushOf(branch, B, A);

      // Act
      await log.record(withoutBefore);

      // Assess
      expect(await log.get(branch, B)).toMatchObject({ branch, sha: B });
    });
  });

  describe('Method: get', () => {
    it('returns undefined for a commit that was never pushed', async () => {
      // Prepare
      const log = await make();

      // Act
      const found = await log.get(newBranch(), C);

      // Assess
      expect(found).toBeUndefined();
    });
  });

  describe('Method: head / advanceHead', () => {
    it('has no head until one is advanced', async () => {
      // Prepare
      const log = await make();

      // Act
      const head = await log.head('prod', newBranch());

      // Assess
      expect(head).toBeUndefined();
    });

    it('advances a branch with no head once; a second first advance fails', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();

      // Act
      const first = await log.advanceHead(headOf(branch, A), undefined);
      const second = await log.advanceHead(headOf(branch, B), undefined);

      // Assess
      expect([first, second]).toEqual([true, false]);
      expect(await log.head('prod', branch)).toEqual(headOf(branch, A));
    });

    it('lets exactly one of two concurrent advances from the same head win', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      await log.advanceHead(headOf(branch, A), undefined);

      // Act
      const results = await Promise.all([
        log.advanceHead(headOf(branch, B), A),
        log.advanceHead(headOf(branch, C), A),
      ]);

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? B : C;
      expect((await log.head('prod', branch))?.sha).toBe(winner);
    });

    it('refuses an advance from a stale head and leaves the head where it is', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();
      await log.advanceHead(headOf(branch, A), undefined);
      await log.advanceHead(headOf(branch, B), A);

      // Act
      const stale = await log.advanceHead(headOf(branch, C), A);

      // Assess
      expect(stale).toBe(false);
      expect(await log.head('prod', branch)).toEqual(headOf(branch, B));
    });

    it('keeps a head per environment', async () => {
      // Prepare
      const log = await make();
      const branch = newBranch();

      // Act
      await log.advanceHead(headOf(branch, A, 'staging'), undefined);
      const prod = await log.advanceHead(headOf(branch, B, 'prod'), undefined);

      // Assess
      expect(prod).toBe(true);
      expect((await log.head('staging', branch))?.sha).toBe(A);
      expect((await log.head('prod', branch))?.sha).toBe(B);
    });
  });
});
