import { randomUUID } from 'node:crypto';
import type { AlarmEpisode, AlarmState, AlarmStatus } from '../functions/shared/ports/alarm-source.js';
import type { MetricWindow } from './alb.js';
import type { LocalAlarmConfig } from './config.js';

/** One side of an alarm state change, as CloudWatch writes it. */
export interface AlarmStateValue {
  value: AlarmState;
  reason: string;
  /** JSON text, as CloudWatch sends it. */
  reasonData?: string;
  /** e.g. 2019-10-01T13:56:40.987+0000 */
  timestamp: string;
}

export type AlarmMetricQuery =
  | {
      id: string;
      metricStat: {
        metric: { namespace: string; name: string; dimensions: Record<string, string> };
        period: number;
        stat: string;
      };
      returnData: boolean;
    }
  | { id: string; expression: string; label: string; returnData: boolean };

/** The EventBridge event CloudWatch sends when a metric alarm changes state ("CloudWatch Alarm State Change"). */
export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'CloudWatch Alarm State Change';
  source: 'aws.cloudwatch';
  account: string;
  /** e.g. 2019-10-02T17:04:40Z */
  time: string;
  region: string;
  /** The alarm's ARN. */
  resources: string[];
  detail: {
    alarmName: string;
    state: AlarmStateValue;
    previousState: AlarmStateValue;
    configuration: { description?: string; metrics: AlarmMetricQuery[] };
  };
}

/** An alarm on one listener's metrics, or on one of its target groups'. */
export interface LocalAlarmDefinition {
  name: string;
  config: LocalAlarmConfig;
  listenerArn: string;
  targetGroups: { blue: string; green: string };
}

/** One GetMetricData query of the local CloudWatch: a series of the ALB (a target group ARN). */
export interface LocalMetricQuery {
  id: string;
  /** The MetricStore series: a target group's (or a listener's) ARN. */
  series: string;
  metric: 'RequestCount' | 'HTTPCode_Target_5XX_Count' | 'TargetResponseTime';
  /** Sum, Average, Maximum or pNN. */
  stat: string;
}

export interface LocalMetricDataRequest {
  queries: LocalMetricQuery[];
  /** ms */
  from: number;
  to: number;
  periodSeconds: number;
}

export interface LocalMetricDataResult {
  id: string;
  /** Period starts, ms, oldest first. */
  timestamps: number[];
  values: number[];
}

/** Where the alarms read their data: LocalAlb.metrics. */
export interface MetricReader {
  query(seriesKey: string, fromMs: number, toMs: number): MetricWindow;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface LocalCloudWatchOptions {
  /** Anything with the ALB's metrics; a LocalAlb. */
  alb: { readonly metrics: MetricReader };
  /** Multiplies alarm periods: 0.05 makes a 60 s period last 3 s. */
  timeScale: number;
  alarms: LocalAlarmDefinition[];
  /** @default the system clock */
  clock?: Clock;
}

type StateListener = (event: AlarmStateChangeEvent) => unknown;

interface Alarm extends LocalAlarmDefinition {
  arn: string;
  account: string;
  region: string;
  periodMs: number;
  /** CloudWatch names a single-metric alarm's query with a UUID. */
  metricId: string;
  state: AlarmStateValue;
  timer?: unknown;
}

/** One datapoint of an evaluation: its period's start and value, undefined when missing. */
interface Datapoint {
  start: number;
  value: number | undefined;
}

/**
 * CloudWatch metric alarms over the local ALB's metrics, on a scaled clock. At each period
 * boundary an alarm evaluates its last evaluationPeriods completed periods: ALARM when
 * datapointsToAlarm of them breach. Missing datapoints follow treatMissingData as CloudWatch
 * documents it (alarms-and-missing-data), without the evaluation range's look-back beyond the
 * last evaluationPeriods periods.
 */
export class LocalCloudWatch {
  private readonly alarms = new Map<string, Alarm>();
  private readonly listeners = new Set<StateListener>();
  /** Every state change, oldest first, as DescribeAlarmHistory's StateUpdate items record them. */
  private readonly history: { name: string; at: number; value: AlarmState; reason: string }[] = [];
  private readonly clock: Clock;
  private readonly metrics: MetricReader;
  private running = false;

