import { type AlarmPolicy, type AlarmVerdict, judgeAlarms } from '../../functions/shared/domain/alarms.js';
import type { AlarmState, AlarmStatus } from '../../functions/shared/ports/alarm-source.js';

const bake = (overrides: Partial<AlarmPolicy> = {}): AlarmPolicy => ({
  phase: 'bake',
  policy: 'fail',
  maxExtensionSeconds: 300,
  extendedSeconds: 0,
  bakeSeconds: 120,
  ...overrides,
});
const watch = (overrides: Partial<AlarmPolicy> = {}): AlarmPolicy => bake({ phase: 'watch', ...overrides });

const alarm = (name: string, state: AlarmState | undefined, reason?: string): AlarmStatus => ({
  name,
  state,
  ...(reason ? { reason } : {}),
});

describe('Domain: judgeAlarms', () => {
  it.each<[string, AlarmStatus[], AlarmPolicy, AlarmVerdict]>([
    [
      'passes a bake when every alarm is OK',
      [alarm('5xx', 'OK'), alarm('p99', 'OK')],
      bake(),
      { kind: 'pass' },
    ],
    ['passes a bake with no alarms to judge', [], bake(), { kind: 'pass' }],
    [
      'fails on ALARM, naming every firing alarm with its reason',
      [
        alarm('5xx', 'ALARM', 'Threshold Crossed: 1 datapoint [12.0] > 5.0'),
        alarm('p99', 'OK'),
        alarm('lat', 'ALARM'),
      ],
      bake(),
      {
        kind: 'alarm',
        alarms: ['5xx', 'lat'],
        reason: '5xx: Threshold Crossed: 1 datapoint [12.0] > 5.0; lat: in ALARM',
      },
    ],
    [
      'fails on ALARM even while another alarm has no data and the policy extends',
      [alarm('5xx', 'INSUFFICIENT_DATA'), alarm('p99', 'ALARM')],
      bake({ policy: 'extend' }),
      { kind: 'alarm', alarms: ['p99'], reason: 'p99: in ALARM' },
    ],
    [
      'fails on ALARM in the post-release watch',
      [alarm('5xx', 'ALARM')],
      watch(),
      { kind: 'alarm', alarms: ['5xx'], reason: '5xx: in ALARM' },
    ],
    [
      'fails a bake with no data when the policy is fail: a bake never promotes without data',
      [alarm('5xx', 'OK'), alarm('p99', 'INSUFFICIENT_DATA')],
      bake({ policy: 'fail' }),
      { kind: 'no-data', alarms: ['p99'], reason: 'no data from p99; a bake never promotes without data' },
    ],
    [
      'extends a bake with no data by one bake when the policy is extend',
      [alarm('5xx', 'INSUFFICIENT_DATA')],
      bake({ policy: 'extend', bakeSeconds: 120, maxExtensionSeconds: 300, extendedSeconds: 0 }),
      { kind: 'extend', extendSeconds: 120, waiting: ['5xx'] },
    ],
    [
      'extends only by what remains of the limit',
      [alarm('5xx', 'INSUFFICIENT_DATA')],
      bake({ policy: 'extend', bakeSeconds: 120, maxExtensionSeconds: 300, extendedSeconds: 240 }),
      { kind: 'extend', extendSeconds: 60, waiting: ['5xx'] },
    ],
    [
      'fails with no data once the extensions reach the limit',
      [alarm('5xx', 'INSUFFICIENT_DATA')],
      bake({ policy: 'extend', bakeSeconds: 120, maxExtensionSeconds: 300, extendedSeconds: 300 }),
      { kind: 'no-data', alarms: ['5xx'], reason: 'no data from 5xx after extending the bake by 300s' },
    ],
    [
      'extends a zero-second bake by at least one second',
      [alarm('5xx', 'INSUFFICIENT_DATA')],
      bake({ policy: 'extend', bakeSeconds: 0 }),
      { kind: 'extend', extendSeconds: 1, waiting: ['5xx'] },
    ],
    [
      'passes the post-release watch on no data: it does not undo a promoted release',
      [alarm('5xx', 'INSUFFICIENT_DATA')],
      watch({ policy: 'fail' }),
      { kind: 'pass' },
    ],
    [
      'treats an alarm that does not exist as no data, whatever the policy',
      [alarm('5xx', 'OK'), alarm('typo-alarm', undefined)],
      bake({ policy: 'extend' }),
      { kind: 'no-data', alarms: ['typo-alarm'], reason: 'alarm does not exist: typo-alarm' },
    ],
    // CloudWatch API reference, DescribeAlarms: a composite alarm is omitted, not refused, when
    // the caller's DescribeAlarms permission is narrower than `*`; an omitted alarm watches nothing.
    [
      'fails the post-release watch on a configured alarm CloudWatch does not return, naming it',
      [alarm('5xx', 'OK'), alarm('checkout-composite', undefined)],
      watch(),
      { kind: 'missing', alarms: ['checkout-composite'] },
    ],
    [
      'fails the soak on a configured alarm CloudWatch does not return, even beside no data',
      [alarm('5xx', 'INSUFFICIENT_DATA'), alarm('gone', undefined)],
      bake({ phase: 'soak' }),
      { kind: 'missing', alarms: ['gone'] },
    ],
  ])('%s', (_behaviour, statuses, policy, verdict) => {
    // Act + Assess
    expect(judgeAlarms(statuses, policy)).toEqual(verdict);
  });

  it('extends bake after bake until the limit, then fails', () => {
    // Prepare
    const statuses = [alarm('5xx', 'INSUFFICIENT_DATA')];
    const verdicts: AlarmVerdict[] = [];
    let extendedSeconds = 0;

    // Act: what the state machine's CheckAlarms → ExtendBake loop does
    for (let i = 0; i < 10; i++) {
      const verdict = judgeAlarms(statuses, bake({ policy: 'extend', bakeSeconds: 120, extendedSeconds }));
      verdicts.push(verdict);
      if (verdict.kind !== 'extend') break;
      extendedSeconds += verdict.extendSeconds;
    }

    // Assess
    expect(verdicts.map((v) => (v.kind === 'extend' ? v.extendSeconds : v.kind))).toEqual([
      120,
      120,
      60,
      'no-data',
    ]);
    expect(extendedSeconds).toBe(300);
  });
});
