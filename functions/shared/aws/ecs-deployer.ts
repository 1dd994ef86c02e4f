import {
  type ContainerDefinition,
  type Deployment,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
  waitUntilServicesStable,
} from '@aws-sdk/client-ecs';
import type { AccessScope } from '../domain/accounts.js';
import { DeployError } from '../domain/errors.js';
import type { Deployer, DeployRequest, DeployResult } from '../ports/deployer.js';
import { ecsStep, found, requireAttached } from './ecs-services.js';
import { environmentClient } from './environment-clients.js';
import { once } from './once.js';

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

export interface EcsDeployerOptions {
  /**
   * How long to wait between reads while the new deployment's rolloutState is still
   * IN_PROGRESS after the service is stable. @default 5000
   */
  settlePollMs?: number;
}

/**
 * Deploys a version to the idle side's ECS service: checks the service serves the idle target
 * group, registers a new task definition revision, rolls the service onto it at the live
 * service's size, waits until stable, and proves from the service's deployments that the new
 * revision is what runs.
 */
export class EcsDeployer implements Deployer {
  private readonly settlePollMs: number;

  constructor(
    private readonly client: ECSClient,
    options: EcsDeployerOptions = {},
  ) {
    this.settlePollMs = options.settlePollMs ?? 5000;
  }

  /** Registers a revision whose container image is tagged with the version, rolls the service onto it, waits, verifies. */
  async deploy(request: DeployRequest): Promise<DeployResult> {
    const { deploy, side, version, targetGroupArn } = request;
    if (deploy.provider !== 'ecs') {
      throw new DeployError(`EcsDeployer cannot deploy provider ${deploy.provider}`);
    }
    const startedAt = Date.now();
    const { cluster, container, timeoutSeconds } = deploy;
    const service = deploy.services[side];
    const liveService = deploy.services[side === 'blue' ? 'green' : 'blue'];
    const where = `service ${cluster}/${service}`;
    const step = <T>(what: string, call: () => Promise<T>) => ecsStep(`${where}: ${what}`, call);

    const { idle, live } = await step('DescribeServices', async () => {
      const { services, failures } = await this.client.send(
        new DescribeServicesCommand({ cluster, services: [service, liveService] }),
      );
      return { idle: found(services, failures, service), live: found(services, failures, liveService) };
    });
    // A blue/green config with the services swapped would roll the new image onto the live
    // service: only a service that the idle target group fronts may be updated.
    requireAttached(
      idle,
      targetGroupArn,
      `${where} is not attached to the idle target group`,
      side,
      'deployed',
    );
    const current = idle.taskDefinition;
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
    // The idle service takes the live service's share of traffic by the last step: it runs as
    // many tasks as the live one (at least one, or the stability wait would pass at once).
    const desiredCount = Math.max(live.desiredCount ?? 0, 1);
    await step('UpdateService', () =>
      this.client.send(new UpdateServiceCommand({ cluster, service, taskDefinition: next, desiredCount })),
    );
    await step(`waiting up to ${timeoutSeconds}s for ${next} to be stable`, async () => {
      try {
        await waitUntilServicesStable(
          { client: this.client, ...waiterTiming(timeoutSeconds) },
          { cluster, services: [service] },
        );
      } catch (error) {
        // A circuit breaker without rollback leaves the failed deployment beside the old one, so
        // the service never becomes stable: say that, rather than only that the wait timed out.
        const rollout = await this.client
          .send(new DescribeServicesCommand({ cluster, services: [service] }))
          .then(({ services }) =>
            services?.[0]?.deployments?.some((d) => d.status === 'PRIMARY')
              ? judgeRollout(services[0], next)
              : undefined,
          )
          .catch(() => undefined);
        if (rollout?.kind === 'failed')
          throw new DeployError(`${where}: ${rollout.message}`, { cause: error });
        throw error;
      }
    });
    await this.verifyRollout(where, cluster, service, next, startedAt + timeoutSeconds * 1000);
    return { deployed: next };
  }

  /**
   * "Stable" also means a circuit breaker rolled the service back to the old revision, which is
   * stable too: require that the PRIMARY deployment runs the new revision and completed.
   */
  private async verifyRollout(
    where: string,
    cluster: string,
    service: string,
    next: string,
    deadline: number,
  ): Promise<void> {
    for (;;) {
      const { services } = await ecsStep(`${where}: DescribeServices after the rollout`, () =>
        this.client.send(new DescribeServicesCommand({ cluster, services: [service] })),
      );
      const verdict = judgeRollout(services?.[0], next);
      if (verdict.kind === 'completed') return;
      if (verdict.kind === 'failed') throw new DeployError(`${where}: ${verdict.message}`);
      if (Date.now() + this.settlePollMs > deadline) {
        throw new DeployError(`${where}: ${verdict.message} when the deploy timeout ran out`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.settlePollMs));
    }
  }
}

