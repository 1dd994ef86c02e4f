import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AccessScope } from '../domain/accounts.js';
import { DeployError } from '../domain/errors.js';
import type { ResizeRequest, ResizeResult, ServiceScaler } from '../ports/service-scaler.js';
import { ecsStep, found, requireAttached } from './ecs-services.js';
import { environmentClient } from './environment-clients.js';
import { once } from './once.js';

/**
 * Sets a side's ECS service to a desired count and returns at once: ECS starts or drains the
 * tasks on its own, and the release must not hold the environment while it does. Two calls,
 * DescribeServices and UpdateService, so the ScaleDown function holds only those.
 */
export class EcsServiceScaler implements ServiceScaler {
  constructor(private readonly client: ECSClient) {}

  async resize(request: ResizeRequest): Promise<ResizeResult> {
    const { deploy, side, targetGroupArn, desiredCount } = request;
    if (deploy.provider !== 'ecs') {
      throw new DeployError(`EcsServiceScaler cannot resize provider ${deploy.provider}`);
    }
    const { cluster } = deploy;
    const service = deploy.services[side];
    const where = `service ${cluster}/${service}`;
    const current = await ecsStep(`${where}: DescribeServices`, async () => {
      const { services, failures } = await this.client.send(
        new DescribeServicesCommand({ cluster, services: [service] }),
      );
      return found(services, failures, service);
    });
    // The group was live when the release began; were the config's services swapped, the
    // service behind it would be the one now serving: resize only the service it fronts.
    requireAttached(current, targetGroupArn, `${where} is not attached to target group`, side, 'resized');
    await ecsStep(`${where}: UpdateService`, () =>
      this.client.send(new UpdateServiceCommand({ cluster, service, desiredCount })),
    );
    return { service: `${cluster}/${service}`, from: current.desiredCount ?? 0, to: desiredCount };
  }
}

/** Sluice runs nothing for an external target, so there is nothing to resize. */
export class ExternalServiceScaler implements ServiceScaler {
  async resize(): Promise<undefined> {
    return undefined;
  }
}

/** The ServiceScaler port on AWS, by provider. */
export const awsServiceScaler = (provider: 'ecs' | 'external', scope: AccessScope): ServiceScaler =>
  provider === 'ecs'
    ? new EcsServiceScaler(environmentClient(ECSClient, scope))
    : once('external-scaler', () => new ExternalServiceScaler());
