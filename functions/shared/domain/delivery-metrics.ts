/**
 * DORA's four software delivery metrics, computed from the release records (pure).
 *
 * The definitions are DORA's (dora.dev, "DORA's software delivery metrics: the four keys"):
 * - deployment frequency: how often changes are deployed to production;
 * - change lead time: the time a committed change takes to be deployed to production;
 * - change fail rate: the share of deployments that cause a failure in production and need
 *   immediate intervention (a rollback or a hotfix);
 * - failed deployment recovery time (time to restore): how long it takes to recover from a failed
 *   deployment, from the moment the failure is known to service restored.
 *
 * DORA measures production; Sluice computes each metric for every environment, and names which
 * one is production (the last in the config's order, dev → staging → prod, unless asked).
 *
 * A record holds one (release, environment) and its latest attempt; a re-push starts a new attempt
 * in the same record and its history goes on (records.ts newAttempt). So each metric reads the
 * history, split at its `started` entries, one attempt each: an earlier attempt that rolled back
 * still counts as a failed deployment after a later one succeeded.
 */

import { parseDuration } from './duration.js';
import {
  type HistoryEntry,
  type HistoryEvent,
  isReleaseRecord,
  isTerminal,
  type ReleaseRecord,
  type StoredRecord,
  TERMINAL_STATUSES,
  type TerminalStatus,
  type Trigger,
} from './release.js';

/** How an attempt ended, as its last ending entry says; undefined while it runs. */
type Outcome = TerminalStatus;

/** The history entries that end an attempt: one per terminal status, of the same name. */
const ENDINGS: readonly HistoryEvent[] = TERMINAL_STATUSES;

/** One attempt of one release in one environment, as its record's history tells it. */
export interface Attempt {
  releaseId: string;
  environment: string;
  /** 1 for the first push of the commit. */
  attempt: number;
  /** The attempt took the environment (a `began` entry): it was deployed, whatever came after. */
  began: boolean;
  /** The record's latest attempt, not ended yet. */
  running: boolean;
  /** When the new version took all the environment's traffic. */
  promotedAt?: string;
  outcome?: Outcome;
  endedAt?: string;
  /** What ended it, where the record still says (the latest attempt only). */
  trigger?: Trigger;
  /** When the failure was known: the alarm's own state change, Sluice's alarm or analysis entry, or the person's abort or rollback. */
  detectedAt?: string;
  /** When all traffic was back on the previous version. */
  restoredAt?: string;
}

const isEnding = (entry: HistoryEntry) => ENDINGS.includes(entry.event);

/** The record's attempts, oldest first: its history split at each `started` entry. */
export function attemptsOf(record: ReleaseRecord): Attempt[] {
  const segments: HistoryEntry[][] = [];
  for (const entry of record.history) {
    if (entry.event === 'started' || segments.length === 0) segments.push([]);
    segments.at(-1)?.push(entry);
  }
  if (segments.length === 0) segments.push([]);
  const first = (record.attempt ?? 1) - (segments.length - 1);
  return segments.map((entries, i) => {
    const latest = i === segments.length - 1;
    const attempt = attemptOf(record, entries, Math.max(1, first + i));
    return latest ? withRecordFields(attempt, record) : attempt;
  });
}

function attemptOf(record: ReleaseRecord, entries: HistoryEntry[], attempt: number): Attempt {
  const ending = entries.findLast(isEnding);
  const outcome = ending?.event as Outcome | undefined;
  const restored = entries.findLast((e) => e.event === 'traffic_restored');
  // Sluice's own sighting of the failure: an alarm a bake check found, a failing analysis verdict.
  const sighted = ending ? entries.find((e) => e.event === 'alarm' && e.at <= ending.at) : undefined;
  const promoted = entries.findLast((e) => e.event === 'promoted');
  return {
    releaseId: record.releaseId,
    environment: record.environment,
    attempt,
    began: entries.some((e) => e.event === 'began'),
    running: false,
    ...(promoted ? { promotedAt: promoted.at } : {}),
    ...(outcome ? { outcome, endedAt: ending?.at } : {}),
    ...(outcome === 'rolled_back' || outcome === 'aborted'
      ? { detectedAt: sighted?.at ?? ending?.at, ...(sighted ? { trigger: 'alarm' as const } : {}) }
      : {}),
    // The Rollback task restores the listener and records the ending in one write.
    ...(restored ? { restoredAt: restored.at } : outcome === 'rolled_back' ? { restoredAt: ending?.at } : {}),
  };
}