export type RolloutVerdict =
  | { kind: 'completed' }
  | { kind: 'in_progress'; message: string }
  | { kind: 'failed'; message: string };

/**
 * Whether a service, as DescribeServices reports it after the wait, runs the new revision.
 * rolloutState goes IN_PROGRESS → COMPLETED, or FAILED when the deployment circuit breaker
 * trips; with rollback on, ECS then starts a new PRIMARY deployment of the last completed
 * revision (ECS API reference, Deployment.rolloutState and DeploymentCircuitBreaker).
 */
export function judgeRollout(service: Service | undefined, next: string): RolloutVerdict {
  const deployments = service?.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const ours = deployments.find((d) => d.taskDefinition === next);
  const why = (d: Deployment | undefined) => (d?.rolloutStateReason ? `: ${d.rolloutStateReason}` : '');
  if (!primary) {
    return { kind: 'failed', message: `no PRIMARY deployment after the rollout of ${next}` };
  }
  if (primary.taskDefinition !== next) {
    const failed = ours
      ? `; the deployment of ${next} is ${ours.rolloutState ?? ours.status}${why(ours)}`
      : '';
    // Service events come newest first; the failure is the newest that is not "steady state".
    const failure = service?.events?.find((e) => /fail|rolling back/i.test(e.message ?? ''))?.message;
    return {
      kind: 'failed',
      message: `the PRIMARY deployment runs ${primary.taskDefinition}, not ${next}: ECS rolled the service back (deployment circuit breaker)${why(primary)}${failed}${failure ? `; latest failure: ${failure}` : ''}`,
    };
  }
  if (primary.rolloutState === 'COMPLETED') return { kind: 'completed' };
  if (primary.rolloutState === 'IN_PROGRESS') {
    return { kind: 'in_progress', message: `the deployment of ${next} is still IN_PROGRESS${why(primary)}` };
  }
  if (primary.rolloutState === 'FAILED') {
    return { kind: 'failed', message: `the deployment of ${next} FAILED${why(primary)}` };
  }
  // Only the rolling update (ECS) deployment controller reports a rolloutState, and only it
  // takes a new task definition through UpdateService.
  return {
    kind: 'failed',
    message: `the deployment of ${next} reports no rolloutState; Sluice deploys to services that use the rolling update (ECS) deployment controller`,
  };
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
  const { image } = chosen;
  if (!image) throw new Error(`container ${chosen.name} has no image`);
  const containerDefinitions = containers.map((c, i) =>
    i === index ? { ...c, image: retag(image, version) } : c,
  );
  const input = {
    ...copy,
    family: taskDefinition.family,
    containerDefinitions,
  } as RegisterTaskDefinitionCommandInput;
  if (tags && tags.length > 0) input.tags = tags;
  return input;
}

/** The longest pause between two stability polls, in seconds. */
export const WAITER_MAX_DELAY_SECONDS = 30;

/**
 * The waiter polls every 15 s at first and rejects a maxWaitTime not above its minDelay, so a
 * short deploy timeout (the config accepts "10s") polls faster instead of failing before it starts.
 * ServicesStable defaults to maxDelay 600 and the smithy poller sleeps a random
 * [minDelay, min(2^(n-1)·minDelay, maxDelay)], so a rollout stable at 3 min was noticed minutes late.
 */
export function waiterTiming(timeoutSeconds: number): {
  maxWaitTime: number;
  minDelay: number;
  maxDelay: number;
} {
  const maxWaitTime = Math.max(2, Math.ceil(timeoutSeconds));
  const minDelay = Math.min(15, maxWaitTime - 1);
  return { maxWaitTime, minDelay, maxDelay: Math.max(minDelay, WAITER_MAX_DELAY_SECONDS) };
}

/** `repo:tag`, `repo@sha256:…` or `repo` → `repo:version`; a registry's `host:port/` prefix is kept. */
export function retag(image: string, version: string): string {
  const [withoutDigest = image] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}:${version}`;
}

/** The Deployer port on AWS, by provider. */
export const awsDeployer = (provider: 'ecs' | 'external', scope: AccessScope): Deployer =>
  provider === 'ecs'
    ? new EcsDeployer(environmentClient(ECSClient, scope))
    : once('external', () => new ExternalDeployer());
