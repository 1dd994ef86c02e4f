import {
  type Action,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AccessScope } from '../domain/accounts.js';
import { InvalidInputError, ListenerStateError, TrafficShiftError } from '../domain/errors.js';
import type { Weights } from '../domain/release.js';
import { type ListenerRef, type TrafficRouter, VerifyingTrafficRouter } from '../ports/traffic-router.js';
import { environmentClient } from './environment-clients.js';
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

  /**
   * Writes every weight in one ModifyRule (rule set) or ModifyListener call. Both replace the
   * whole action list, so the current actions are read first and written back with only the
   * forward action's weights changed: an authenticate action before it, every Order and the
   * stickiness the user set stay as they were.
   */
  protected async writeWeights(weights: Weights): Promise<void> {
    checkWeights(weights);
    const { listenerArn, ruleArn } = this.listener;
    const actions = withWeights(await this.actions(), weights, this.target);
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
    return weightsOf(forwardActionOf(await this.actions(), this.target));
  }

  /** The forward action's TargetGroupStickinessConfig duration (1–604,800 s) when it is enabled. */
  async stickinessSeconds(): Promise<number | undefined> {
    const config = forwardActionOf(await this.actions(), this.target).ForwardConfig
      ?.TargetGroupStickinessConfig;
    return config?.Enabled ? (config.DurationSeconds ?? undefined) : undefined;
  }

  /** The rule's actions, or the listener's default actions, as ELBv2 reports them now. */
  private async actions(): Promise<Action[]> {
    const { listenerArn, ruleArn } = this.listener;
    const actions = await this.guard(`reading the actions of ${ruleArn ?? listenerArn}`, async () => {
      if (ruleArn) {
        const { Rules } = await this.client.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
        return Rules?.[0]?.Actions;
      }
      const { Listeners } = await this.client.send(
        new DescribeListenersCommand({ ListenerArns: [listenerArn] }),
      );
      return Listeners?.[0]?.DefaultActions;
    });
    return actions ?? [];
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

/** Sluice's weights are integer percentages summing to 100; anything else is refused before any call. */
function checkWeights(weights: Weights): void {
  const entries = Object.entries(weights);
  const invalid = entries.filter(([, w]) => !Number.isInteger(w) || w < 0 || w > 100);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  if (entries.length === 0 || invalid.length > 0 || total !== 100) {
    throw new InvalidInputError(
      `weights must be integer percentages summing to 100, got ${JSON.stringify(weights)}`,
    );
  }
}

/**
 * The one forward action among a listener's (or rule's) actions. ELBv2 allows exactly one
 * routing action per rule (forward, redirect or fixed-response); a listener that redirects or
 * answers itself has no weights to shift, and Sluice will not guess which of two to change.
 */
export function forwardActionOf(actions: Action[], where: string): Action {
  const forwards = actions.filter((a) => a.Type === 'forward');
  const [only] = forwards;
  if (forwards.length === 1 && only) return only;
  const types = actions.map((a) => a.Type).join(', ') || 'none';
  throw new ListenerStateError(
    forwards.length === 0
      ? `${where} has no forward action to shift (its actions: ${types})`
      : `${where} has ${forwards.length} forward actions; Sluice shifts exactly one (its actions: ${types})`,
  );
}

/**
 * The action list to write back: the forward action with these weights (the given groups first,
 * in the order given, then any other group it listed at weight 0), its Order and stickiness as
 * they were; every other action unchanged. The forward is written as ForwardConfig alone:
 * ELBv2 accepts TargetGroupArn beside it only for a single group.
 */
export function withWeights(actions: Action[], weights: Weights, where: string): Action[] {
  checkWeights(weights);
  const forward = forwardActionOf(actions, where);
  const listed =
    forward.ForwardConfig?.TargetGroups?.map((g) => g.TargetGroupArn) ??
    (forward.TargetGroupArn ? [forward.TargetGroupArn] : []);
  const others = [...new Set(listed)].filter((arn): arn is string => !!arn && !(arn in weights));
  const stickiness = forward.ForwardConfig?.TargetGroupStickinessConfig;
  const shifted: Action = {
    Type: 'forward',
    ...(forward.Order !== undefined && { Order: forward.Order }),
    ForwardConfig: {
      TargetGroups: [
        ...Object.entries(weights).map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        ...others.map((TargetGroupArn) => ({ TargetGroupArn, Weight: 0 })),
      ],
      ...(stickiness && { TargetGroupStickinessConfig: stickiness }),
    },
  };
  return actions.map((action) => (action === forward ? shifted : asWritten(action)));
}

/**
 * An action as read, made writable again. Describe* never returns an OIDC client secret, and
 * ModifyListener/ModifyRule require one unless UseExistingClientSecret is true.
 */
function asWritten(action: Action): Action {
  if (action.Type !== 'authenticate-oidc' || !action.AuthenticateOidcConfig) return action;
  const { ClientSecret: _secret, ...config } = action.AuthenticateOidcConfig;
  return { ...action, AuthenticateOidcConfig: { ...config, UseExistingClientSecret: true } };
}

/**
 * The weights of a forward action, as percentages. ALB weights are relative (0–999), so they
 * are scaled to 100 with largest-remainder rounding; percent weights come back unchanged.
 */
export function weightsOf(forward: Action): Weights {
  // A group listed without a weight has ALB's default weight of 1.
  const groups = (forward.ForwardConfig?.TargetGroups ?? []).flatMap((g): [string, number][] =>
    g.TargetGroupArn ? [[g.TargetGroupArn, g.Weight ?? 1]] : [],
  );
  const relative: [string, number][] =
    groups.length > 0 ? groups : forward.TargetGroupArn ? [[forward.TargetGroupArn, 1]] : [];
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
export const awsTrafficRouter = (listener: ListenerRef, scope: AccessScope): TrafficRouter =>
  new Elbv2TrafficRouter(
    environmentClient(ElasticLoadBalancingV2Client, scope, [listener.listenerArn, listener.ruleArn]),
    listener,
  );
