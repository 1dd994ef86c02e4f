import { arnLocation } from '../../functions/shared/domain/accounts.js';
import { comparisonKey, type IntervalPair } from '../../functions/shared/domain/analysis.js';
import {
  type CanaryMetricsQuery,
  type MetricsSource,
  periodStarts,
} from '../../functions/shared/ports/metrics.js';
import type { LocalPrincipal } from '../accounts.js';
import type { LocalCloudWatch, LocalMetricQuery } from '../cloudwatch.js';

/**
 * Reads both target groups' metrics from the embedded CloudWatch, which keeps them from the local
 * ALB's real proxied traffic. Metrics other than the ALB's own (a `cloudwatch` comparison's custom
 * namespace) have no local source: their values stay absent and that comparison stays inconclusive.
 * GetMetricData reads the caller's own account: as `principal`, another account's target groups
 * have no data.
 */
export class LocalMetricsSource implements MetricsSource {
  constructor(
    private readonly cloudWatch: Pick<LocalCloudWatch, 'getMetricData'>,
    private readonly principal?: Pick<LocalPrincipal, 'identity'>,
  ) {}

  async intervals(query: CanaryMetricsQuery): Promise<IntervalPair[]> {
    const queries: (LocalMetricQuery & { side: 'canary' | 'baseline'; field: string })[] = [];
    for (const side of ['canary', 'baseline'] as const) {
      const series = query[side];
      queries.push(
        { id: `${side}_requests`, side, field: 'requests', series, metric: 'RequestCount', stat: 'Sum' },
        {
          id: `${side}_errors`,
          side,
          field: 'errors',
          series,
          metric: 'HTTPCode_Target_5XX_Count',
          stat: 'Sum',
        },
      );
      query.comparisons.forEach((c, i) => {
        if (c.kind !== 'latency') return;
        queries.push({
          id: `${side}_k${i}`,
          side,
          field: comparisonKey(c),
          series,
          metric: 'TargetResponseTime',
          stat: `p${c.percentile}`,
        });
      });
    }
    const account = this.principal?.identity().account;
    const results = this.cloudWatch.getMetricData({
      queries: queries.filter((q) => !account || arnLocation(q.series)?.account === account),
      from: query.from.getTime(),
      to: query.to.getTime(),
      periodSeconds: query.periodSeconds,
    });
    const byId = new Map(results.map((r) => [r.id, new Map(r.timestamps.map((t, i) => [t, r.values[i]!]))]));
    return periodStarts(query.from, query.to, query.periodSeconds).map((start) => {
      const side = (name: 'canary' | 'baseline') => {
        const group = { requests: 0, errors: 0, values: {} as Record<string, number | undefined> };
        for (const q of queries.filter((x) => x.side === name)) {
          const value = byId.get(q.id)?.get(start);
          if (q.field === 'requests') group.requests = value ?? 0;
          else if (q.field === 'errors') group.errors = value ?? 0;
          else group.values[q.field] = value;
        }
        return group;
      };
      return { start: new Date(start).toISOString(), canary: side('canary'), baseline: side('baseline') };
    });
  }
}
