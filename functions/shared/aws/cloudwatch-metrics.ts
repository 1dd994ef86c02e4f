import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AccessScope } from '../domain/accounts.js';
import { type Comparison, comparisonKey, type IntervalPair } from '../domain/analysis.js';
import {
  type CanaryMetricsQuery,
  loadBalancerDimension,
  type MetricsSource,
  periodStarts,
  targetGroupDimension,
} from '../ports/metrics.js';
import { environmentClient } from './environment-clients.js';

type Side = 'canary' | 'baseline';

/** One GetMetricData query and where its values go. */
interface Wanted {
  id: string;
  side: Side;
  field: 'requests' | 'errors' | string;
  query: MetricDataQuery;
}

/**
 * Reads both target groups' metrics from CloudWatch's AWS/ApplicationELB namespace with one
 * GetMetricData call (paginated). Per the ALB's CloudWatch metrics documentation: RequestCount and
 * HTTPCode_Target_5XX_Count are counts whose useful statistic is Sum, and are published only when
 * non-zero; TargetResponseTime (seconds) takes percentiles; with the dimensions LoadBalancer and
 * TargetGroup each is one target group's figure behind that load balancer. GetMetricData takes up
 * to 500 queries per call (CloudWatch API reference); a canary analysis needs 2 × (2 + comparisons).
 */
export class CloudWatchMetricsSource implements MetricsSource {
  constructor(private readonly client: CloudWatchClient) {}

  async intervals(query: CanaryMetricsQuery): Promise<IntervalPair[]> {
    const wanted = queriesFor(query);
    const values = new Map<string, Map<number, number>>(wanted.map((w) => [w.id, new Map()]));
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: wanted.map((w) => w.query),
          StartTime: query.from,
          EndTime: query.to,
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const series = result.Id ? values.get(result.Id) : undefined;
        if (!series) continue;
        (result.Timestamps ?? []).forEach((at, i) => {
          const value = result.Values?.[i];
          if (value !== undefined) series.set(at.getTime(), value);
        });
      }
      nextToken = page.NextToken;
    } while (nextToken);

    return periodStarts(query.from, query.to, query.periodSeconds).map((start) => {
      const side = (name: Side) => {
        const group = { requests: 0, errors: 0, values: {} as Record<string, number | undefined> };
        for (const w of wanted.filter((x) => x.side === name)) {
          const value = values.get(w.id)?.get(start);
          if (w.field === 'requests') group.requests = value ?? 0;
          else if (w.field === 'errors') group.errors = value ?? 0;
          else group.values[w.field] = value;
        }
        return group;
      };
      return { start: new Date(start).toISOString(), canary: side('canary'), baseline: side('baseline') };
    });
  }
}

/** The GetMetricData queries for both groups: requests, 5xx, and each comparison's statistic. */
export function queriesFor(query: CanaryMetricsQuery): Wanted[] {
  const loadBalancer = loadBalancerDimension(query.listenerArn);
  const wanted: Wanted[] = [];
  for (const side of ['canary', 'baseline'] as const) {
    const dimensions = [
      { Name: 'LoadBalancer', Value: loadBalancer },
      { Name: 'TargetGroup', Value: targetGroupDimension(query[side]) },
    ];
    const stat = (id: string, field: string, namespace: string, name: string, statistic: string) =>
      wanted.push({
        id,
        side,
        field,
        query: {
          Id: id,
          MetricStat: {
            Metric: { Namespace: namespace, MetricName: name, Dimensions: dimensions },
            Period: query.periodSeconds,
            Stat: statistic,
          },
          ReturnData: true,
        },
      });
    const prefix = side === 'canary' ? 'c' : 'b';
    stat(`${prefix}_requests`, 'requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum');
    stat(`${prefix}_errors`, 'errors', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum');
    query.comparisons.forEach((c: Comparison, i) => {
      if (c.kind === 'latency')
        stat(
          `${prefix}_k${i}`,
          comparisonKey(c),
          'AWS/ApplicationELB',
          'TargetResponseTime',
          `p${c.percentile}`,
        );
      else if (c.kind === 'metric')
        stat(`${prefix}_k${i}`, comparisonKey(c), c.namespace, c.name, c.statistic);
    });
  }
  return wanted;
}

/** The MetricsSource port on AWS. */
export const awsMetrics = (scope: AccessScope): MetricsSource =>
  new CloudWatchMetricsSource(environmentClient(CloudWatchClient, scope));
