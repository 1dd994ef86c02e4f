import type { Service } from '@aws-sdk/client-ecs';
import { DeployError } from '../domain/errors.js';
import { describeSdkError } from './sdk-errors.js';

/** The named service in a DescribeServices answer, or why it is missing. */
export function found(
  services: Service[] | undefined,
  failures: { arn?: string; reason?: string }[] | undefined,
  name: string,
): Service & { taskDefinition: string } {
  const match = services?.find(
    (s) => s.serviceName === name || s.serviceArn === name || s.serviceArn?.endsWith(`/${name}`),
  );
  const taskDefinition = match?.taskDefinition;
  if (!match || !taskDefinition) {
    const failure = failures?.find((f) => f.arn?.endsWith(name))?.reason;
    throw new Error(`service ${name} not found (${failure ?? 'no task definition'})`);
  }
  return { ...match, taskDefinition };
}

/** Throws DeployError unless the service fronts the target group: the config's sides may be swapped. */
export function requireAttached(
  service: Service,
  targetGroupArn: string,
  problem: string,
  side: 'blue' | 'green',
  verb: string,
): void {
  const attached = (service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter(Boolean);
  if (!attached.includes(targetGroupArn)) {
    throw new DeployError(
      `${problem} ${targetGroupArn} (its target groups: ${attached.join(', ') || 'none'}); check that the ${side} service in the config is the one behind the ${side} target group — nothing was ${verb}`,
    );
  }
}

/** Runs one ECS call, turning its failure into a DeployError that says which step failed. */
export async function ecsStep<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof DeployError) throw error;
    throw new DeployError(`${what} failed: ${describeSdkError(error)}`, { cause: error });
  }
}