/** The latest attempt: the record's own fields, where it has them, are exact. */
function withRecordFields(latest: Attempt, record: ReleaseRecord): Attempt {
  // The latest attempt's targets, steps and promotion are its own (newAttempt clears them): it
  // took the environment even where an older writer recorded no `began` entry.
  const attempt = {
    ...latest,
    began: latest.began || record.targets !== undefined || record.steps.length > 0 || !!record.promotedAt,
    running: !isTerminal(record),
  };
  const cause = record.cause;
  const analysis =
    cause?.trigger === 'analysis' && attempt.endedAt
      ? record.history.findLast((e) => e.event === 'analysis' && e.at <= (attempt.endedAt ?? ''))
      : undefined;
  const ended =
    !attempt.outcome && attempt.began && isTerminal(record)
      ? { outcome: record.status, ...(record.endedAt ? { endedAt: record.endedAt } : {}) }
      : {};
  return {
    ...attempt,
    ...ended,
    ...(record.promotedAt ? { promotedAt: record.promotedAt } : {}),
    ...(record.restoredAt && attempt.restoredAt ? { restoredAt: record.restoredAt } : {}),
    ...(cause && attempt.outcome ? { trigger: cause.trigger } : {}),
    ...(attempt.detectedAt && (cause?.alarmChangedAt ?? analysis?.at)
      ? { detectedAt: cause?.alarmChangedAt ?? analysis?.at }
      : {}),
  };
}

/** A duration's distribution, in milliseconds: the median and the 90th percentile (nearest rank). */
export interface DurationStats {
  n: number;
  medianMs?: number;
  p90Ms?: number;
  minMs?: number;
  maxMs?: number;
}

/** The median (the mean of the middle two for an even count) and nearest-rank p90 of durations. */
export function durationStats(values: number[]): DurationStats {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n };
  const at = (i: number) => sorted[i] ?? 0;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return {
    n,
    medianMs: Math.round(median),
    p90Ms: at(Math.ceil(0.9 * n) - 1),
    minMs: at(0),
    maxMs: at(n - 1),
  };
}

export interface DeploymentFrequency {
  environment: string;
  /** Attempts whose new version took all traffic within the window. */
  deployments: number;
  /** Distinct UTC days with at least one. */
  daysWithADeployment: number;
  perDay: number;
  perWeek: number;
}

export interface LeadTime extends DurationStats {
  environment: string;
  /** Of the n: measured from the commit's own timestamp (the push event's `head_commit.timestamp`). */
  fromCommit: number;
  /** Of the n: the record has no commit time, so from when Sluice received the push (a lower bound). */
  fromPush: number;
}

export interface ChangeFailureRate {
  environment: string;
  /** Deployments that ended rolled back or failed. */
  failed: number;
  rolledBack: number;
  failedToDeploy: number;
  /** Deployments that ended, the excluded ones not counted. */
  deployments: number;
  /** failed / deployments; null with no deployment. */
  rate: number | null;
  /** Not counted either way: a newer push took over, a person aborted it, or an approver said no. */
  excluded: { superseded: number; aborted: number; rejected: number };
  /** Still running (or in the post-release watch): not ended, not counted yet. */
  open: number;
}

export interface TimeToRestore extends DurationStats {
  environment: string;
  /** Of the n, by what caught the failure. */
  byTrigger: Partial<Record<Trigger | 'unknown', number>>;
}

export interface DeliveryMetrics {
  window: { since: string; until: string; days: number };
  /** The environment DORA's metrics are about. */
  production: string;
  deploymentFrequency: DeploymentFrequency[];
  leadTime: LeadTime[];
  changeFailureRate: ChangeFailureRate[];
  timeToRestore: TimeToRestore[];
}

export interface MetricsOptions {
  /** The environments, in the config's order. */
  environments: string[];
  /** @default the last of `environments` */
  production?: string;
  now: Date;
  /** The window's length in seconds, ending now. @default 30 days */
  sinceSeconds?: number;
}

/** A metrics window: "30d", "2w", or a config duration ("12h", "90m", "3600"); undefined when none, or zero. */
export function parseWindow(value: string): number | undefined {
  const days = /^(\d+)\s*([dw])$/.exec(value.trim());
  const seconds = days ? Number(days[1]) * (days[2] === 'w' ? 7 : 1) * 86_400 : parseDuration(value);
  return seconds && seconds > 0 ? seconds : undefined;
}

const between = (at: string | undefined, from: number, to: number) => {
  if (!at) return false;
  const t = Date.parse(at);
  return t >= from && t <= to;
};
const elapsed = (from: string, to: string) => Date.parse(to) - Date.parse(from);

