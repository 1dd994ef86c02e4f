import { TaskTokens } from '../../embedded/task-tokens.js';

describe('Class: TaskTokens (the embedded .waitForTaskToken)', () => {
  it('resolves a waiting task with the output SendTaskSuccess gives it', async () => {
    const tokens = new TaskTokens();
    const token = tokens.issue();

    const waiting = tokens.await(token, 'dev-x');
    expect(tokens.settle(token, { output: { ok: true } })).toBe('delivered');

    await expect(waiting).resolves.toEqual({ ok: true });
    expect(tokens.size).toBe(0);
  });

  it('reports a token that is no longer waiting as closed, where Step Functions answers TaskTimedOut', () => {
    const tokens = new TaskTokens();
    const token = tokens.issue();
    void tokens.await(token, 'dev-x');
    tokens.cancelExecution('dev-x', 'ReleaseSuperseded', 'superseded');

    expect(tokens.settle(token, { output: {} })).toBe('closed');
  });

  // Found by the scale benchmark: superseding a release that waited for its build crashed the process.
  it('cancels the tasks of a stopped execution without an unhandled rejection, even when nobody awaits them', async () => {
    const tokens = new TaskTokens();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      void tokens.await(tokens.issue(), 'dev-stopped');

      tokens.cancelExecution('dev-stopped', 'ReleaseSuperseded', 'superseded by a newer push');
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(unhandled).toEqual([]);
      expect(tokens.size).toBe(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
