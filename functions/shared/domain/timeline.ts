import type { AnalysisVerdict } from './analysis.js';
import type { HistoryEntry, HistoryEvent, ReleaseRecord } from './release.js';
import { entryWords, type GroupNames, groupName } from './release-words.js';

/**
 * A release's timeline, for the local page and `sluice timeline`: the new version's weight over
 * time, each version's request and 5xx rate, and the moments a person cares about as markers.
 * Pure: it reads a release record and, where one is at hand, per-target-group traffic.
 *
 * Where the traffic comes from:
 * - Locally, the embedded ALB keeps every proxied request per target group (embedded/cloudwatch.ts
 *   getMetricData), so the caller passes `traffic`, period by period, for both groups.
 * - On AWS, the record holds the weight writes (`steps`, with what the listener served) and the
 *   history, and each canary analysis entry holds its evidence: both groups' 5xx and request counts
 *   since the first shift. Those counts are what `trafficFromAnalysis` reads, so an environment with
 *   `analysis` shows one point per recorded look; one without it shows the weights and markers only.
 *   (CloudWatch keeps the ALB's per-target-group metrics for 15 days; reading them from the CLI would
 *   need the metrics port there, which `--stack` does not build.)
 */

/** One period of one target group's traffic: its start (ms), requests and 5xx answers. */
export interface TrafficPeriod {
  start: number;
  /** Length of the period (ms); the rate is requests per second over it. */
  durationMs: number;
  requests: number;
  errors: number;
}

/** Traffic per target group ARN, oldest period first. */
export type GroupTraffic = Record<string, TrafficPeriod[]>;

/** How a version's series were measured. */
export type SeriesSource =
  /** Per period, from the load balancer's per-target-group metrics (the embedded ALB locally). */
  | 'load-balancer'
  /** Cumulative since the first shift, from the counts the canary analysis recorded. */
  | 'analysis';

export interface SeriesPoint {
  at: number;
  value: number;
}

/** One version's traffic: the group it is served from, named blue or green. */
export interface VersionSeries {
  /** `blue`, `green`, or the group's own name: never an ARN. */
  group: string;
  role: 'new' | 'previous';
  /** The version's label: the short SHA of the new one, "previous version" for the other. */
  label: string;
  /** Requests per second. */
  requestRate: SeriesPoint[];
  /** Percent of requests answered 5xx; a period without requests has no point. */
  errorRate: SeriesPoint[];
}

export type MarkerKind = 'alarm' | 'analysis' | 'approval' | 'rollback' | 'promoted' | 'ended';

export interface TimelineMarker {
  at: number;
  kind: MarkerKind;
  /** The entry in words (entryWords): never an ARN or an event's own name. */
  text: string;
  /** For an analysis marker: the verdict the entry recorded. */
  verdict?: AnalysisVerdict;
}

export interface Timeline {
  service: string;
  environment: string;
  /** Short SHA of the version released. */
  version: string;
  status: ReleaseRecord['status'];
  from: number;
  to: number;
  /** The new version's group, by name (blue or green), when the record knows it. */
  newGroup?: string;
  previousGroup?: string;
  /** Percent of traffic on the new version, as a step function: each point holds until the next. */
  weight: SeriesPoint[];
  versions: VersionSeries[];
  source?: SeriesSource;
  markers: TimelineMarker[];
}

export interface TimelineOptions {
  groups?: GroupNames;
  /** Per-target-group traffic (locally, from the embedded ALB); absent: what the record holds. */
  traffic?: GroupTraffic;
  /** The end of an unfinished release's timeline (ms): now. @default the last thing recorded */
  now?: number;
}

const MARKERS: Partial<Record<HistoryEvent, MarkerKind>> = {
  alarm: 'alarm',
  analysis: 'analysis',
  approval_requested: 'approval',
  approved: 'approval',
  rejected: 'approval',
  promote_now: 'approval',
  rolled_back: 'rollback',
  traffic_restored: 'rollback',
  promoted: 'promoted',
  failed: 'ended',
  aborted: 'ended',
  superseded: 'ended',
};

