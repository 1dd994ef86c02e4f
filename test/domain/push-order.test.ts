import { MAX_CHAIN_HOPS, orderPushes, type PushRef } from '../../functions/shared/domain/push-order.js';

// GitHub's push event payload (docs.github.com/en/webhooks/webhook-events-and-payloads#push):
// `before` is "The SHA of the most recent commit on ref before the push", and all zeros when the
// push created the ref. So on one branch every push's `before` is the previous push's `after`.
const ZERO = '0'.repeat(40);
const sha = (name: string) => name.padEnd(40, '0');
const A = sha('aaaaaaa');
const B = sha('bbbbbbb');
const C = sha('ccccccc');
const D = sha('ddddddd');

/** A branch's push log as the lookup orderPushes walks: the `before` of the push that made each sha. */
function log(pushes: PushRef[]) {
  const befores = new Map(pushes.map((p) => [p.sha, p.before ?? ZERO]));
  const asked: string[] = [];
  const beforeOf = async (at: string) => {
    asked.push(at);
    return befores.get(at);
  };
  return { beforeOf, asked };
}

const push = (after: string, before: string, pushedAt?: number, branch = 'main'): PushRef => ({
  branch,
  sha: after,
  before,
  ...(pushedAt === undefined ? {} : { pushedAt }),
});

