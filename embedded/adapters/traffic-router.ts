import { describeSdkError } from '../../functions/shared/aws/sdk-errors.js';
import { TrafficShiftError } from '../../functions/shared/domain/errors.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import { type ListenerRef, VerifyingTrafficRouter } from '../../functions/shared/ports/traffic-router.js';
import type { LocalPrincipal } from '../accounts.js';
import type { LocalAlb } from '../alb.js';

/** A principal that may do anything: for a LocalAlb used without accounts (tests of the ALB itself). */
const ANYONE: Pick<LocalPrincipal, 'authorize'> = { authorize: () => undefined };

/**
 * Shifts the embedded ALB's weights; a rule ARN is ignored, since the local ALB routes by listener
 * only. Every call is made as `principal`, which the listener's account may refuse (AccessDenied),
 * with the ELBv2 action the AWS adapter's call needs.
 */
export class LocalTrafficRouter extends VerifyingTrafficRouter {
  protected readonly target: string;

  constructor(
    private readonly alb: LocalAlb,
    private readonly listener: ListenerRef,
    private readonly principal: Pick<LocalPrincipal, 'authorize'> = ANYONE,
  ) {
    super();
    this.target = `listener ${listener.listenerArn}`;
  }

  protected async writeWeights(weights: Weights): Promise<void> {
    const { listenerArn, ruleArn } = this.listener;
    try {
      this.principal.authorize(
        ruleArn ? 'elasticloadbalancing:ModifyRule' : 'elasticloadbalancing:ModifyListener',
        ruleArn ?? listenerArn,
      );
      this.alb.setWeights(listenerArn, weights);
    } catch (error) {
      throw new TrafficShiftError(
        `setting weights ${JSON.stringify(weights)} on ${ruleArn ?? listenerArn} failed: ${describeSdkError(error)}`,
        { cause: error },
      );
    }
  }

  /** Reads the weights the listener routes by now. */
  async readWeights(): Promise<Weights> {
    const { listenerArn, ruleArn } = this.listener;
    try {
      this.principal.authorize(
        ruleArn ? 'elasticloadbalancing:DescribeRules' : 'elasticloadbalancing:DescribeListeners',
        ruleArn ?? listenerArn,
      );
      return this.alb.readWeights(listenerArn);
    } catch (error) {
      throw new TrafficShiftError(
        `reading the weights of ${listenerArn} failed: ${describeSdkError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /** The local ALB has no target group stickiness. */
  async stickinessSeconds(): Promise<number | undefined> {
    this.principal.authorize('elasticloadbalancing:DescribeListeners', this.listener.listenerArn);
    return undefined;
  }

  /** Health-checks the group's targets now and counts those that pass. */
  async healthyTargets(targetGroupArn: string): Promise<number> {
    this.principal.authorize('elasticloadbalancing:DescribeTargetHealth', targetGroupArn);
    return (await this.alb.healthyTargets(targetGroupArn)).length;
  }
}
