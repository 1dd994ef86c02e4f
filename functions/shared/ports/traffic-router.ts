import { TrafficShiftError } from '../domain/errors.js';
import type { Weights } from '../domain/release.js';
import { weightsMatch } from '../domain/traffic.js';

/** The listener (and optionally one of its rules) whose forward action Sluice shifts. */
export interface ListenerRef {
  listenerArn: string;
  ruleArn?: string;
}

/** Reads one listener's (or rule's) weights and its target groups' health; changes nothing. */
export interface TrafficReader {
  /** The weights the load balancer actually serves now, as percentages. */
  readWeights(): Promise<Weights>;
  /** Healthy targets in a target group, for the gate before each shift. */
  healthyTargets(targetGroupArn: string): Promise<number>;
  /** The forward action's target group stickiness duration in seconds; undefined when it is off. */
  stickinessSeconds(): Promise<number | undefined>;
}

/** Moves traffic between the two target groups of one listener or rule. */
export interface TrafficRouter extends TrafficReader {
  /**
   * Sets both weights in one write, reads them back, and fails with TrafficShiftError unless the
   * load balancer serves exactly them. Returns what it serves.
   */
  shift(weights: Weights): Promise<Weights>;
}

/**
 * The write-then-verify half every adapter shares, as Argo Rollouts pairs SetWeight with
 * VerifyWeight: an adapter says how to write and how to read; `shift` never trusts the write.
 */
export abstract class VerifyingTrafficRouter implements TrafficRouter {
  /** Where the weights live, for messages. */
  protected abstract readonly target: string;
  /** One write of every weight. */
  protected abstract writeWeights(weights: Weights): Promise<void>;
  abstract readWeights(): Promise<Weights>;
  abstract healthyTargets(targetGroupArn: string): Promise<number>;
  abstract stickinessSeconds(): Promise<number | undefined>;

  async shift(weights: Weights): Promise<Weights> {
    await this.writeWeights(weights);
    const observed = await this.readWeights();
    if (!weightsMatch(weights, observed)) {
      throw new TrafficShiftError(
        `${this.target} reads ${JSON.stringify(observed)} after writing ${JSON.stringify(weights)}`,
      );
    }
    return observed;
  }
}
