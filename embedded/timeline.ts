import type { ReleaseRecord } from '../functions/shared/domain/release.js';
import { type GroupNames, timeline as words } from '../functions/shared/domain/release-words.js';
import {
  buildTimeline,
  type GroupTraffic,
  type Timeline,
  type TrafficPeriod,
} from '../functions/shared/domain/timeline.js';
import { renderTimelineSvg } from '../functions/shared/domain/timeline-svg.js';
import type { LocalCloudWatch } from './cloudwatch.js';

/** Periods a timeline's traffic is cut into: enough for a line, few enough to read. */
const PERIODS = 60;
/** The embedded ALB's bucket: any period is a whole number of them. */
const BUCKET_MS = 100;

/** What the page and `sluice timeline` get for one environment's release. */
export interface TimelineView {
  releaseId: string;
  environment: string;
  timeline: Timeline;
  svg: string;
  /** The history as sentences, oldest first. */
  words: { at: string; text: string }[];
}

/**
 * Both groups' requests and 5xx answers over the release, from the embedded CloudWatch (the local
 * ALB's per-target-group metrics of real proxied traffic): undefined when no request reached either
 * group (or the metrics' 15-minute retention has passed).
 */
export function localTraffic(
  cloudwatch: Pick<LocalCloudWatch, 'getMetricData'>,
  record: ReleaseRecord,
  now: number,
): GroupTraffic | undefined {
  if (!record.targets) return undefined;
  const from = Date.parse(record.startedAt);
  const to = record.endedAt ? Date.parse(record.endedAt) : now;
  const periodMs = Math.max(BUCKET_MS, Math.ceil((to - from) / PERIODS / BUCKET_MS) * BUCKET_MS);
  const start = Math.floor(from / periodMs) * periodMs;
  const end = Math.ceil(to / periodMs) * periodMs;
  const traffic: GroupTraffic = {};
  let total = 0;
  for (const group of [record.targets.idle, record.targets.live]) {
    const [requests, errors] = cloudwatch.getMetricData({
      queries: [
        { id: 'requests', series: group, metric: 'RequestCount', stat: 'Sum' },
        { id: 'errors', series: group, metric: 'HTTPCode_Target_5XX_Count', stat: 'Sum' },
      ],
      from: start,
      to: end,
      periodSeconds: periodMs / 1000,
    });
    const valueAt = (result: typeof requests, t: number) => {
      const i = result?.timestamps.indexOf(t) ?? -1;
      return i >= 0 ? (result?.values[i] ?? 0) : 0;
    };
    // A period without a datapoint had no requests: ALB publishes count metrics only when non-zero.
    const periods: TrafficPeriod[] = [];
    for (let t = start; t + periodMs <= end; t += periodMs) {
      const r = valueAt(requests, t);
      total += r;
      periods.push({ start: t, durationMs: periodMs, requests: r, errors: valueAt(errors, t) });
    }
    traffic[group] = periods;
  }
  return total > 0 ? traffic : undefined;
}

/** One environment's release as the page and the CLI show it: the timeline, its SVG and the history in words. */
export function timelineView(
  record: ReleaseRecord,
  options: { groups?: GroupNames; cloudwatch?: Pick<LocalCloudWatch, 'getMetricData'>; now: number },
): TimelineView {
  const traffic = options.cloudwatch ? localTraffic(options.cloudwatch, record, options.now) : undefined;
  const timeline = buildTimeline(record, {
    ...(options.groups ? { groups: options.groups } : {}),
    ...(traffic ? { traffic } : {}),
    now: options.now,
  });
  return {
    releaseId: record.releaseId,
    environment: record.environment,
    timeline,
    svg: renderTimelineSvg(timeline),
    words: words(record, options.groups),
  };
}