  constructor(options: LocalCloudWatchOptions) {
    this.clock = options.clock ?? systemClock;
    this.metrics = options.alb.metrics;
    const now = awsTimestamp(this.clock.now());
    for (const definition of options.alarms) {
      const [, , , region = 'us-east-1', account = '123456789012'] = definition.listenerArn.split(':');
      this.alarms.set(definition.name, {
        ...definition,
        region,
        account,
        arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${definition.name}`,
        metricId: randomUUID(),
        periodMs: Math.max(1, definition.config.period * 1000 * options.timeScale),
        state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: now },
      });
    }
  }

  /** Evaluates every alarm at each of its period boundaries until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const alarm of this.alarms.values()) this.schedule(alarm);
  }

  /** The account an alarm lives in (its environment's), undefined for no such alarm. */
  accountOf(name: string): string | undefined {
    return this.alarms.get(name)?.account;
  }

  /** The names of every alarm, in definition order. */
  names(): string[] {
    return [...this.alarms.keys()];
  }

  /** Stops evaluating; states stay as they are. */
  stop(): void {
    this.running = false;
    for (const alarm of this.alarms.values()) {
      if (alarm.timer !== undefined) this.clock.clearTimeout(alarm.timer);
      alarm.timer = undefined;
    }
  }

  /** Evaluates every alarm over the periods completed at `at` (default now), as start() does at each boundary. */
  evaluate(at = this.clock.now()): void {
    for (const alarm of this.alarms.values()) this.evaluateAlarm(alarm, at);
  }

  /** One status per name, in order; state is undefined for an alarm that does not exist. */
  describe(names: string[]): AlarmStatus[] {
    return names.map((name) => {
      const alarm = this.alarms.get(name);
      if (!alarm) return { name, state: undefined };
      return {
        name,
        state: alarm.state.value,
        reason: alarm.state.reason,
        updatedAt: new Date(parseAwsTimestamp(alarm.state.timestamp)).toISOString(),
      };
    });
  }

  /** The first change of each named alarm into ALARM at or after `since`, oldest first. */
  alarmedSince(names: string[], since: Date): AlarmEpisode[] {
    const wanted = new Set(names);
    const first = new Map<string, AlarmEpisode>();
    for (const h of this.history) {
      if (!wanted.has(h.name) || h.value !== 'ALARM' || h.at < since.getTime() || first.has(h.name)) continue;
      first.set(h.name, { name: h.name, at: new Date(h.at).toISOString(), reason: h.reason });
    }
    return [...first.values()];
  }

  /**
   * GetMetricData over the local ALB's per-target-group series: one result per query, a value per
   * period from `from` to `to`, oldest first. As on AWS, a count metric has no datapoint in a period
   * without requests, and a statistic of an empty period is absent.
   */
  getMetricData(request: LocalMetricDataRequest): LocalMetricDataResult[] {
    const step = request.periodSeconds * 1000;
    return request.queries.map((q) => {
      const timestamps: number[] = [];
      const values: number[] = [];
      for (let start = request.from; start + step <= request.to; start += step) {
        const window = this.metrics.query(q.series, start, start + step);
        const value =
          q.metric === 'RequestCount'
            ? countStatistic(q.stat as LocalAlarmConfig['statistic'], window.requests)
            : q.metric === 'HTTPCode_Target_5XX_Count'
              ? countStatistic(q.stat as LocalAlarmConfig['statistic'], window.target5xx)
              : latencyStatistic(
                  q.stat as LocalAlarmConfig['statistic'],
                  window.latenciesMs.map((ms) => ms / 1000),
                );
        if (value === undefined) continue;
        timestamps.push(start);
        values.push(value);
      }
      return { id: q.id, timestamps, values };
    });
  }

  /** Like CloudWatch's SetAlarmState: sets the state until the next evaluation decides again. */
  setAlarmState(name: string, state: AlarmState, reason: string, reasonData?: string): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`ResourceNotFound: alarm ${name} does not exist`);
    this.transition(alarm, { value: state, reason, reasonData, timestamp: awsTimestamp(this.clock.now()) });
  }

  /** Calls the listener with the EventBridge event of every state change; returns an unsubscribe function. */
  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(alarm: Alarm): void {
    const now = this.clock.now();
    const nextBoundary = (Math.floor(now / alarm.periodMs) + 1) * alarm.periodMs;
    // A few ms past the boundary, so the period's last bucket is complete.
    alarm.timer = this.clock.setTimeout(
      () => {
        if (!this.running) return;
        this.evaluateAlarm(alarm, this.clock.now());
        this.schedule(alarm);
      },
      nextBoundary - now + 5,
    );
  }

  private evaluateAlarm(alarm: Alarm, at: number): void {
    const { config, periodMs } = alarm;
    const n = config.evaluationPeriods;
    const m = Math.min(config.datapointsToAlarm ?? n, n);
    const boundary = Math.floor(at / periodMs) * periodMs;
    const datapoints: Datapoint[] = [];
    for (let k = n; k >= 1; k--) {
      const start = boundary - k * periodMs;
      datapoints.push({ start, value: this.datapoint(alarm, start, start + periodMs) });
    }
    const present = datapoints.filter((d) => d.value !== undefined);
    const missing = n - present.length;
    const breaching = present.filter((d) => breaches(config, d.value as number)).length;

    let next: AlarmState | 'retain';
    switch (config.treatMissingData) {
      case 'breaching':
        next = breaching + missing >= m ? 'ALARM' : 'OK';
        break;
      case 'notBreaching':
        next = breaching >= m ? 'ALARM' : 'OK';
        break;
      case 'ignore':
        // Missing points are unknown: decide only when the present points settle it either way.
        next = breaching >= m ? 'ALARM' : breaching + missing < m ? 'OK' : 'retain';
        break;
      default:
        // 'missing': judge the points there are; none at all is INSUFFICIENT_DATA.
        next =
          present.length === 0
            ? 'INSUFFICIENT_DATA'
            : breaching >= Math.min(m, present.length)
              ? 'ALARM'
              : 'OK';
    }
    if (next === 'retain' || next === alarm.state.value) return;

    this.transition(alarm, {
      value: next,
      reason: reasonFor(alarm, next, datapoints, { m, breaching, missing }),
      reasonData: JSON.stringify({
        version: '1.0',
        queryDate: awsTimestamp(this.clock.now()),
        startDate: awsTimestamp(datapoints[0]?.start ?? boundary),
        statistic: config.metric === 'ErrorRate' ? undefined : config.statistic,
        period: config.period,
        recentDatapoints: present.map((d) => d.value),
        threshold: config.threshold,
        evaluatedDatapoints: datapoints
          .filter((d) => d.value !== undefined)
          .reverse()
          .map((d) => ({ timestamp: awsTimestamp(d.start), value: d.value })),
      }),
      timestamp: awsTimestamp(this.clock.now()),
    });
  }

  /** The alarm's statistic over one period, or undefined when ALB would have published no datapoint. */
  private datapoint(alarm: Alarm, from: number, to: number): number | undefined {
    const { config } = alarm;
    const series = config.targetGroup ? alarm.targetGroups[config.targetGroup] : alarm.listenerArn;
    const window = this.metrics.query(series, from, to);
    switch (config.metric) {
      case 'ErrorRate':
        return window.requests === 0 ? undefined : (100 * window.target5xx) / window.requests;
      case 'RequestCount':
        return countStatistic(config.statistic, window.requests);
      case 'HTTPCode_Target_5XX_Count':
        return countStatistic(config.statistic, window.target5xx);
      case 'TargetResponseTime':
        return latencyStatistic(
          config.statistic,
          window.latenciesMs.map((ms) => ms / 1000),
        );
    }
  }

  private transition(alarm: Alarm, state: AlarmStateValue): void {
    const previous = alarm.state;
    alarm.state = state;
    if (previous.value === state.value) return;
    this.history.push({ name: alarm.name, at: this.clock.now(), value: state.value, reason: state.reason });
    const event: AlarmStateChangeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: alarm.account,
      time: `${new Date(this.clock.now()).toISOString().slice(0, 19)}Z`,
      region: alarm.region,
      resources: [alarm.arn],
      detail: {
        alarmName: alarm.name,
        state: withoutUndefined(state),
        previousState: withoutUndefined(previous),
        configuration: { metrics: metricQueries(alarm) },
      },
    };
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error) => reportListenerError(error));
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

function reportListenerError(error: unknown): void {
  console.error('LocalCloudWatch: an onStateChange listener failed', error);
}

/** ALB publishes its count metrics only when non-zero; Minimum, Maximum and Average of them are always 1. */
function countStatistic(statistic: LocalAlarmConfig['statistic'], count: number): number | undefined {
  if (count === 0) return undefined;
  return statistic === 'Sum' ? count : 1;
}

function latencyStatistic(statistic: LocalAlarmConfig['statistic'], seconds: number[]): number | undefined {
  if (seconds.length === 0) return undefined;
  const sum = seconds.reduce((a, b) => a + b, 0);
  switch (statistic) {
    case 'Sum':
      return sum;
    case 'Average':
      return sum / seconds.length;
    case 'Maximum':
      return Math.max(...seconds);
    default: {
      const sorted = [...seconds].sort((a, b) => a - b);
      const rank = Math.ceil((Number(statistic.slice(1)) / 100) * sorted.length);
      return sorted[Math.max(0, rank - 1)];
    }
  }
}

function breaches(config: LocalAlarmConfig, value: number): boolean {
  switch (config.comparison) {
    case 'GreaterThanThreshold':
      return value > config.threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= config.threshold;
    case 'LessThanThreshold':
      return value < config.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= config.threshold;
  }
}

const comparisonWords: Record<LocalAlarmConfig['comparison'], string> = {
  GreaterThanThreshold: 'greater than',
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** CloudWatch's reason wording, e.g. "Threshold Crossed: 1 out of the last 1 datapoints [12.0 (02/10/19 16:59:00)] was greater than…". */
function reasonFor(
  alarm: Alarm,
  next: AlarmState,
  datapoints: Datapoint[],
  counts: { m: number; breaching: number; missing: number },
): string {
  const { config } = alarm;
  const n = datapoints.length;
  if (next === 'INSUFFICIENT_DATA') {
    return `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`;
  }
  const present = datapoints.filter((d) => d.value !== undefined).reverse();
  const words = comparisonWords[config.comparison];
  const threshold = formatNumber(config.threshold);
  if (present.length === 0) {
    const treated = config.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
    return `Threshold Crossed: no datapoints were received for ${n} period${n === 1 ? '' : 's'} and ${n} missing datapoint${n === 1 ? ' was' : 's were'} treated as [${treated}].`;
  }
  const listed = present
    .map((d) => `${formatNumber(d.value as number)} (${cloudWatchDate(d.start)})`)
    .join(', ');
  const matching = next === 'ALARM' ? counts.breaching : present.length - counts.breaching;
  const verb = matching === 1 ? 'was' : 'were';
  const transition =
    next === 'ALARM'
      ? `minimum ${counts.m} datapoint${counts.m === 1 ? '' : 's'} for OK -> ALARM transition`
      : `minimum ${n - counts.m + 1} datapoint${n - counts.m + 1 === 1 ? '' : 's'} for ALARM -> OK transition`;
  const missingNote =
    counts.missing > 0 && config.treatMissingData !== 'missing' && config.treatMissingData !== 'ignore'
      ? ` and ${counts.missing} missing datapoint${counts.missing === 1 ? ' was' : 's were'} treated as [${config.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching'}]`
      : '';
  return `Threshold Crossed: ${matching} out of the last ${present.length} datapoints [${listed}] ${verb} ${next === 'ALARM' ? '' : 'not '}${words} the threshold (${threshold})${missingNote} (${transition}).`;
}

/** The metric (or metric math) an alarm reads, in the shape of the event's configuration.metrics. */
function metricQueries(alarm: Alarm): AlarmMetricQuery[] {
  const { config } = alarm;
  // ALB dimensions: LoadBalancer "app/name/id" from the listener ARN, TargetGroup "targetgroup/name/id".
  const loadBalancer =
    alarm.listenerArn.split(':listener/')[1]?.split('/').slice(0, 3).join('/') ?? alarm.listenerArn;
  const dimensions: Record<string, string> = { LoadBalancer: loadBalancer };
  if (config.targetGroup) {
    const arn = alarm.targetGroups[config.targetGroup];
    dimensions.TargetGroup = arn.slice(arn.lastIndexOf(':') + 1);
  }
  const metric = (id: string, name: string, stat: string, returnData: boolean): AlarmMetricQuery => ({
    id,
    metricStat: {
      metric: { namespace: 'AWS/ApplicationELB', name, dimensions },
      period: config.period,
      stat,
    },
    returnData,
  });
  if (config.metric === 'ErrorRate') {
    return [
      { id: 'e1', expression: '100 * m1 / m2', label: 'ErrorRate', returnData: true },
      metric('m1', 'HTTPCode_Target_5XX_Count', 'Sum', false),
      metric('m2', 'RequestCount', 'Sum', false),
    ];
  }
  return [metric(alarm.metricId, config.metric, config.statistic, true)];
}

function withoutUndefined(state: AlarmStateValue): AlarmStateValue {
  const { reasonData, ...rest } = state;
  return reasonData === undefined ? rest : { ...rest, reasonData };
}

/** 2019-10-01T13:56:40.987+0000, as CloudWatch writes state timestamps. */
function awsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function parseAwsTimestamp(text: string): number {
  return Date.parse(text.replace('+0000', 'Z'));
}

/** 02/10/19 16:59:00 (dd/MM/yy, UTC), as in CloudWatch's reasons. */
function cloudWatchDate(ms: number): string {
  const d = new Date(ms);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
