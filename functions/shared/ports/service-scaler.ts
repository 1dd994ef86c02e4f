import type { DeployInput } from '../domain/release.js';

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

/** Sizes the service behind a target group: the previous version's, once a release stands. */
export interface ServiceScaler {
  /**
   * Sets how many tasks the side's service runs, without waiting for them to start or drain;
   * undefined where the provider has nothing to resize (external).
   */
  resize(request: ResizeRequest): Promise<ResizeResult | undefined>;
}
