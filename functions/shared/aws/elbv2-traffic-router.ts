import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvalidInputError, TrafficShiftError } from '../domain/errors.js';
import type { Weights } from '../domain/release.js';
import { type ListenerRef, type TrafficRouter, VerifyingTrafficRouter } from '../ports/traffic-router.js';
import { once } from './once.js';
import { describeSdkError } from './sdk-errors.js';

/** Shifts an ALB listener's (or one rule's) weighted forward action between target groups. */
export class Elbv2TrafficRouter extends VerifyingTrafficRouter {
  protected readonly target: string;

  constructor(
    private readonly client: ElasticLoadBalancingV2Client,
    private readonly listener: ListenerRef,
  ) {
    super();
    this.target = listener.ruleArn ? `rule ${listener.ruleArn}` : `listener ${listener.listenerArn}`;
  }

  /** Writes every weight in one ModifyRule (rule set) or ModifyListener call. */
  protected async writeWeights(weights: Weights): Promise<void> {
    const actions = [forwardAction(weights)];
    const { listenerArn, ruleArn } = this.listener;
    try {
      if (ruleArn) {
        await this.client.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions }));
      } else {
        await this.client.send(
          new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: actions }),
        );
      }
    } catch (error) {
      throw new TrafficShiftError(
        `setting weights ${JSON.stringify(weights)} on ${ruleArn ?? listenerArn} failed: ${describeSdkError(error)}`,
        { cause: error },
      );
    }
  }

  /** Reads the forward action back and returns its weights as percentages summing to 100. */
  async readWeights(): Promise<Weights> {
    const { listenerArn, ruleArn } = this.listener;
    const actions = await this.guard(`reading the forward action of ${ruleArn ?? listenerArn}`, async () => {
      if (ruleArn) {
        const { Rules } = await this.client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
        return Rules?.[0]?.Actions;
      }
      const { Listeners } = await this.client.send(
        new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
      );
      return Listeners?.[0]?.DefaultActions;
    });
    return weightsOf(actions ?? []);
  }

  /** Targets whose health state is `healthy` in the target group. */
  async healthyTargets(targetGroupArn: string): Promise<number> {
    const { TargetHealthDescriptions } = await this.guard(`reading target health of ${targetGroupArn}`, () =>
      this.client.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    );
    return (TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
  }

  // Reads fail as TrafficShiftError too: ShiftTraffic reads back after each write, and the state
  // machine retries that error by name, so a throttled read is retried rather than rolled back.
  private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new TrafficShiftError(`${what} failed: ${describeSdkError(error)}`, { cause: error });
    }
  }
}

/** The forward action Sluice writes: target groups in the order given, no stickiness. */
export function forwardAction(weights: Weights): Action {
  const entries = Object.entries(weights);
  const invalid = entries.filter(([, w]) => !Number.isInteger(w) || w < 0 || w > 100);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (entries.length === 0 || invalid.length > 0 || total !== 100) {
    throw new InvalidInputError(
      `weights must be integer percentages summing to 100, got ${JSON.stringify(weights)}`,
    );
  }
  return {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: entries.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
      // Stickiness would pin clients to the old group and make the weights a lie.
      TargetGroupStickinessConfig: { Enabled: false },
    },
  };
}

/**
 * The weights of the first forward action, as percentages. ALB weights are relative (0–999), so
 * they are scaled to 100 with largest-remainder rounding; percent weights come back unchanged.
 * No forward action reads as no weights at all.
 */
export function weightsOf(actions: Action[]): Weights {
  const forward = actions.find((a) => a.Type === 'forward');
  if (!forward) return {};
  const groups = forward.ForwardConfig?.TargetGroups?.filter((g) => g.TargetGroupArn);
  const relative: [string, number][] =
    groups && groups.length > 0
      ? // A group listed without a weight has ALB's default weight of 1.
        groups.map((g) => [g.TargetGroupArn!, g.Weight ?? 1])
      : forward.TargetGroupArn
        ? [[forward.TargetGroupArn, 1]]
        : [];
  return toPercentages(relative);
}

function toPercentages(relative: [string, number][]): Weights {
  const total = relative.reduce((sum, [, w]) => sum + w, 0);
  const result: Weights = {};
  if (total === 0) {
    for (const [arn] of relative) result[arn] = 0;
    return result;
  }
  const shares = relative.map(([arn, w]) => ({ arn, exact: (w * 100) / total }));
  for (const s of shares) result[s.arn] = (result[s.arn] ?? 0) + Math.floor(s.exact);
  let missing = 100 - Object.values(result).reduce((sum, w) => sum + w, 0);
  const byRemainder = [...shares].sort((a, b) => (b.exact % 1) - (a.exact % 1));
  for (const s of byRemainder) {
    if (missing <= 0) break;
    result[s.arn] = (result[s.arn] ?? 0) + 1;
    missing -= 1;
  }
  return result;
}

/** The TrafficRouter port on AWS, for one listener (or rule). */
export const awsTrafficRouter = (listener: ListenerRef): TrafficRouter =>
  new Elbv2TrafficRouter(
    once('elbv2', () => new ElasticLoadBalancingV2Client({})),
    listener,
  );
