import { type BuildVerdict, judgeChecks } from '../../functions/shared/domain/checks.js';
import type { CheckRun } from '../../functions/shared/ports/build-verifier.js';

const run = (name: string, status: string, conclusion: string | null = null, appId = 15368): CheckRun => ({
  name,
  status,
  conclusion,
  appId,
});
const REQUIRED = ['build', 'test'];
const POLICY = { appId: 15368, allowConclusions: [] as string[] };

describe('Domain: judgeChecks', () => {
  it.each<[string, CheckRun[], BuildVerdict]>([
    [
      'verifies a commit whose required checks all succeeded',
      [
        run('build', 'completed', 'success'),
        run('test', 'completed', 'success'),
        run('lint', 'completed', 'failure'),
      ],
      { kind: 'verified', checks: REQUIRED },
    ],
    [
      'rejects neutral and skipped conclusions unless the config allows them',
      [run('build', 'completed', 'neutral'), run('test', 'completed', 'skipped')],
      {
        kind: 'rejected',
        reasons: ['required check "build" concluded neutral', 'required check "test" concluded skipped'],
      },
    ],
    [
      'ignores a same-named run from another app: the check is still pending',
      [run('build', 'completed', 'success'), run('test', 'completed', 'success', 42)],
      {
        kind: 'pending',
        pending: ['test'],
        reasons: ['required check "test" has no run from app 15368 (a run from app 42 does not count)'],
      },
    ],
    [
      'rejects a required check that failed',
      [run('build', 'completed', 'success'), run('test', 'completed', 'failure')],
      { kind: 'rejected', reasons: ['required check "test" concluded failure'] },
    ],
    [
      'waits for a required check that has not been created yet (CI starts after the push)',
      [run('build', 'completed', 'success')],
      {
        kind: 'pending',
        pending: ['test'],
        reasons: ['required check "test" has not been created on this commit yet'],
      },
    ],
    [
      'rejects cancelled and timed-out checks',
      [run('build', 'completed', 'cancelled'), run('test', 'completed', 'timed_out')],
      {
        kind: 'rejected',
        reasons: ['required check "build" concluded cancelled', 'required check "test" concluded timed_out'],
      },
    ],
    [
      'rejects a completed check without a conclusion',
      [run('build', 'completed', null), run('test', 'completed', 'success')],
      { kind: 'rejected', reasons: ['required check "build" concluded without a conclusion'] },
    ],
    [
      'waits for required checks that are queued or in progress',
      [run('build', 'in_progress'), run('test', 'queued')],
      {
        kind: 'pending',
        pending: ['build', 'test'],
        reasons: ['required check "build" is in_progress', 'required check "test" is queued'],
      },
    ],
    [
      'rejects rather than waits when one check failed and another is still running',
      [run('build', 'in_progress'), run('test', 'completed', 'failure')],
      { kind: 'rejected', reasons: ['required check "test" concluded failure'] },
    ],
    [
      'judges a re-run check by its latest run: a passing re-run of a failure passes',
      [
        run('test', 'completed', 'success'),
        run('build', 'completed', 'success'),
        run('test', 'completed', 'failure'),
      ],
      { kind: 'verified', checks: REQUIRED },
    ],
    [
      'judges a re-run check by its latest run: a failing re-run of a success fails',
      [
        run('test', 'completed', 'failure'),
        run('build', 'completed', 'success'),
        run('test', 'completed', 'success'),
      ],
      { kind: 'rejected', reasons: ['required check "test" concluded failure'] },
    ],
    [
      'judges a re-run check by its latest run: a queued re-run waits',
      [run('build', 'queued'), run('build', 'completed', 'failure'), run('test', 'completed', 'success')],
      { kind: 'pending', pending: ['build'], reasons: ['required check "build" is queued'] },
    ],
  ])('%s', (_behaviour, runs, verdict) => {
    // Act + Assess
    expect(judgeChecks(REQUIRED, runs, POLICY)).toEqual(verdict);
  });

  it('verifies anything when no check is required', () => {
    expect(judgeChecks([], [run('build', 'completed', 'failure')], POLICY)).toEqual({
      kind: 'verified',
      checks: [],
    });
  });

  it('passes neutral and skipped where the config allows them', () => {
    const runs = [run('build', 'completed', 'neutral'), run('test', 'completed', 'skipped')];
    expect(judgeChecks(REQUIRED, runs, { appId: 15368, allowConclusions: ['neutral', 'skipped'] })).toEqual({
      kind: 'verified',
      checks: REQUIRED,
    });
  });
});
