import {
  type AnalysisSettings,
  type IntervalPair,
  judgeCanary,
} from '../../functions/shared/domain/analysis.js';
import type { HistoryEntry, ReleaseRecord, StepRecord } from '../../functions/shared/domain/release.js';
import {
  buildTimeline,
  markersOf,
  trafficFromAnalysis,
  weightOverTime,
} from '../../functions/shared/domain/timeline.js';
import { recordOf, releaseInput } from '../support/release.js';

const input = releaseInput('prod');
const { blue, green } = input.environment.targetGroups;
const groups = { blue, green };
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const entry = (seconds: number, event: HistoryEntry['event'], detail?: string): HistoryEntry => ({
  at: at(seconds),
  event,
  ...(detail ? { detail } : {}),
});
const step = (index: number, weight: number, seconds: number, served = weight): StepRecord => ({
  index,
  weight,
  observed: { [green]: served, [blue]: 100 - served },
  at: at(seconds),
});

/** Blue live, green idle: a canary of 10% then 50%, then its ending. */
function canary(overrides: Partial<ReleaseRecord>, ending: HistoryEntry[]): ReleaseRecord {
  return recordOf(input, {
    status: 'in_progress',
    steps: [step(0, 10, 20), step(1, 50, 80)],
    history: [
      entry(0, 'started'),
      entry(5, 'began'),
      entry(10, 'idle_attached'),
      entry(15, 'deployed'),
      entry(20, 'shifted', '10% on the new version'),
      entry(80, 'shifted', '50% on the new version'),
      ...ending,
    ],
    ...overrides,
  });
}

const SNAKE = /\b[a-z]+_[a-z_]+\b/;

describe('Function: weightOverTime', () => {
  it('reads each weight write with its time: 0% when the idle group joins, each step, 100% at promotion', () => {
    // Prepare
    const record = canary({ status: 'succeeded', promotedAt: at(140) }, [entry(140, 'promoted')]);

    // Act
    const weight = weightOverTime(record);

    // Assess
    expect(weight).toEqual([
      { at: T0 + 10_000, value: 0 },
      { at: T0 + 20_000, value: 10 },
      { at: T0 + 80_000, value: 50 },
      { at: T0 + 140_000, value: 100 },
    ]);
  });

  it('plots what the listener served after a write, not the weight the step asked for', () => {
    // Prepare: ALB rounds nothing, but a step recorded 25% served when it asked for 30%
    const record = canary({ steps: [step(0, 30, 20, 25)] }, []);

    // Act
    const weight = weightOverTime(record);

    // Assess
    expect(weight.map((p) => p.value)).toEqual([0, 25]);
  });

  it('goes back to 0% when the Rollback task restored the live group', () => {
    // Prepare
    const record = canary({ status: 'rolled_back', restoredAt: at(95), endedAt: at(95) }, [
      entry(90, 'alarm', 'shop-prod-5xx in ALARM'),
      entry(95, 'rolled_back', 'AlarmFiredError: alarm fired'),
    ]);

    // Act / Assess
    expect(weightOverTime(record).at(-1)).toEqual({ at: T0 + 95_000, value: 0 });
  });

  it('follows a manual rollback to the group it chose: all on the new version when that is the idle one', () => {
    // Prepare
    const record = canary({ status: 'rolled_back', restoredTo: green, restoredAt: at(100) }, [
      entry(100, 'traffic_restored', `manual: all traffic on green (${green})`),
    ]);

    // Act / Assess
    expect(weightOverTime(record).at(-1)).toEqual({ at: T0 + 100_000, value: 100 });
  });
});