describe('Domain: orderPushes', () => {
  describe('on one branch, by the push chain', () => {
    const first = push(A, ZERO);
    const second = push(B, A);
    const third = push(C, B);
    const { beforeOf } = log([first, second, third]);

    it('counts a push on top of another as newer: the next push', async () => {
      // Act
      const order = await orderPushes(second, first, beforeOf);

      // Assess
      expect(order).toEqual({
        order: 'newer',
        how: 'bbbbbbb was pushed to main after aaaaaaa (the next push)',
      });
    });

    it('counts the push underneath as older, naming the newer one', async () => {
      // Act
      const order = await orderPushes(first, second, beforeOf);

      // Assess
      expect(order).toEqual({
        order: 'older',
        how: 'bbbbbbb was pushed to main after aaaaaaa (the next push)',
      });
    });

    it('counts the hops between pushes further apart', async () => {
      // Act
      const newer = await orderPushes(third, first, beforeOf);
      const older = await orderPushes(first, third, beforeOf);

      // Assess
      expect(newer).toEqual({
        order: 'newer',
        how: 'ccccccc was pushed to main after aaaaaaa (2 pushes later)',
      });
      expect(older).toEqual({
        order: 'older',
        how: 'ccccccc was pushed to main after aaaaaaa (2 pushes later)',
      });
    });

    it('calls a push of the same commit the same', async () => {
      // Act
      const order = await orderPushes(second, { ...second, before: C }, beforeOf);

      // Assess
      expect(order).toEqual({ order: 'same' });
    });

    it('orders by the chain even when the push times say otherwise', async () => {
      // Act
      const order = await orderPushes(push(B, A, 100), push(A, ZERO, 200), beforeOf);

      // Assess
      expect(order).toMatchObject({ order: 'newer', how: expect.stringContaining('the next push') });
    });
  });

  describe('with a push in between not received yet', () => {
    // A → B is not in the log: C's chain stops at B.
    const { beforeOf } = log([push(A, ZERO), push(C, B)]);

    it('is unknown and names the commit whose push is missing, asked either way round', async () => {
      // Act
      const newerFirst = await orderPushes(push(C, B), push(A, ZERO), beforeOf);
      const olderFirst = await orderPushes(push(A, ZERO), push(C, B), beforeOf);

      // Assess
      expect(newerFirst).toEqual({ order: 'unknown', missing: B });
      expect(olderFirst).toEqual({ order: 'unknown', missing: B });
    });

    it('goes by push time when the two were pushed in different seconds', async () => {
      // Act
      const newer = await orderPushes(push(C, B, 1_767_225_602), push(A, ZERO, 1_767_225_600), beforeOf);
      const older = await orderPushes(push(A, ZERO, 1_767_225_600), push(C, B, 1_767_225_602), beforeOf);

      // Assess
      expect(newer).toEqual({
        order: 'newer',
        how: 'ccccccc was pushed to main at 2026-01-01T00:00:02.000Z, aaaaaaa to main at 2026-01-01T00:00:00.000Z',
      });
      expect(older).toMatchObject({ order: 'older' });
    });

    it('stays unknown when both were pushed in the same second', async () => {
      // Act
      const order = await orderPushes(push(C, B, 1_767_225_600), push(A, ZERO, 1_767_225_600), beforeOf);

      // Assess
      expect(order).toEqual({ order: 'unknown', missing: B });
    });
  });

  describe('across branches', () => {
    const { beforeOf, asked } = log([]);

    it('goes by push time, not by any chain', async () => {
      // Act
      const order = await orderPushes(
        push(B, A, 1_767_225_601, 'release/2'),
        push(A, ZERO, 1_767_225_600, 'release/1'),
        beforeOf,
      );

      // Assess
      expect(order).toEqual({
        order: 'newer',
        how: 'bbbbbbb was pushed to release/2 at 2026-01-01T00:00:01.000Z, aaaaaaa to release/1 at 2026-01-01T00:00:00.000Z',
      });
      expect(asked).toEqual([]);
    });

    // Not the order in which releases reach a lock: that is the order of their executions, which a
    // release walking dev and staging first reaches last (issue 16, item 6).
    it('goes by the time the webhook received each push when both were pushed in the same second', async () => {
      // Prepare: B was received 5 ms after A
      const a = { ...push(B, ZERO, 1_767_225_600, 'release/1'), receivedAt: '2026-01-01T00:00:00.100Z' };
      const b = { ...push(A, ZERO, 1_767_225_600, 'hotfix/x'), receivedAt: '2026-01-01T00:00:00.105Z' };

      // Act
      const older = await orderPushes(a, b, beforeOf);
      const newer = await orderPushes(b, a, beforeOf);

      // Assess: the same verdict whichever asks
      expect(older).toEqual({
        order: 'older',
        how: 'bbbbbbb (release/1) and aaaaaaa (hotfix/x) were pushed in the same second; the webhook received aaaaaaa (hotfix/x) 5 ms after bbbbbbb (release/1)',
      });
      expect(newer).toEqual({
        order: 'newer',
        how: 'aaaaaaa (hotfix/x) and bbbbbbb (release/1) were pushed in the same second; the webhook received aaaaaaa (hotfix/x) 5 ms after bbbbbbb (release/1)',
      });
    });

    it('falls back to the commit ids, the same verdict either way round, when the receipts tie or are unknown', async () => {
      // Act
      const one = await orderPushes(
        push(A, ZERO, 1_767_225_600, 'release/1'),
        push(B, ZERO, 1_767_225_600, 'release/2'),
        beforeOf,
      );
      const other = await orderPushes(
        push(B, ZERO, 1_767_225_600, 'release/2'),
        push(A, ZERO, 1_767_225_600, 'release/1'),
        beforeOf,
      );

      // Assess
      expect([one.order, other.order]).toEqual(['older', 'newer']);
      expect(one).toMatchObject({ how: expect.stringContaining('bbbbbbb counts as newer by commit id') });
    });
  });

  describe('where the chain ends', () => {
    it('stops at a push that created the branch without reporting a gap', async () => {
      // Prepare: the branch was deleted and created again at D, so nothing links D to B.
      const { beforeOf, asked } = log([push(A, ZERO), push(B, A), push(D, ZERO)]);

      // Act
      const order = await orderPushes(push(D, ZERO), push(B, A), beforeOf);

      // Assess
      expect(order).toMatchObject({
        order: 'newer',
        how: expect.stringContaining('counts as newer by commit id'),
      });
      expect(asked).not.toContain(ZERO);
    });

    it('terminates on a force push back to an earlier commit (A → B → A)', async () => {
      // Prepare: the re-push of A replaced its record, so A's before is B and B's before is A.
      const { beforeOf, asked } = log([push(B, A), push(A, B)]);

      // Act
      const order = await orderPushes(push(A, B), push(C, ZERO), beforeOf);

      // Assess
      expect(order).toMatchObject({ how: expect.stringContaining('counts as newer by commit id') });
      expect(asked.length).toBeLessThanOrEqual(2);
    });

    it('terminates on a cycle that the starting push is not part of', async () => {
      // Prepare: D sits on top of the A ⇄ B cycle.
      const { beforeOf, asked } = log([push(B, A), push(A, B), push(D, A)]);

      // Act
      const order = await orderPushes(push(D, A), push(C, ZERO), beforeOf);

      // Assess
      expect(order).toMatchObject({
        order: 'newer',
        how: expect.stringContaining('counts as newer by commit id'),
      });
      expect(asked.length).toBeLessThanOrEqual(3);
    });

    // A force push back (A → B, then B → A again) links B to A in both directions: a chain that
    // connects the two both ways says nothing, and push time decides.
    it('does not count a push as newer than the force push that undid it', async () => {
      // Prepare
      const undone = push(B, A, 200);
      const forcedBack = push(A, B, 300);
      const { beforeOf } = log([undone, forcedBack]);

      // Act
      const order = await orderPushes(undone, forcedBack, beforeOf);
      const reverse = await orderPushes(forcedBack, undone, beforeOf);

      // Assess
      expect(order.order).toBe('older');
      expect(reverse.order).toBe('newer');
    });
  });

  describe('bounded by MAX_CHAIN_HOPS', () => {
    // 150 pushes on one branch: commit 0 created it, each later one on top of the one before.
    const commits = Array.from({ length: 151 }, (_, i) => sha(`c${String(i).padStart(6, '0')}`));
    const chain = commits.map((c, i) => push(c, i === 0 ? ZERO : commits[i - 1]!, 1_767_225_600 + i));
    const untimed = ({ pushedAt: _, ...p }: PushRef): PushRef => p;

    it('follows the chain up to the bound', async () => {
      // Prepare
      const { beforeOf } = log(chain);

      // Act
      const order = await orderPushes(untimed(chain[MAX_CHAIN_HOPS]!), untimed(chain[0]!), beforeOf);

      // Assess
      expect(order).toMatchObject({
        order: 'newer',
        how: expect.stringContaining(`(${MAX_CHAIN_HOPS} pushes later)`),
      });
    });

    it('does not order a push beyond the bound by the chain', async () => {
      // Prepare
      const { beforeOf, asked } = log(chain);

      // Act
      const order = await orderPushes(untimed(chain[150]!), untimed(chain[0]!), beforeOf);

      // Assess
      expect(order).toMatchObject({
        order: 'newer',
        how: expect.stringContaining('counts as newer by commit id'),
      });
      expect(order).not.toMatchObject({ how: expect.stringContaining('pushes later') });
      expect(asked.length).toBeLessThanOrEqual(2 * MAX_CHAIN_HOPS);
    });

    it('orders a push beyond the bound by push time', async () => {
      // Prepare
      const { beforeOf } = log(chain);

      // Act
      const older = await orderPushes(chain[0]!, chain[150]!, beforeOf);

      // Assess
      expect(older).toMatchObject({ order: 'older', how: expect.stringContaining(' at ') });
    });
  });
});
