/**
 * Which of two pushes is newer. GitHub delivers webhooks in no guaranteed order, and each
 * delivery starts its own execution, so the order in which releases reach an environment's lock
 * says nothing about the order of the pushes. The pushes say it themselves: a push event's
 * `before` is "the SHA of the most recent commit on ref before the push" (GitHub's push event
 * payload), so on one branch the pushes form a chain, each one's `before` the previous one's
 * `after`. Across branches only `repository.pushed_at` (whole seconds) orders them, and in the
 * same second the time the webhook received each push (never the order releases reach a lock).
 */

/** What ordering needs to know of a push. */
export interface PushRef {
  branch: string;
  /** The commit the branch moved to (the push's `after`). */
  sha: string;
  /** The commit the branch moved from; all zeros when the push created the branch. */
  before?: string;
  /** `repository.pushed_at` of the push event: Unix seconds. */
  pushedAt?: number;
  /** When the webhook received the push (ISO, milliseconds): breaks a tie of `pushedAt`. */
  receivedAt?: string;
}

export type PushOrder =
  | { order: 'same' }
  | { order: 'newer' | 'older'; how: string }
  /** A push between the two has not been received yet: wait for it rather than guess. */
  | { order: 'unknown'; missing: string };

/** Looks up the `before` of the recorded push that moved the branch to `sha`. */
export type BeforeOf = (sha: string) => Promise<string | undefined>;

/** A chain walk stops after this many pushes: a release far behind another is ordered by time. */
export const MAX_CHAIN_HOPS = 100;

const ZERO_SHA = /^0{40}$/;
export const shortSha = (sha: string) => sha.slice(0, 7);

type Walk = { reached: true; hops: number } | { reached: false; gap?: string };

/** Follows `before` links back from `start`; reached when it meets `target`, a gap where a push is not recorded. */
async function walkBack(
  start: PushRef,
  target: string,
  beforeOf: BeforeOf,
  maxHops = MAX_CHAIN_HOPS,
): Promise<Walk> {
  const seen = new Set([start.sha]);
  let sha = start.before;
  for (let hops = 1; hops <= maxHops; hops++) {
    if (sha === undefined || ZERO_SHA.test(sha)) return { reached: false }; // the branch began here
    if (sha === target) return { reached: true, hops };
    // A force push back to an earlier commit makes a cycle: the chain says nothing further.
    if (seen.has(sha)) return { reached: false };
    seen.add(sha);
    const before = await beforeOf(sha);
    if (before === undefined) return { reached: false, gap: sha };
    sha = before;
  }
  return { reached: false };
}

const pushes = (hops: number) => (hops === 1 ? 'the next push' : `${hops} pushes later`);

function byTime(a: PushRef, b: PushRef): PushOrder | undefined {
  if (a.pushedAt === undefined || b.pushedAt === undefined || a.pushedAt === b.pushedAt) return undefined;
  const at = (seconds: number) => new Date(seconds * 1000).toISOString();
  return {
    order: a.pushedAt > b.pushedAt ? 'newer' : 'older',
    how: `${shortSha(a.sha)} was pushed to ${a.branch} at ${at(a.pushedAt)}, ${shortSha(b.sha)} to ${b.branch} at ${at(b.pushedAt)}`,
  };
}

/**
 * The last word on two pushes nothing else orders (other branches in the same second, a gap
 * nobody filled, a recreated branch): the one the webhook received later is newer. Equal or
 * unknown receipts (a push log that could not be written) fall back to the commit ids, so both
 * releases reach the same verdict whichever asks.
 */
export function byReceipt(a: PushRef, b: PushRef, why: string): Exclude<PushOrder, { order: 'unknown' }> {
  if (a.sha === b.sha) return { order: 'same' };
  const at = (p: PushRef) => (p.receivedAt ? Date.parse(p.receivedAt) : Number.NaN);
  const [ta, tb] = [at(a), at(b)];
  if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) {
    return {
      order: ta > tb ? 'newer' : 'older',
      how: `${why}; the webhook received ${shortSha(ta > tb ? a.sha : b.sha)} (${ta > tb ? a.branch : b.branch}) ${Math.abs(ta - tb)} ms after ${shortSha(ta > tb ? b.sha : a.sha)} (${ta > tb ? b.branch : a.branch})`,
    };
  }
  const aNewer = a.sha > b.sha;
  return {
    order: aNewer ? 'newer' : 'older',
    how: `${why}, and their receipt times do not tell them apart; ${shortSha((aNewer ? a : b).sha)} counts as newer by commit id`,
  };
}

/**
 * How push `a` stands to push `b`: by the branch's push chain where it connects them, else by
 * push time; `unknown` names a push in between that has not been received yet. Two pushes that
 * nothing else orders (other branches in the same second, a recreated branch) go by receipt.
 */
export async function orderPushes(a: PushRef, b: PushRef, beforeOf: BeforeOf): Promise<PushOrder> {
  if (a.sha === b.sha) return { order: 'same' };
  const untold = `${shortSha(a.sha)} (${a.branch}) and ${shortSha(b.sha)} (${b.branch}) were pushed in the same second`;
  if (a.branch !== b.branch) return byTime(a, b) ?? byReceipt(a, b, untold);

  const fromA = await walkBack(a, b.sha, beforeOf);
  if (fromA.reached) {
    // A force push back to an earlier commit links the two both ways (A, then B on top, then A
    // again): the commits alone cannot say which push is newer, so the chain decides nothing.
    const cycle = await walkBack(b, a.sha, beforeOf, fromA.hops + 1);
    if (cycle.reached)
      return byTime(a, b) ?? byReceipt(a, b, `${untold}, and a force push links them both ways`);
    return {
      order: 'newer',
      how: `${shortSha(a.sha)} was pushed to ${a.branch} after ${shortSha(b.sha)} (${pushes(fromA.hops)})`,
    };
  }
  const fromB = await walkBack(b, a.sha, beforeOf);
  if (fromB.reached) {
    return {
      order: 'older',
      how: `${shortSha(b.sha)} was pushed to ${a.branch} after ${shortSha(a.sha)} (${pushes(fromB.hops)})`,
    };
  }
  const gap = fromA.gap ?? fromB.gap;
  return (
    byTime(a, b) ??
    (gap ? { order: 'unknown', missing: gap } : byReceipt(a, b, `${untold}, and no push chain links them`))
  );
}
