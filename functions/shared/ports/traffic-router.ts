import type { Weights } from '../domain/release.js';

/** The listener (and optionally one of its rules) whose forward action Sluice shifts. */
export interface ListenerRef {
  listenerArn: string;
  ruleArn?: string;
}

/** Moves traffic between the two target groups of one listener or rule. */
export interface TrafficRouter {
  /** Sets both weights in one call; weights are percentages summing to 100. */
  setWeights(weights: Weights): Promise<void>;
  /** Reads the weights the load balancer actually serves now. */
  readWeights(): Promise<Weights>;
  /** Healthy targets in a target group, for the gate before each shift. */
  healthyTargets(targetGroupArn: string): Promise<number>;
}
