import {
  type ContainerDefinition,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type TaskDefinition,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import { DeployError } from '../domain/errors.js';
import type { Deployer, DeployRequest, DeployResult } from '../ports/deployer.js';
import { once } from './once.js';
import { describeSdkError } from './sdk-errors.js';

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take. */
const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const satisfies readonly (keyof TaskDefinition)[];

/** Deploys a version to the idle side's ECS service: new task definition revision, update, wait until stable. */
export class EcsDeployer implements Deployer {
  constructor(private readonly client: ECSClient) {}

  /** Registers a revision whose container image is tagged with the version, rolls the service onto it, waits. */
  async deploy(request: DeployRequest): Promise<DeployResult> {
    const { deploy, side, version } = request;
    if (deploy.provider !== 'ecs') {
      throw new DeployError(`EcsDeployer cannot deploy provider ${deploy.provider}`);
    }
    const { cluster, container, timeoutSeconds } = deploy;
    const service = deploy.services[side];
    const step = <T>(what: string, call: () => Promise<T>) =>
      this.step(`service ${cluster}/${service}: ${what}`, call);

    const current = await step('DescribeServices', async () => {
      const { services, failures } = await this.client.send(
        new DescribeServicesCommand({ cluster, services: [service] }),
      );
      const taskDefinition = services?.[0]?.taskDefinition;
      if (!taskDefinition) {
        throw new Error(`service not found (${failures?.[0]?.reason ?? 'no task definition'})`);
      }
      return taskDefinition;
    });
    const described = await step('DescribeTaskDefinition', async () => {
      const { taskDefinition, tags } = await this.client.send(
        new DescribeTaskDefinitionCommand({ taskDefinition: current, include: ['TAGS'] }),
      );
      if (!taskDefinition) throw new Error(`task definition ${current} not found`);
      return { taskDefinition, tags };
    });
    const registration = await step(`choosing the container to run ${version}`, async () =>
      withVersion(described.taskDefinition, described.tags, version, container),
    );
    const next = await step('RegisterTaskDefinition', async () => {
      const { taskDefinition } = await this.client.send(new RegisterTaskDefinitionCommand(registration));
      if (!taskDefinition?.taskDefinitionArn) throw new Error('no task definition ARN returned');
      return taskDefinition.taskDefinitionArn;
    });
    await step('UpdateService', () =>
      this.client.send(new UpdateServiceCommand({ cluster, service, taskDefinition: next })),
    );
    await step(`waiting up to ${timeoutSeconds}s for ${next} to be stable`, () =>
      waitUntilServicesStable(
        { client: this.client, ...waiterTiming(timeoutSeconds) },
        { cluster, services: [service] },
      ),
    );
    return { deployed: next };
  }

  private async step<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new DeployError(`${what} failed: ${describeSdkError(error)}`, { cause: error });
    }
  }
}

/** For targets deployed outside Sluice: the version is already on the idle group, so there is nothing to do. */
export class ExternalDeployer implements Deployer {
  /** Reports the version as deployed without touching anything. */
  async deploy(request: DeployRequest): Promise<DeployResult> {
    return { deployed: `external:${request.version}` };
  }
}

/**
 * The registration input for a copy of the task definition whose chosen container (the named
 * one, or the first) runs the image tagged with the version.
 */
export function withVersion(
  taskDefinition: TaskDefinition,
  tags: RegisterTaskDefinitionCommandInput['tags'],
  version: string,
  containerName?: string,
): RegisterTaskDefinitionCommandInput {
  const copy: Partial<TaskDefinition> = { ...taskDefinition };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  const containers = copy.containerDefinitions ?? [];
  const index = containerName ? containers.findIndex((c) => c.name === containerName) : 0;
  const chosen: ContainerDefinition | undefined = containers[index];
  if (!chosen) {
    throw new Error(
      containerName
        ? `container ${containerName} not in ${taskDefinition.family} (has ${containers.map((c) => c.name).join(', ')})`
        : `task definition ${taskDefinition.family} has no containers`,
    );
  }
  if (!chosen.image) throw new Error(`container ${chosen.name} has no image`);
  const containerDefinitions = containers.map((c, i) =>
    i === index ? { ...c, image: retag(chosen.image!, version) } : c,
  );
  const input = {
    ...copy,
    family: taskDefinition.family,
    containerDefinitions,
  } as RegisterTaskDefinitionCommandInput;
  if (tags && tags.length > 0) input.tags = tags;
  return input;
}

/**
 * The waiter polls every 15 s at first and rejects a maxWaitTime not above its minDelay, so a
 * short deploy timeout (the config accepts "10s") polls faster instead of failing before it starts.
 */
export function waiterTiming(timeoutSeconds: number): { maxWaitTime: number; minDelay: number } {
  const maxWaitTime = Math.max(2, Math.ceil(timeoutSeconds));
  return { maxWaitTime, minDelay: Math.min(15, maxWaitTime - 1) };
}

/** `repo:tag`, `repo@sha256:…` or `repo` → `repo:version`; a registry's `host:port/` prefix is kept. */
export function retag(image: string, version: string): string {
  const withoutDigest = image.split('@')[0]!;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}:${version}`;
}

/** The Deployer port on AWS, by provider. */
export const awsDeployer = (provider: 'ecs' | 'external'): Deployer =>
  provider === 'ecs'
    ? once('ecs', () => new EcsDeployer(new ECSClient({})))
    : once('external', () => new ExternalDeployer());