const ms = (iso: string) => Date.parse(iso);

/**
 * The history of the record's current attempt: a re-push after a failed, aborted or rolled-back
 * attempt keeps the record (and its history) and starts afresh with a `started` entry
 * (records.ts newAttempt), while steps and times are this attempt's alone. With their indices
 * in the whole history, which entryWords reads.
 */
export function currentAttempt(record: ReleaseRecord): { entry: HistoryEntry; index: number }[] {
  let first = 0;
  record.history.forEach((h, i) => {
    if (h.event === 'started') first = i;
  });
  return record.history.map((entry, index) => ({ entry, index })).slice(first);
}
const shortSha = (sha: string) => (/^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 7) : sha);

/** The timeline of one environment's release. */
export function buildTimeline(record: ReleaseRecord, options: TimelineOptions = {}): Timeline {
  const { groups } = options;
  const weight = weightOverTime(record);
  const markers = markersOf(record, groups);
  const fromAnalysis = options.traffic ? undefined : trafficFromAnalysis(record);
  const traffic = options.traffic ?? fromAnalysis;
  const versions = record.targets && traffic ? versionSeries(record, traffic, groups) : [];

  const times = [
    ms(record.startedAt),
    ...currentAttempt(record).map((h) => ms(h.entry.at)),
    ...record.steps.map((s) => ms(s.at)),
    ...versions.flatMap((v) => v.requestRate.map((p) => p.at)),
  ].filter(Number.isFinite);
  const from = Math.min(...times);
  const ended = record.endedAt ? ms(record.endedAt) : undefined;
  const to = Math.max(from + 1000, ended ?? options.now ?? Math.max(...times), ...times);
  return {
    service: record.service,
    environment: record.environment,
    version: shortSha(record.version),
    status: record.status,
    from,
    to,
    ...(record.targets
      ? {
          newGroup: groupName(record.targets.idle, groups),
          previousGroup: groupName(record.targets.live, groups),
        }
      : {}),
    weight,
    versions,
    ...(versions.some((v) => v.requestRate.length > 0)
      ? { source: fromAnalysis ? ('analysis' as const) : ('load-balancer' as const) }
      : {}),
    markers,
  };
}

/**
 * Every weight write on the listener, as the new version's share: 0% when the idle group joined
 * the listener, each step as the listener served it after the write (the step's `observed`),
 * 100% at promotion, and back to the group a rollback restored.
 */
export function weightOverTime(record: ReleaseRecord): SeriesPoint[] {
  const idle = record.targets?.idle;
  const writes: { at: number; weight: number; order: number }[] = [];
  const history = currentAttempt(record).map((h) => h.entry);
  const startAt = (
    history.find((h) => h.event === 'idle_attached') ?? history.find((h) => h.event === 'began')
  )?.at;
  writes.push({ at: ms(startAt ?? record.startedAt), weight: 0, order: 0 });
  for (const step of record.steps) {
    const served = idle !== undefined ? step.observed[idle] : undefined;
    writes.push({ at: ms(step.at), weight: served ?? step.weight, order: 1 });
  }
  for (const entry of history) {
    if (entry.event === 'promoted') writes.push({ at: ms(entry.at), weight: 100, order: 2 });
    if (entry.event === 'traffic_restored') {
      const to = record.restoredTo;
      writes.push({ at: ms(entry.at), weight: to !== undefined && to === idle ? 100 : 0, order: 2 });
    }
    // The Rollback task moves traffic back before it writes its ending, in the same instant.
    if (entry.event === 'rolled_back' && record.restoredAt !== undefined)
      writes.push({ at: ms(entry.at), weight: 0, order: 2 });
  }
  const sorted = writes.filter((w) => Number.isFinite(w.at)).sort((a, b) => a.at - b.at || a.order - b.order);
  const points: SeriesPoint[] = [];
  for (const w of sorted) {
    const last = points.at(-1);
    if (last && last.at === w.at) last.value = w.weight;
    else if (!last || last.value !== w.weight) points.push({ at: w.at, value: w.weight });
  }
  return points;
}