/** DORA's four metrics over the records' attempts that fall in the window, per environment. */
export function deliveryMetrics(records: StoredRecord[], options: MetricsOptions): DeliveryMetrics {
  const until = options.now.getTime();
  const sinceSeconds = options.sinceSeconds ?? 30 * 86_400;
  const since = until - sinceSeconds * 1000;
  const days = sinceSeconds / 86_400;
  const releases = records.filter(isReleaseRecord);
  const attempts = releases.flatMap(attemptsOf);
  const pushedAt = firstStartOfEachRelease(releases);
  const commits = new Map(releases.map((r) => [r.releaseId, r.commit?.committedAt]));
  const inEnv = (env: string) => attempts.filter((a) => a.environment === env);

  return {
    window: { since: new Date(since).toISOString(), until: options.now.toISOString(), days },
    production: options.production ?? options.environments.at(-1) ?? 'prod',
    deploymentFrequency: options.environments.map((environment) => {
      const deployed = inEnv(environment).filter((a) => between(a.promotedAt, since, until));
      const deployments = deployed.length;
      return {
        environment,
        deployments,
        daysWithADeployment: new Set(deployed.map((a) => a.promotedAt?.slice(0, 10))).size,
        perDay: days > 0 ? round(deployments / days) : 0,
        perWeek: days > 0 ? round((deployments / days) * 7) : 0,
      };
    }),
    leadTime: options.environments.map((environment) => {
      let fromCommit = 0;
      let fromPush = 0;
      const durations: number[] = [];
      for (const a of inEnv(environment)) {
        if (!a.promotedAt || !between(a.promotedAt, since, until)) continue;
        const committed = commits.get(a.releaseId);
        const start = committed ?? pushedAt.get(a.releaseId);
        if (!start || Number.isNaN(Date.parse(start))) continue;
        if (committed) fromCommit++;
        else fromPush++;
        durations.push(elapsed(start, a.promotedAt));
      }
      return { environment, ...durationStats(durations), fromCommit, fromPush };
    }),
    changeFailureRate: options.environments.map((environment) =>
      changeFailureRate(environment, inEnv(environment), since, until),
    ),
    timeToRestore: options.environments.map((environment) => {
      const byTrigger: TimeToRestore['byTrigger'] = {};
      const durations: number[] = [];
      for (const a of inEnv(environment)) {
        if (a.outcome !== 'rolled_back' && a.outcome !== 'aborted') continue;
        if (!a.detectedAt || !a.restoredAt || !between(a.restoredAt, since, until)) continue;
        durations.push(Math.max(0, elapsed(a.detectedAt, a.restoredAt)));
        const key = a.trigger ?? 'unknown';
        byTrigger[key] = (byTrigger[key] ?? 0) + 1;
      }
      return { environment, ...durationStats(durations), byTrigger };
    }),
  };
}

/**
 * The change fail rate of one environment. The denominator is the deployments that ended in the
 * window: attempts that took the environment (a `began` entry; a push whose checks failed, or that
 * never got the environment, deployed nothing there). DORA counts the deployments that need
 * immediate intervention, a rollback or a hotfix: here those rolled back (by an alarm, an analysis
 * verdict, a failed post-release watch or an operator's `sluice rollback` after success) or failed
 * (the deploy itself broke). Not counted either way, and reported apart:
 * - superseded: a newer push replaced the change before it was judged; nothing showed it failed;
 * - aborted: a person stopped it; the record cannot tell a failure seen by a person from a change
 *   of plan, and DORA's rate is about failures, so guessing either way would bias it;
 * - rejected: an approver said no before any traffic moved; no deployment reached users.
 */
function changeFailureRate(
  environment: string,
  attempts: Attempt[],
  since: number,
  until: number,
): ChangeFailureRate {
  const result: ChangeFailureRate = {
    environment,
    failed: 0,
    rolledBack: 0,
    failedToDeploy: 0,
    deployments: 0,
    rate: null,
    excluded: { superseded: 0, aborted: 0, rejected: 0 },
    open: 0,
  };
  for (const a of attempts) {
    if (a.running) {
      result.open++;
      continue;
    }
    if (!a.began || !a.outcome) continue;
    if (!between(a.endedAt, since, until)) continue;
    switch (a.outcome) {
      case 'succeeded':
        result.deployments++;
        break;
      case 'rolled_back':
        result.deployments++;
        result.rolledBack++;
        break;
      case 'failed':
        result.deployments++;
        result.failedToDeploy++;
        break;
      case 'superseded':
      case 'aborted':
      case 'rejected':
        result.excluded[a.outcome]++;
        break;
    }
  }
  result.failed = result.rolledBack + result.failedToDeploy;
  result.rate = result.deployments > 0 ? round(result.failed / result.deployments) : null;
  return result;
}

/** When Sluice first heard of each release: the earliest entry of any of its records. */
function firstStartOfEachRelease(records: ReleaseRecord[]): Map<string, string> {
  const first = new Map<string, string>();
  for (const r of records) {
    const at = r.history[0]?.at ?? r.startedAt;
    const known = first.get(r.releaseId);
    if (!known || at < known) first.set(r.releaseId, at);
  }
  return first;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
