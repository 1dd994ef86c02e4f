import type { LocalAlb } from '../../../embedded/alb.js';
import { TrafficShiftError } from '../domain/errors.js';
import type { Weights } from '../domain/release.js';
import type { ListenerRef, TrafficRouter } from '../ports/traffic-router.js';

/** Shifts the embedded ALB's weights; a rule ARN is ignored, since the local ALB routes by listener only. */
export class LocalTrafficRouter implements TrafficRouter {
  constructor(
    private readonly alb: LocalAlb,
    private readonly listener: ListenerRef,
  ) {}

  /** Replaces the listener's weights. */
  async setWeights(weights: Weights): Promise<void> {
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

  /** Health-checks the group's targets now and counts those that pass. */
  async healthyTargets(targetGroupArn: string): Promise<number> {
    return (await this.alb.healthyTargets(targetGroupArn)).length;
  }
}
