import { type BuildVerdict, judgeChecks } from '../../functions/shared/domain/checks.js';
import type { CheckRun } from '../../functions/shared/ports/build-verifier.js';

const run = (name: string, status: string, conclusion: string | null = null): CheckRun => ({
  name,
  status,
  conclusion,
});
const REQUIRED = ['build', 'test'];

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
      'accepts neutral and skipped conclusions',
      [run('build', 'completed', 'neutral'), run('test', 'completed', 'skipped')],
      { kind: 'verified', checks: REQUIRED },
    ],
    [
      'rejects a required check that failed',
      [run('build', 'completed', 'success'), run('test', 'completed', 'failure')],
      { kind: 'rejected', reasons: ['required check "test" concluded failure'] },
    ],
    [
      'rejects a required check that has not run, and says which',
      [run('build', 'completed', 'success')],
      { kind: 'rejected', reasons: ['required check "test" has not run on this commit'] },
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
      { kind: 'pending', pending: ['build', 'test'] },
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
      { kind: 'pending', pending: ['build'] },
    ],
  ])('%s', (_behaviour, runs, verdict) => {
    // Act + Assess
    expect(judgeChecks(REQUIRED, runs)).toEqual(verdict);
  });

  it('verifies anything when no check is required', () => {
    expect(judgeChecks([], [run('build', 'completed', 'failure')])).toEqual({ kind: 'verified', checks: [] });
  });
});