describe('Function: markersOf', () => {
  it('marks alarms, analysis verdicts, approval asked and decided, rollback and promotion, each in words', () => {
    // Prepare
    const record = canary(
      {
        status: 'succeeded',
        approval: {
          id: 'ap_1',
          status: 'approved',
          expiresAt: at(3600),
          decidedBy: 'U024BE7LH',
          decidedAt: at(18),
        },
      },
      [
        entry(16, 'approval_requested'),
        entry(18, 'approved', 'approved by <@U024BE7LH>'),
        entry(60, 'analysis', 'pass at 10%: canary 0.1% 5xx (1/1,000) vs baseline 0.1% (9/9,000)'),
        entry(140, 'promoted', `${green} serves 100%`),
      ],
    );

    // Act
    const markers = markersOf(record, groups);

    // Assess
    expect(markers.map((m) => m.kind)).toEqual(['approval', 'approval', 'analysis', 'promoted']);
    expect(markers[2]?.verdict).toBe('pass');
    expect(markers[1]?.text).toBe('Approved by U024BE7LH');
    expect(markers[3]?.text).toMatch(/^Promoted: green serves all traffic/);
    for (const m of markers) {
      expect(m.text).not.toMatch(/arn:/);
      expect(m.text).not.toMatch(SNAKE);
    }
  });

  it('marks the alarm of a rollback the alarm event ended, from the cause, when no bake check recorded it', () => {
    // Prepare
    const record = canary(
      {
        status: 'rolled_back',
        endedAt: at(96),
        cause: {
          trigger: 'alarm',
          alarm: 'shop-prod-5xx',
          alarmChangedAt: at(92),
          message: 'alarm shop-prod-5xx in ALARM: Threshold Crossed',
        },
      },
      [entry(96, 'rolled_back', 'AlarmFiredError'), entry(96, 'traffic_restored', `all traffic on ${blue}`)],
    );

    // Act
    const markers = markersOf(record, groups);

    // Assess
    expect(markers.map((m) => [m.kind, m.at - T0])).toEqual([
      ['alarm', 92_000],
      ['rollback', 96_000],
      ['rollback', 96_000],
    ]);
    expect(markers[0]?.text).toBe('Alarm shop-prod-5xx went to ALARM');
    expect(markers[2]?.text).toBe('Traffic restored: blue serves all traffic');
  });
});

describe('Function: buildTimeline', () => {
  it("turns the embedded ALB's periods into each version's requests per second and 5xx rate", () => {
    // Prepare: two 10 s periods; green serves 100 then 200 requests, blue 900 then 800
    const period = (start: number, requests: number, errors: number) => ({
      start: T0 + start * 1000,
      durationMs: 10_000,
      requests,
      errors,
    });
    const record = canary({}, []);

    // Act
    const timeline = buildTimeline(record, {
      groups,
      traffic: {
        [green]: [period(20, 100, 5), period(30, 200, 0)],
        [blue]: [period(20, 900, 0), period(30, 800, 8)],
      },
      now: T0 + 120_000,
    });

    // Assess
    expect(timeline).toMatchObject({ newGroup: 'green', previousGroup: 'blue', source: 'load-balancer' });
    expect(timeline.to).toBe(T0 + 120_000);
    const [fresh, previous] = timeline.versions;
    expect(fresh).toMatchObject({ group: 'green', role: 'new', label: input.release.version.slice(0, 7) });
    expect(fresh?.requestRate).toEqual([
      { at: T0 + 30_000, value: 10 },
      { at: T0 + 40_000, value: 20 },
    ]);
    expect(fresh?.errorRate.map((p) => p.value)).toEqual([5, 0]);
    expect(previous).toMatchObject({ group: 'blue', role: 'previous', label: 'previous version' });
    expect(previous?.errorRate.map((p) => p.value)).toEqual([0, 1]);
  });

  it('leaves a period without requests out of the 5xx rate instead of calling it 0%', () => {
    // Prepare
    const record = canary({}, []);

    // Act
    const timeline = buildTimeline(record, {
      groups,
      traffic: { [green]: [{ start: T0 + 20_000, durationMs: 10_000, requests: 0, errors: 0 }], [blue]: [] },
    });

    // Assess
    expect(timeline.versions[0]?.requestRate).toEqual([{ at: T0 + 30_000, value: 0 }]);
    expect(timeline.versions[0]?.errorRate).toEqual([]);
  });

  it('has weights and markers but no traffic when the record holds no analysis (AWS without analysis)', () => {
    // Act
    const timeline = buildTimeline(
      canary({ status: 'succeeded', endedAt: at(150) }, [entry(140, 'promoted')]),
    );

    // Assess
    expect(timeline.versions).toEqual([]);
    expect(timeline.source).toBeUndefined();
    expect(timeline.weight.length).toBe(4);
    expect(timeline.to).toBe(T0 + 150_000);
  });
});

