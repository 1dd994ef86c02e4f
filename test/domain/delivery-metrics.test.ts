import {
  attemptsOf,
  deliveryMetrics,
  durationStats,
} from '../../functions/shared/domain/delivery-metrics.js';
import type {
  HistoryEntry,
  PipelineRecord,
  ReleaseRecord,
  ReleaseStatus,
} from '../../functions/shared/domain/release.js';

const NOW = new Date('2026-03-31T12:00:00.000Z');
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** An ISO time `minutes` after 2026-03-30 10:00 UTC, with `ms` extra milliseconds. */
const t = (minutes: number, ms = 0) =>
  new Date(Date.parse('2026-03-30T10:00:00.000Z') + minutes * 60_000 + ms).toISOString();

const entry = (at: string, event: HistoryEntry['event'], detail?: string): HistoryEntry => ({
  at,
  event,
  ...(detail ? { detail } : {}),
});

/** A record as the handlers leave it: the fields a reader relies on, and its history. */
function record(
  releaseId: string,
  environment: string,
  status: ReleaseStatus,
  history: HistoryEntry[],
  extra: Partial<ReleaseRecord> = {},
): ReleaseRecord {
  return {
    releaseId,
    environment,
    executionName: `${releaseId}-${environment}`,
    repository: 'acme/checkout',
    service: 'checkout',
    branch: 'main',
    sha: 'a'.repeat(40),
    version: 'a'.repeat(40),
    status,
    steps: [],
    startedAt: history[0]?.at ?? t(0),
    updatedAt: history.at(-1)?.at ?? t(0),
    history,
    ...extra,
  };
}

/** A release that walked to 100% and passed its watch: began at `start`, promoted at start+10m. */
function promoted(releaseId: string, environment: string, start: number, extra: Partial<ReleaseRecord> = {}) {
  return record(
    releaseId,
    environment,
    'succeeded',
    [
      entry(t(start), 'started'),
      entry(t(start + 1), 'began'),
      entry(t(start + 2), 'shifted'),
      entry(t(start + 10), 'promoted'),
      entry(t(start + 15), 'succeeded'),
    ],
    { promotedAt: t(start + 10), endedAt: t(start + 15), ...extra },
  );
}

/** A release its alarm rolled back: the alarm changed state at start+3m, traffic restored 1,234 ms later. */
function rolledBackByAlarm(releaseId: string, environment: string, start: number) {
  return record(
    releaseId,
    environment,
    'rolled_back',
    [
      entry(t(start), 'started'),
      entry(t(start + 1), 'began'),
      entry(t(start + 2), 'shifted'),
      entry(t(start + 3, 1000), 'rolled_back', 'AlarmFiredError: checkout-prod-5xx in ALARM'),
      entry(t(start + 3, 1234), 'traffic_restored', 'all traffic on blue'),
    ],
    {
      endedAt: t(start + 3, 1000),
      restoredAt: t(start + 3, 1234),
      cause: {
        trigger: 'alarm',
        error: 'AlarmFiredError',
        message: 'checkout-prod-5xx in ALARM',
        alarm: 'checkout-prod-5xx',
        alarmChangedAt: t(start + 3),
      },
    },
  );
}

const metrics = (records: (ReleaseRecord | PipelineRecord)[], sinceSeconds?: number) =>
  deliveryMetrics(records, {
    environments: ENVIRONMENTS,
    now: NOW,
    ...(sinceSeconds ? { sinceSeconds } : {}),
  });
const of = <T extends { environment: string }>(rows: T[], env = 'prod') =>
  rows.find((r) => r.environment === env)!;

describe('Function: durationStats', () => {
  it('gives the median (mean of the middle two) and the nearest-rank p90', () => {
    expect(durationStats([5, 1, 3, 2, 4, 6, 7, 8, 9, 10])).toEqual({
      n: 10,
      medianMs: 6, // (5 + 6) / 2 = 5.5, rounded to the ms
      p90Ms: 9,
      minMs: 1,
      maxMs: 10,
    });
    expect(durationStats([7])).toMatchObject({ n: 1, medianMs: 7, p90Ms: 7 });
  });

  it('gives the count alone when there is nothing to measure', () => {
    expect(durationStats([])).toEqual({ n: 0 });
  });
});