/** The entries a person looks for, in words; an alarm the record only names in its cause gets one too. */
export function markersOf(record: ReleaseRecord, groups?: GroupNames): TimelineMarker[] {
  const markers: TimelineMarker[] = [];
  const history = currentAttempt(record);
  for (const { entry, index: i } of history) {
    const kind = MARKERS[entry.event];
    if (!kind) continue;
    const verdict =
      entry.event === 'analysis'
        ? (/^(pass|fail|inconclusive)\b/.exec(entry.detail ?? '')?.[1] as AnalysisVerdict | undefined)
        : undefined;
    markers.push({
      at: ms(entry.at),
      kind,
      text: entryWords(record, i, groups),
      ...(verdict ? { verdict } : {}),
    });
  }
  const cause = record.cause;
  if (
    cause?.trigger === 'alarm' &&
    cause.alarm &&
    cause.alarmChangedAt &&
    !history.some((h) => h.entry.event === 'alarm')
  ) {
    markers.push({ at: ms(cause.alarmChangedAt), kind: 'alarm', text: `Alarm ${cause.alarm} went to ALARM` });
  }
  return markers.filter((m) => Number.isFinite(m.at)).sort((a, b) => a.at - b.at);
}

/** The 5xx and request counts in an analysis entry (domain/analysis.ts's error-rate evidence). */
const ANALYSIS_COUNTS =
  /canary (?:[\d.]+%|–) 5xx \(([\d,]+)\/([\d,]+)\) vs baseline (?:[\d.]+%|–) \(([\d,]+)\/([\d,]+)\)/;

/**
 * What the record holds of both groups' traffic on AWS: each analysis entry's counts since the
 * first shift, as one period from the first shift to the entry. The canary is the idle group.
 */
export function trafficFromAnalysis(record: ReleaseRecord): GroupTraffic | undefined {
  const first = record.steps[0]?.at;
  if (!record.targets || !first) return undefined;
  const start = ms(first);
  const traffic: GroupTraffic = { [record.targets.idle]: [], [record.targets.live]: [] };
  const number = (s: string | undefined) => Number((s ?? '').replaceAll(',', ''));
  for (const { entry } of currentAttempt(record)) {
    if (entry.event !== 'analysis') continue;
    const m = ANALYSIS_COUNTS.exec(entry.detail ?? '');
    const at = ms(entry.at);
    if (!m || !(at > start)) continue;
    const period = { start, durationMs: at - start };
    traffic[record.targets.idle]?.push({ ...period, requests: number(m[2]), errors: number(m[1]) });
    traffic[record.targets.live]?.push({ ...period, requests: number(m[4]), errors: number(m[3]) });
  }
  return Object.values(traffic).some((t) => t.length > 0) ? traffic : undefined;
}

function versionSeries(record: ReleaseRecord, traffic: GroupTraffic, groups?: GroupNames): VersionSeries[] {
  const targets = record.targets;
  if (!targets) return [];
  const side = (arn: string, role: VersionSeries['role']): VersionSeries => {
    const periods = [...(traffic[arn] ?? [])].sort((a, b) => a.start - b.start);
    // A point at the end of its period: a cumulative count is known only then.
    const end = (p: TrafficPeriod) => p.start + p.durationMs;
    return {
      group: groupName(arn, groups),
      role,
      label: role === 'new' ? shortSha(record.version) : 'previous version',
      requestRate: periods
        .filter((p) => p.durationMs > 0)
        .map((p) => ({ at: end(p), value: p.requests / (p.durationMs / 1000) })),
      errorRate: periods
        .filter((p) => p.requests > 0)
        .map((p) => ({ at: end(p), value: (100 * p.errors) / p.requests })),
    };
  };
  return [side(targets.idle, 'new'), side(targets.live, 'previous')];
}

/** A number as people read it on an axis: "120", "12", "1.5", "0.25". */
export function formatRate(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(abs >= 10 ? 3 : 2)));
}
