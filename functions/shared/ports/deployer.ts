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

/** Puts a version on a target group and waits until it serves. */
export interface Deployer {
  deploy(request: DeployRequest): Promise<DeployResult>;
}