describe('Function: deliveryMetrics', () => {
  describe('Metric: deployment frequency', () => {
    it('counts, per environment, the attempts whose version took all traffic within the window', () => {
      // Prepare: two prod deployments on two days, one in dev, one prod rollback (not deployed)
      const records = [
        promoted('r1', 'prod', 0),
        promoted('r2', 'prod', 24 * 60),
        promoted('r1', 'dev', 0),
        rolledBackByAlarm('r3', 'prod', 60),
        // outside a 7-day window: promoted 40 days ago
        promoted('r0', 'prod', -40 * 24 * 60),
      ];

      // Act
      const result = metrics(records, 7 * 86_400);

      // Assess
      expect(of(result.deploymentFrequency)).toEqual({
        environment: 'prod',
        deployments: 2,
        daysWithADeployment: 2,
        perDay: Math.round((2 / 7) * 10_000) / 10_000,
        perWeek: 2,
      });
      expect(of(result.deploymentFrequency, 'dev').deployments).toBe(1);
      expect(of(result.deploymentFrequency, 'staging').deployments).toBe(0);
      expect(result.window).toEqual({ since: '2026-03-24T12:00:00.000Z', until: NOW.toISOString(), days: 7 });
    });

    it('counts a release in its post-release watch (promoted, not ended) as deployed', () => {
      const watching = record(
        'r1',
        'prod',
        'promoted',
        [entry(t(0), 'started'), entry(t(1), 'began'), entry(t(10), 'promoted')],
        { promotedAt: t(10) },
      );

      const result = metrics([watching]);

      expect(of(result.deploymentFrequency).deployments).toBe(1);
      expect(of(result.changeFailureRate)).toMatchObject({ deployments: 0, open: 1, rate: null });
    });
  });

  describe('Metric: lead time for changes', () => {
    it("measures from the commit's timestamp to the promotion, to the millisecond", () => {
      const committed = promoted('r1', 'prod', 0, {
        commit: { message: 'fix', author: 'ana', url: 'https://x', committedAt: t(-30, 250) },
      });

      const lead = of(metrics([committed]).leadTime);

      // promoted at t(10), committed at t(-30) + 250 ms: 40 minutes less 250 ms
      expect(lead).toMatchObject({ n: 1, fromCommit: 1, fromPush: 0, medianMs: 40 * 60_000 - 250 });
    });

    it('falls back to when Sluice first heard of the release (its first record) without a commit time', () => {
      // The push reached dev at t(0); prod started at t(100) and was promoted at t(110).
      const records = [promoted('r1', 'dev', 0), promoted('r1', 'prod', 100)];

      const lead = of(metrics(records).leadTime);

      expect(lead).toMatchObject({ n: 1, fromCommit: 0, fromPush: 1, medianMs: 110 * 60_000 });
    });

    it('gives the count 0 and no durations when nothing reached production', () => {
      const result = metrics([promoted('r1', 'dev', 0), rolledBackByAlarm('r2', 'dev', 30)]);

      expect(of(result.leadTime)).toEqual({ environment: 'prod', n: 0, fromCommit: 0, fromPush: 0 });
      expect(of(result.deploymentFrequency)).toMatchObject({ deployments: 0, perDay: 0, perWeek: 0 });
      expect(of(result.changeFailureRate)).toMatchObject({ failed: 0, deployments: 0, rate: null });
      expect(of(result.timeToRestore)).toEqual({ environment: 'prod', n: 0, byTrigger: {} });
      expect(result.production).toBe('prod');
    });
  });

  describe('Metric: change failure rate', () => {
    it('divides the rolled back and failed deployments by all that ended, leaving out superseded, aborted and rejected', () => {
      const records = [
        promoted('r1', 'prod', 0),
        promoted('r2', 'prod', 100),
        rolledBackByAlarm('r3', 'prod', 200),
        // the deploy broke after it took the environment
        record(
          'r4',
          'prod',
          'failed',
          [entry(t(300), 'started'), entry(t(301), 'began'), entry(t(302), 'failed')],
          {
            endedAt: t(302),
          },
        ),
        record(
          'r5',
          'prod',
          'superseded',
          [entry(t(400), 'started'), entry(t(401), 'began'), entry(t(402), 'superseded')],
          { endedAt: t(402) },
        ),
        record(
          'r6',
          'prod',
          'aborted',
          [
            entry(t(500), 'started'),
            entry(t(501), 'began'),
            entry(t(502), 'shifted'),
            entry(t(503), 'aborted', 'by ana'),
            entry(t(503, 40), 'traffic_restored'),
          ],
          { endedAt: t(503), restoredAt: t(503, 40), cause: { trigger: 'manual', message: 'by ana' } },
        ),
        record(
          'r7',
          'prod',
          'rejected',
          [entry(t(600), 'started'), entry(t(601), 'began'), entry(t(602), 'rejected')],
          {
            endedAt: t(602),
          },
        ),
        // its checks failed: it never took prod, so it deployed nothing there
        record(
          'r8',
          'prod',
          'failed',
          [entry(t(700), 'started'), entry(t(701), 'build_rejected'), entry(t(702), 'failed')],
          {
            endedAt: t(702),
          },
        ),
        // still running
        record('r9', 'prod', 'in_progress', [entry(t(800), 'started'), entry(t(801), 'began')]),
      ];

      const cfr = of(metrics(records).changeFailureRate);

      expect(cfr).toEqual({
        environment: 'prod',
        failed: 2,
        rolledBack: 1,
        failedToDeploy: 1,
        deployments: 4,
        rate: 0.5,
        excluded: { superseded: 1, aborted: 1, rejected: 1 },
        open: 1,
      });
    });

    it("counts an operator's rollback after a release succeeded as a failed deployment", () => {
      const rolledBackLater = promoted('r1', 'prod', 0, {
        status: 'rolled_back',
        restoredAt: t(60),
        cause: { trigger: 'manual', message: 'checkout errors', by: 'ana' },
      });
      rolledBackLater.history.push(entry(t(60), 'rolled_back', 'checkout errors'));

      const result = metrics([rolledBackLater]);

      expect(of(result.changeFailureRate)).toMatchObject({
        failed: 1,
        rolledBack: 1,
        deployments: 1,
        rate: 1,
      });
      expect(of(result.deploymentFrequency).deployments).toBe(1);
      // detected when the operator acted, restored in the same write
      expect(of(result.timeToRestore)).toMatchObject({ n: 1, medianMs: 0, byTrigger: { manual: 1 } });
    });

    it("counts every attempt of a re-pushed commit: the first one's rollback stays a failure", () => {
      // Attempt 1 rolled back by a bake's alarm check; attempt 2 (a re-push) succeeded.
      const retried = record(
        'r1',
        'prod',
        'succeeded',
        [
          entry(t(0), 'started'),
          entry(t(1), 'began'),
          entry(t(2), 'shifted'),
          entry(t(3), 'alarm', 'checkout-prod-5xx is in ALARM'),
          entry(t(3, 500), 'rolled_back'),
          entry(t(20), 'started', 'attempt 2, pushed by ana'),
          entry(t(21), 'began'),
          entry(t(30), 'promoted'),
          entry(t(35), 'succeeded'),
        ],
        { attempt: 2, promotedAt: t(30), endedAt: t(35) },
      );

      const attempts = attemptsOf(retried);
      const result = metrics([retried]);

      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'rolled_back'],
        [2, 'succeeded'],
      ]);
      expect(of(result.changeFailureRate)).toMatchObject({ failed: 1, deployments: 2, rate: 0.5 });
      // Sluice's alarm entry to the rollback's own write (which restores the listener)
      expect(of(result.timeToRestore)).toMatchObject({ n: 1, medianMs: 500, byTrigger: { alarm: 1 } });
    });
  });

  describe('Metric: time to restore', () => {
    it("measures from the alarm's state change to traffic restored, to the millisecond, with median and p90", () => {
      const records = [1, 2, 3].map((i) => rolledBackByAlarm(`r${i}`, 'prod', i * 100));
      // a slower one: restored 9,000 ms after its alarm changed state
      const slow = rolledBackByAlarm('r4', 'prod', 400);
      slow.restoredAt = t(403, 9000);
      slow.history[4] = entry(t(403, 9000), 'traffic_restored');

      const ttr = of(metrics([...records, slow]).timeToRestore);

      expect(ttr).toEqual({
        environment: 'prod',
        n: 4,
        medianMs: 1234,
        p90Ms: 9000,
        minMs: 1234,
        maxMs: 9000,
        byTrigger: { alarm: 4 },
      });
    });

    it("measures an abort from the person's abort to the restore, and leaves superseded releases out", () => {
      const aborted = record(
        'r1',
        'prod',
        'aborted',
        [
          entry(t(0), 'started'),
          entry(t(1), 'began'),
          entry(t(2), 'shifted'),
          entry(t(5), 'aborted', 'by ana'),
          entry(t(5, 75), 'traffic_restored'),
        ],
        { endedAt: t(5), restoredAt: t(5, 75), cause: { trigger: 'manual', message: 'by ana', by: 'ana' } },
      );
      const superseded = record(
        'r2',
        'prod',
        'superseded',
        [
          entry(t(10), 'started'),
          entry(t(11), 'began'),
          entry(t(12), 'shifted'),
          entry(t(13), 'superseded'),
          entry(t(13, 10), 'traffic_restored'),
        ],
        { endedAt: t(13), restoredAt: t(13, 10) },
      );

      const ttr = of(metrics([aborted, superseded]).timeToRestore);

      expect(ttr).toMatchObject({ n: 1, medianMs: 75, byTrigger: { manual: 1 } });
    });

    it("starts a canary analysis rollback at the failing verdict's entry", () => {
      const analysed = record(
        'r1',
        'prod',
        'rolled_back',
        [
          entry(t(0), 'started'),
          entry(t(1), 'began'),
          entry(t(2), 'shifted'),
          entry(t(3), 'analysis', 'pass'),
          entry(t(4), 'analysis', 'canary 5xx rate 3% vs 0%'),
          entry(t(4, 300), 'rolled_back'),
        ],
        {
          endedAt: t(4, 300),
          restoredAt: t(4, 300),
          cause: { trigger: 'analysis', error: 'CanaryRegressionError', message: 'canary 5xx rate 3% vs 0%' },
        },
      );

      expect(of(metrics([analysed]).timeToRestore)).toMatchObject({
        n: 1,
        medianMs: 300,
        byTrigger: { analysis: 1 },
      });
    });
  });

  it("ignores a pipeline's own record and names the config's last environment production", () => {
    const pipeline = {
      ...promoted('r1', '@pipeline', 0),
      kind: 'pipeline',
      pipeline: { route: 'main', environments: ENVIRONMENTS },
    } as unknown as PipelineRecord;

    const result = metrics([pipeline, promoted('r1', 'prod', 0)]);

    expect(result.production).toBe('prod');
    expect(result.deploymentFrequency.map((d) => d.deployments)).toEqual([0, 0, 1]);
  });
});