describe('Function: buildTimeline, a later attempt', () => {
  it("draws only the current attempt: the record's history goes on, its steps and times start afresh", () => {
    // Prepare: attempt 1 was rolled back by its alarm; attempt 2 (a re-push) is at its first step
    const record = recordOf(input, {
      status: 'in_progress',
      attempt: 2,
      startedAt: at(200),
      steps: [step(0, 10, 220)],
      history: [
        entry(0, 'started'),
        entry(10, 'idle_attached'),
        entry(20, 'shifted'),
        entry(90, 'alarm', 'shop-prod-5xx in ALARM'),
        entry(95, 'rolled_back', 'AlarmFiredError: alarm fired'),
        entry(200, 'started', 'attempt 2'),
        entry(210, 'idle_attached'),
        entry(220, 'shifted'),
      ],
    });

    // Act
    const timeline = buildTimeline(record, { groups, now: T0 + 240_000 });

    // Assess
    expect(timeline.from).toBe(T0 + 200_000);
    expect(timeline.weight).toEqual([
      { at: T0 + 210_000, value: 0 },
      { at: T0 + 220_000, value: 10 },
    ]);
    expect(timeline.markers).toEqual([]);
  });
});

describe('Function: trafficFromAnalysis (what the record holds on AWS)', () => {
  const settings: AnalysisSettings = {
    intervalSeconds: 60,
    confidence: 0.95,
    minRequests: 200,
    inconclusive: 'pass',
    comparisons: [
      { kind: 'errorRate', maxIncreasePoints: 0.5 },
      { kind: 'latency', percentile: 99, maxIncreasePercent: 20 },
    ],
  };
  const pair = (canary: [number, number], baseline: [number, number]): IntervalPair => ({
    start: at(0),
    canary: { requests: canary[0], errors: canary[1], values: { 'latency:p99': 0.1 } },
    baseline: { requests: baseline[0], errors: baseline[1], values: { 'latency:p99': 0.1 } },
  });

  it("reads back the counts judgeCanary's evidence carries, as AnalyzeCanary records it", () => {
    // Prepare: the evidence of a real judgement, recorded as analyze-canary.ts writes it
    const intervals = [pair([1200, 30], [10_800, 11]), pair([1300, 31], [11_700, 12])];
    const result = judgeCanary(intervals, settings);
    expect(result.verdict).toBe('fail');
    const record = canary({}, [entry(140, 'analysis', `fail: ${result.evidence}`)]);

    // Act
    const traffic = trafficFromAnalysis(record);

    // Assess: one period from the first shift to the entry, with the summed counts
    expect(traffic?.[green]).toEqual([
      { start: T0 + 20_000, durationMs: 120_000, requests: 2500, errors: 61 },
    ]);
    expect(traffic?.[blue]).toEqual([
      { start: T0 + 20_000, durationMs: 120_000, requests: 22_500, errors: 23 },
    ]);
    const timeline = buildTimeline(record, { groups });
    expect(timeline.source).toBe('analysis');
    expect(timeline.versions[0]?.errorRate[0]?.value).toBeCloseTo(2.44, 2);
    expect(timeline.markers[0]).toMatchObject({ kind: 'analysis', verdict: 'fail' });
  });

  it('reads nothing from a look before either side had requests', () => {
    // Prepare
    const result = judgeCanary([pair([0, 0], [0, 0])], settings);
    const record = canary({}, [entry(140, 'analysis', `inconclusive at 10%: ${result.evidence}`)]);

    // Act / Assess: "canary – 5xx (0/0)" is still counts: zero requests, no 5xx rate
    const timeline = buildTimeline(record, { groups });
    expect(timeline.versions[0]?.requestRate).toEqual([{ at: T0 + 140_000, value: 0 }]);
    expect(timeline.versions[0]?.errorRate).toEqual([]);
  });
});
