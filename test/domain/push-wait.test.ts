import { PUSH_POLL_MS, PUSH_WAIT_MS, PushWaitBudget } from '../../functions/shared/domain/push-wait.js';

const START = Date.parse('2026-01-01T00:00:10Z');

describe('Class: PushWaitBudget', () => {
  describe('Method: exhausted', () => {
    it('runs out PUSH_WAIT_MS after the own push was received, reading that time once', async () => {
      // Prepare: the push arrived 4 s before BeginRelease began
      let reads = 0;
      const budget = new PushWaitBudget(START, async () => {
        reads++;
        return START - 4_000;
      });

      // Act
      const early = await budget.exhausted(START + 5_999);
      const late = await budget.exhausted(START + 6_000);

      // Assess
      expect([early, late, reads]).toEqual([false, true, 1]);
    });

    it('never lets a push received later than the start (clock skew) wait past PUSH_WAIT_MS from the start', async () => {
      // Prepare
      const budget = new PushWaitBudget(START, async () => START + 60_000);

      // Act + Assess
      expect(await budget.exhausted(START + PUSH_WAIT_MS - 1)).toBe(false);
      expect(await budget.exhausted(START + PUSH_WAIT_MS)).toBe(true);
    });

    it('does not wait at all when the own push is not in the log (its record expired)', async () => {
      // Prepare
      const budget = new PushWaitBudget(START, async () => undefined);

      // Act + Assess
      expect(await budget.exhausted(START)).toBe(true);
    });

    it('runs out after PUSH_WAIT_MS / PUSH_POLL_MS polls, even while the clock stands still, without reading the log', async () => {
      // Prepare
      let reads = 0;
      const budget = new PushWaitBudget(START, async () => {
        reads++;
        return START;
      });
      const polls = PUSH_WAIT_MS / PUSH_POLL_MS;

      // Act
      for (let i = 0; i < polls; i++) budget.spend();

      // Assess
      expect(await budget.exhausted(START)).toBe(true);
      expect(reads).toBe(0);
    });
  });
});
