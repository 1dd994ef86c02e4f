import { TrafficShiftError } from '../../functions/shared/domain/errors.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import { type ListenerRef, VerifyingTrafficRouter } from '../../functions/shared/ports/traffic-router.js';
import type { LocalAlb } from '../alb.js';

/** Shifts the embedded ALB's weights; a rule ARN is ignored, since the local ALB routes by listener only. */
export class LocalTrafficRouter extends VerifyingTrafficRouter {
  protected readonly target: string;

  constructor(
    private readonly alb: LocalAlb,
    private readonly listener: ListenerRef,
  ) {
    super();
    this.target = `listener ${listener.listenerArn}`;
  }

  protected async writeWeights(weights: Weights): Promise<void> {
    try {
      this.alb.setWeights(this.listener.listenerArn, weights);
    } catch (error) {
      throw new TrafficShiftError(`could not set weights on ${this.listener.listenerArn}`, { cause: error });
    }
  }

  /** Reads the weights the listener routes by now. */
  async readWeights(): Promise<Weights> {
    try {
      return this.alb.readWeights(this.listener.listenerArn);
    } catch (error) {
      throw new TrafficShiftError(`could not read weights of ${this.listener.listenerArn}`, { cause: error });
    }
  }

  /** The local ALB has no target group stickiness. */
  async stickinessSeconds(): Promise<number | undefined> {
    return undefined;
  }

  /** Health-checks the group's targets now and counts those that pass. */
  async healthyTargets(targetGroupArn: string): Promise<number> {
    return (await this.alb.healthyTargets(targetGroupArn)).length;
  }
}
