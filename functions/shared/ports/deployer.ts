import type { DeployInput } from '../domain/release.js';

export interface DeployRequest {
  environment: string;
  deploy: DeployInput;
  /** The target group the version goes to (always the idle one). */
  targetGroupArn: string;
  /** Which side that group is, in the config's terms. */
  side: 'blue' | 'green';
  version: string;
}

export interface DeployResult {
  /** What now runs behind the target group, e.g. the ECS task definition ARN. */
  deployed: string;
}

export interface ResizeRequest {
  environment: string;
  deploy: DeployInput;
  /** The target group whose service is resized: that service must still be attached to it. */
  targetGroupArn: string;
  side: 'blue' | 'green';
  desiredCount: number;
}

export interface ResizeResult {
  service: string;
  from: number;
  to: number;
}

/** Puts a version on a target group and waits until it serves. */
export interface Deployer {
  deploy(request: DeployRequest): Promise<DeployResult>;
  /**
   * Sets how many tasks the side's service runs, without waiting for them to start or drain;
   * undefined where the provider has nothing to resize (external).
   */
  resize(request: ResizeRequest): Promise<ResizeResult | undefined>;
}
