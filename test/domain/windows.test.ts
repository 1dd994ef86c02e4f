import fc from 'fast-check';
import {
  type DeployWindow,
  describeLocal,
  expandDays,
  instantOf,
  inWindow,
  judgeWindow,
  parseClock,
  parseDateOrInstant,
  waitTimestamp,
} from '../../functions/shared/domain/windows.js';

const BERLIN = 'Europe/Berlin';
/** prod in the issue: Mon–Thu 09:00–16:00 Europe/Berlin. */
const weekdays: DeployWindow = {
  days: ['mon', 'tue', 'wed', 'thu'],
  fromMinute: 9 * 60,
  toMinute: 16 * 60,
  timeZone: BERLIN,
};
const at = (iso: string) => new Date(iso);

describe('Function: instantOf', () => {
  // Europe/Berlin springs forward on 2026-03-29 at 02:00 CET (01:00Z) to 03:00 CEST.
  it('opens a window that starts in the skipped spring-forward hour when the clock jumps', () => {
    expect(instantOf(2026, 3, 29, 2 * 60 + 30, BERLIN).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  // Europe/Berlin falls back on 2026-10-25 at 03:00 CEST (01:00Z) to 02:00 CET: 02:30 happens twice.
  it('takes the first of the two instants a fall-back repeats', () => {
    expect(instantOf(2026, 10, 25, 2 * 60 + 30, BERLIN).toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('reads the offset of each side of the transition on the days around it', () => {
    expect(instantOf(2026, 3, 28, 9 * 60, BERLIN).toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(instantOf(2026, 3, 30, 9 * 60, BERLIN).toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(instantOf(2026, 10, 26, 9 * 60, BERLIN).toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('round-trips every wall-clock minute that exists, in several zones', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2020-01-01T00:00:00Z'),
          max: new Date('2035-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(BERLIN, 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'),
        (instant, zone) => {
          const whole = new Date(Math.floor(instant.getTime() / 60_000) * 60_000);
          const parts = new Intl.DateTimeFormat('en-US', {
            timeZone: zone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
          }).formatToParts(whole);
          const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
          const back = instantOf(
            get('year'),
            get('month'),
            get('day'),
            get('hour') * 60 + get('minute'),
            zone,
          );
          // In a fall-back overlap the first instant showing the time comes back, never a later one.
          expect(back.getTime()).toBeLessThanOrEqual(whole.getTime());
          expect(whole.getTime() - back.getTime()).toBeLessThanOrEqual(60 * 60_000);
        },
      ),
    );
  });
});

describe('Function: judgeWindow', () => {
  it('is open inside a window and says when the next one opens outside it', () => {
    // Thursday 2026-12-03 10:00 CET
    expect(judgeWindow({ windows: [weekdays], freezes: [] }, at('2026-12-03T09:00:00Z'))).toEqual({
      open: true,
    });
    // Thursday 16:30 CET: the next window is Monday 09:00 CET
    expect(judgeWindow({ windows: [weekdays], freezes: [] }, at('2026-12-03T15:30:00Z'))).toEqual({
      open: false,
      opensAt: at('2026-12-07T08:00:00Z'),
      reason: 'outside its deploy windows',
    });
  });

  it('opens a Monday window at 09:00 local time across the spring-forward weekend', () => {
    // Friday 2026-03-27 12:00 CET; DST starts Sunday; Monday 09:00 CEST is 07:00Z
    const verdict = judgeWindow({ windows: [weekdays], freezes: [] }, at('2026-03-27T11:00:00Z'));
    expect(verdict).toMatchObject({ open: false, opensAt: at('2026-03-30T07:00:00Z') });
  });

  it('opens a Monday window at 09:00 local time across the fall-back weekend', () => {
    // Friday 2026-10-23 12:00 CEST; DST ends Sunday; Monday 09:00 CET is 08:00Z
    const verdict = judgeWindow({ windows: [weekdays], freezes: [] }, at('2026-10-23T10:00:00Z'));
    expect(verdict).toMatchObject({ open: false, opensAt: at('2026-10-26T08:00:00Z') });
  });

  it('counts the hours of a night window on the fall-back night by the wall clock (one hour longer)', () => {
    const night: DeployWindow = { days: ['sat', 'sun'], fromMinute: 0, toMinute: 4 * 60, timeZone: BERLIN };
    // Sunday 2026-10-25 00:00 CEST is 22:00Z Saturday; 04:00 CET is 03:00Z: five real hours
    expect(inWindow([night], at('2026-10-24T22:00:00Z'))).toBe(true);
    expect(inWindow([night], at('2026-10-25T02:59:59Z'))).toBe(true);
    expect(inWindow([night], at('2026-10-25T03:00:00Z'))).toBe(false);
  });

  it('waits past a freeze, then for the next window after it', () => {
    const freeze = {
      from: at('2026-12-18T23:00:00Z'),
      to: at('2027-01-04T23:00:00Z'),
      reason: 'year-end freeze',
    };
    // Monday 2026-12-21 10:00 CET, in the freeze; it ends Tuesday 2027-01-05 00:00 CET, a window day
    const verdict = judgeWindow({ windows: [weekdays], freezes: [freeze] }, at('2026-12-21T09:00:00Z'));
    expect(verdict).toEqual({
      open: false,
      opensAt: at('2027-01-05T08:00:00Z'),
      reason: 'frozen: year-end freeze',
    });
  });

  it('lets a route that passes freezes through a freeze but not outside its windows', () => {
    const freeze = { from: at('2026-12-01T00:00:00Z'), to: at('2026-12-31T00:00:00Z'), reason: 'December' };
    expect(
      judgeWindow({ windows: [weekdays], freezes: [freeze], passFreezes: true }, at('2026-12-03T09:00:00Z')),
    ).toEqual({ open: true });
    expect(
      judgeWindow({ windows: [weekdays], freezes: [freeze], passFreezes: true }, at('2026-12-05T09:00:00Z')),
    ).toMatchObject({ open: false, reason: 'outside its deploy windows' });
  });

  it('gives no time for an open-ended ad-hoc freeze, and its end for one that names it', () => {
    const adHoc = {
      environment: 'prod',
      reason: 'incident 42',
      by: 'alice',
      startedAt: '2026-12-03T08:00:00Z',
    };
    expect(judgeWindow({ windows: [], freezes: [], adHoc }, at('2026-12-03T09:00:00Z'))).toEqual({
      open: false,
      reason: 'frozen by alice: incident 42',
    });
    expect(
      judgeWindow(
        { windows: [], freezes: [], adHoc: { ...adHoc, until: '2026-12-03T12:00:00Z' } },
        at('2026-12-03T09:00:00Z'),
      ),
    ).toEqual({ open: false, opensAt: at('2026-12-03T12:00:00Z'), reason: 'frozen by alice: incident 42' });
  });

  it('never opens inside a freeze or outside a window (property)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2026-01-01T00:00:00Z'),
          max: new Date('2028-01-01T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: 0, max: 30 * 24 }),
        fc.integer({ min: 1, max: 20 * 24 }),
        (now, startHours, lengthHours) => {
          const from = new Date(now.getTime() + startHours * 3_600_000 - 10 * 24 * 3_600_000);
          const freeze = { from, to: new Date(from.getTime() + lengthHours * 3_600_000), reason: 'f' };
          const verdict = judgeWindow({ windows: [weekdays], freezes: [freeze] }, now);
          const when = verdict.open ? now : verdict.opensAt!;
          expect(when.getTime()).toBeGreaterThanOrEqual(now.getTime());
          expect(inWindow([weekdays], when)).toBe(true);
          expect(freeze.from <= when && when < freeze.to).toBe(false);
        },
      ),
    );
  });
});

describe('Function: the config syntax', () => {
  it('reads clock times, day ranges and dates', () => {
    expect(parseClock('09:00')).toBe(540);
    expect(parseClock('24:00')).toBe(1440);
    expect(parseClock('24:01')).toBeUndefined();
    expect(parseClock('9:00')).toBeUndefined();
    expect(expandDays('mon-thu')).toEqual(['mon', 'tue', 'wed', 'thu']);
    expect(expandDays('fri-mon')).toEqual(['fri', 'sat', 'sun', 'mon']);
    expect(expandDays('funday')).toBeUndefined();
    // A freeze's dates are whole local days: the last one is frozen until the next midnight.
    expect(parseDateOrInstant('2026-12-24', BERLIN)?.toISOString()).toBe('2026-12-23T23:00:00.000Z');
    expect(parseDateOrInstant('2026-12-24', BERLIN, true)?.toISOString()).toBe('2026-12-24T23:00:00.000Z');
    expect(parseDateOrInstant('2026-02-30', BERLIN)).toBeUndefined();
    expect(parseDateOrInstant('2026-12-24T10:00:00+01:00', BERLIN)?.toISOString()).toBe(
      '2026-12-24T09:00:00.000Z',
    );
  });

  // Step Functions, "Wait workflow state": Timestamp is RFC 3339 with an uppercase T and Z, and
  // milliseconds are truncated; the wait must never end before the window opens.
  it('writes a Wait timestamp in whole seconds, rounded up, with T and Z', () => {
    expect(waitTimestamp(at('2026-03-30T07:00:00.000Z'))).toBe('2026-03-30T07:00:00Z');
    expect(waitTimestamp(at('2026-03-30T07:00:00.001Z'))).toBe('2026-03-30T07:00:01Z');
    expect(waitTimestamp(at('2026-03-30T07:00:00.001Z'))).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('names a local time with its weekday and zone', () => {
    expect(describeLocal(at('2026-03-30T07:00:00Z'), BERLIN)).toBe('Mon 2026-03-30 09:00 Europe/Berlin');
  });
});
