import * as errors from '../../functions/shared/domain/errors.js';
import { causeErrorOf, SLUICE_ERRORS } from '../../functions/shared/domain/errors.js';
import { causeOf, triggerOf } from '../../functions/shared/domain/records.js';
import { isTerminal, type ReleaseRecord } from '../../functions/shared/domain/release.js';
import { entryWords } from '../../functions/shared/domain/release-words.js';
import { milestoneMessage } from '../../functions/shared/domain/slack-messages.js';

const record = (overrides: Partial<ReleaseRecord>): ReleaseRecord =>
  ({
    releaseId: 'r1',
    environment: 'dev',
    status: 'in_progress',
    steps: [],
    history: [],
    ...overrides,
  }) as ReleaseRecord;

describe('Module: errors', () => {
  it('lists every exported error class under the name it throws with', () => {
    // Prepare
    const classes = (Object.entries(errors) as [string, unknown][]).filter(
      ([, value]) => typeof value === 'function' && (value as typeof Error).prototype instanceof Error,
    );

    // Assess: the same classes, and each instance's name is its key (what Step Functions matches on)
    expect(classes.map(([key]) => key).sort()).toEqual(Object.keys(SLUICE_ERRORS).sort());
    for (const [key, cls] of Object.entries(SLUICE_ERRORS)) {
      const instance = Reflect.construct(cls, [[], 'x']) as Error;
      expect(instance.name).toBe(key);
    }
  });

  it('keeps a known cause as it is and brands any other name as foreign, carried unchanged', () => {
    expect(causeErrorOf('AlarmFiredError')).toBe('AlarmFiredError');
    expect(causeErrorOf('States.Timeout')).toBe('States.Timeout');
    expect(causeErrorOf('Lambda.ServiceException')).toBe('Lambda.ServiceException');
  });
});

describe('Function: causeOf', () => {
  it.each([
    ['ApprovalRejectedError', 'approval'],
    ['AlarmFiredError', 'alarm'],
    ['InsufficientDataError', 'alarm'],
    ['BuildNotVerifiedError', 'check_failed'],
    ['States.Timeout', 'timeout'],
    ['ApprovalTimedOut', 'timeout'],
    ['ReleaseSupersededError', 'superseded'],
    ['DeployError', 'handler_error'],
  ] as const)('ends a release on %s with trigger %s', (error, trigger) => {
    expect(causeOf(error, 'why')).toEqual({ trigger, error, message: 'why' });
  });

  it('treats an error name from outside as a handler error', () => {
    expect(triggerOf(causeErrorOf('Lambda.Unknown'))).toBe('handler_error');
    // a name that is a property of every object is not a known cause either
    expect(triggerOf(causeErrorOf('constructor'))).toBe('handler_error');
  });
});

describe('Function: isTerminal', () => {
  it('is true only for the statuses a record never leaves', () => {
    expect(isTerminal(undefined)).toBe(false);
    expect(isTerminal(record({ status: 'promoted' }))).toBe(false);
    expect(isTerminal(record({ status: 'rolled_back' }))).toBe(true);
  });
});

describe('Function: entryWords and milestoneMessage', () => {
  // The switches are exhaustive at compile time (a new HistoryEvent is a type error until told);
  // at run time, an entry written by a newer version is told in words rather than thrown on, so
  // one unknown entry cannot stall a release's whole Slack message behind the stream's retries.
  it('tells a history event no case names in words, never its snake_case name, and replies nothing for it', () => {
    const r = record({ history: [{ at: '2026-01-01T00:00:00Z', event: 'renamed_event' as never }] });
    expect(entryWords(r, 0)).toBe('Renamed event');
    expect(milestoneMessage(r, 0, undefined)).toBeUndefined();
  });

  it('posts nothing to a thread for a pipeline-only event', () => {
    const r = record({ history: [{ at: '2026-01-01T00:00:00Z', event: 'plan_posted' }] });
    expect(milestoneMessage(r, 0, undefined)).toBeUndefined();
  });
});
