import type { Comparison, IntervalPair } from '../domain/analysis.js';

/** What the canary analysis reads: both target groups of one listener, period by period. */
export interface CanaryMetricsQuery {
  /** The environment's listener: its load balancer is the `LoadBalancer` dimension. */
  listenerArn: string;
  /** The group the new version serves from, and the live one it is compared with. */
  canary: string;
  baseline: string;
  /** The statistics beyond requests and 5xx that the comparisons need, one per interval and group. */
  comparisons: Comparison[];
  /** Inclusive start and exclusive end; both on period boundaries. */
  from: Date;
  to: Date;
  periodSeconds: number;
}

/** Reads per-target-group load balancer metrics (CloudWatch's AWS/ApplicationELB on AWS). */
export interface MetricsSource {
  /**
   * One pair per period from `from` to `to`, oldest first. A period in which a group published
   * nothing has 0 requests and no values (ALB publishes count metrics only when non-zero).
   */
  intervals(query: CanaryMetricsQuery): Promise<IntervalPair[]>;
}

/** `LoadBalancer` dimension from a listener ARN: `app/<name>/<id>`. */
export function loadBalancerDimension(listenerArn: string): string {
  const path = listenerArn.split(':listener/')[1] ?? listenerArn.split(':listener-rule/')[1];
  return path?.split('/').slice(0, 3).join('/') ?? listenerArn;
}

/** `TargetGroup` dimension from a target group ARN: `targetgroup/<name>/<id>`. */
export function targetGroupDimension(targetGroupArn: string): string {
  return targetGroupArn.slice(targetGroupArn.lastIndexOf(':') + 1);
}

/** The period starts from `from` to `to`, in ms. */
export function periodStarts(from: Date, to: Date, periodSeconds: number): number[] {
  const starts: number[] = [];
  const step = periodSeconds * 1000;
  for (let t = from.getTime(); t + step <= to.getTime(); t += step) starts.push(t);
  return starts;
}
