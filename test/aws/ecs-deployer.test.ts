import {
  type Deployment,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  EcsDeployer,
  ExternalDeployer,
  judgeRollout,
  retag,
  waiterTiming,
} from '../../functions/shared/aws/ecs-deployer.js';
import { EcsServiceScaler, ExternalServiceScaler } from '../../functions/shared/aws/ecs-service-scaler.js';
import { DeployError } from '../../functions/shared/domain/errors.js';
import type { DeployRequest } from '../../functions/shared/ports/deployer.js';
import type { ResizeRequest } from '../../functions/shared/ports/service-scaler.js';

const ecs = mockClient(ECSClient);

const CURRENT = 'arn:aws:ecs:us-east-1:111111111111:task-definition/web:7';
const NEXT = 'arn:aws:ecs:us-east-1:111111111111:task-definition/web:8';

const described: TaskDefinition = {
  taskDefinitionArn: CURRENT,
  family: 'web',
  revision: 7,
  status: 'ACTIVE',
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.ecr-auth' }],
  compatibilities: ['EC2', 'FARGATE'],
  registeredAt: new Date('2026-01-01T00:00:00Z'),
  registeredBy: 'arn:aws:iam::111111111111:role/deployer',
  deregisteredAt: new Date('2026-01-02T00:00:00Z'),
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
  containerDefinitions: [
    {
      name: 'log-router',
      image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
      essential: true,
    },
    {
      name: 'app',
      image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:0123abcd',
      essential: true,
      portMappings: [{ containerPort: 8080 }],
    },
  ],
};

const BLUE_TG = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/web-blue/1a2b3c4d5e6f7a8b';
const GREEN_TG = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/web-green/8b7a6f5e4d3c2b1a';

function request(overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    environment: 'prod',
    deploy: {
      provider: 'ecs',
      cluster: 'main',
      services: { blue: 'web-blue', green: 'web-green' },
      container: 'app',
      timeoutSeconds: 300,
    },
    targetGroupArn: GREEN_TG,
    side: 'green',
    version: 'abc1234',
    ...overrides,
  };
}

/** A deployment as DescribeServices reports it for the rolling update (ECS) controller. */
function deployment(
  id: string,
  taskDefinition: string,
  count: number,
  rolloutState: Deployment['rolloutState'],
  rolloutStateReason: string,
): Deployment {
  return {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: count,
    pendingCount: 0,
    runningCount: count,
    failedTasks: 0,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:05:00Z'),
    launchType: 'FARGATE',
    rolloutState,
    rolloutStateReason,
  };
}

/** A Fargate service behind one target group, as DescribeServices reports it once stable. */
function service(name: string, targetGroupArn: string, taskDefinition: string, count: number): Service {
  return {
    serviceArn: `arn:aws:ecs:us-east-1:111111111111:service/main/${name}`,
    serviceName: name,
    clusterArn: 'arn:aws:ecs:us-east-1:111111111111:cluster/main',
    loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
    status: 'ACTIVE',
    desiredCount: count,
    runningCount: count,
    pendingCount: 0,
    launchType: 'FARGATE',
    taskDefinition,
    deploymentConfiguration: {
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 100,
    },
    deploymentController: { type: 'ECS' },
    deployments: [
      deployment(
        'ecs-svc/1111',
        taskDefinition,
        count,
        'COMPLETED',
        'ECS deployment ecs-svc/1111 completed.',
      ),
    ],
    events: [{ id: 'e1', createdAt: new Date(), message: `(service ${name}) has reached a steady state.` }],
  };
}

type Outcome = 'completes' | 'rolledBack' | 'settlesLate';

/**
 * ECS as the deployer meets it: blue live with 4 tasks, green idle with 1 (or as given);
 * DescribeServices answers for the services asked, UpdateService rolls green as `outcome` says.
 */
function cluster(
  outcome: Outcome = 'completes',
  services: Service[] = [
    service('web-blue', BLUE_TG, CURRENT, 4),
    service('web-green', GREEN_TG, CURRENT, 1),
  ],
) {
  const state = new Map(services.map((s) => [s.serviceName!, structuredClone(s)]));
  let readsAfterUpdate = 0;
  let updated = false;
  ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => {
    if (updated && outcome === 'settlesLate' && ++readsAfterUpdate > 2) {
      for (const s of state.values()) for (const d of s.deployments ?? []) d.rolloutState = 'COMPLETED';
    }
    const found = input.services.flatMap((name) => {
      const s = state.get(name);
      return s ? [structuredClone(s)] : [];
    });
    const failures = input.services
      .filter((name) => !state.has(name))
      .map((name) => ({ arn: `arn:aws:ecs:us-east-1:111111111111:service/main/${name}`, reason: 'MISSING' }));
    return { services: found, failures };
  });
  ecs
    .on(UpdateServiceCommand)
    .callsFake((input: { service: string; taskDefinition: string; desiredCount?: number }) => {
      updated = true;
      const s = state.get(input.service)!;
      const count = input.desiredCount ?? s.desiredCount ?? 1;
      Object.assign(s, { desiredCount: count, runningCount: count });
      if (outcome === 'rolledBack') {
        // The circuit breaker failed the new deployment and rolled back to the last completed one.
        s.deployments = [
          deployment(
            'ecs-svc/3333',
            CURRENT,
            count,
            'COMPLETED',
            'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1111.',
          ),
        ];
        s.events = [
          {
            id: 'e4',
            createdAt: new Date(),
            message: `(service ${input.service}) has reached a steady state.`,
          },
          {
            id: 'e3',
            createdAt: new Date(),
            message: `(service ${input.service}) (deployment ecs-svc/2222) deployment failed: tasks failed to start.`,
          },
        ];
      } else {
        s.taskDefinition = input.taskDefinition;
        const late = outcome === 'settlesLate';
        s.deployments = [
          deployment(
            'ecs-svc/2222',
            input.taskDefinition,
            count,
            late ? 'IN_PROGRESS' : 'COMPLETED',
            late ? 'ECS deployment ecs-svc/2222 in progress.' : 'ECS deployment ecs-svc/2222 completed.',
          ),
        ];
      }
      return { service: structuredClone(s) };
    });
  return { service: (name: string) => state.get(name)! };
}

function registers() {
  ecs
    .on(DescribeTaskDefinitionCommand)
    .resolves({ taskDefinition: described, tags: [{ key: 'team', value: 'web' }] });
  ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
}

describe('Class: EcsDeployer', () => {
  const deployer = new EcsDeployer(new ECSClient({ region: 'us-east-1' }), { settlePollMs: 0 });

  beforeEach(() => {
    ecs.reset();
  });

  describe('Method: deploy', () => {
    it("registers a revision with the named container's image retagged, and rolls the idle service onto it", async () => {
      // Prepare
      cluster();
      registers();

      // Act
      const result = await deployer.deploy(request());

      // Assess
      expect(result).toEqual({ deployed: NEXT });
      expect(ecs).toHaveReceivedNthCommandWith(1, DescribeServicesCommand, {
        cluster: 'main',
        services: ['web-green', 'web-blue'],
      });
      expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, {
        taskDefinition: CURRENT,
        include: ['TAGS'],
      });
      const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
      expect(registered).toEqual({
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
        containerDefinitions: [
          {
            name: 'log-router',
            image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:stable',
            essential: true,
          },
          {
            name: 'app',
            image: '111111111111.dkr.ecr.us-east-1.amazonaws.com/web:abc1234',
            essential: true,
            portMappings: [{ containerPort: 8080 }],
          },
        ],
        tags: [{ key: 'team', value: 'web' }],
      });
      expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, {
        cluster: 'main',
        service: 'web-green',
        taskDefinition: NEXT,
      });
    });

    it('sizes the idle service to the live one before traffic moves', async () => {
      // Prepare: blue (live) runs 4 tasks; green (idle) was kept at 1
      const ecsState = cluster();
      registers();

      // Act
      await deployer.deploy(request());

      // Assess
      expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
        { cluster: 'main', service: 'web-green', taskDefinition: NEXT, desiredCount: 4 },
      ]);
      expect(ecsState.service('web-green').runningCount).toBe(4);
      expect(ecsState.service('web-blue').desiredCount).toBe(4);
    });

    it('runs at least one task on the idle service, so that "stable" is not met at once by zero tasks', async () => {
      // Prepare: ECS calls a service with 0 desired and 0 running stable at once
      cluster('completes', [
        service('web-blue', BLUE_TG, CURRENT, 0),
        service('web-green', GREEN_TG, CURRENT, 0),
      ]);
      registers();

      // Act
      await deployer.deploy(request());

      // Assess
      expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'web-green', desiredCount: 1 });
    });

    // waitUntilServicesStable succeeds once one deployment runs its desired count, and a
    // circuit-breaker rollback ends exactly so, on the old revision (aws-actions/
    // amazon-ecs-deploy-task-definition#191). "If the service fails to reach a steady state and
    // circuit breaker is turned on, the deployment transitions to a FAILED state"; with rollback
    // on, "the service is rolled back to the last deployment that completed successfully" (ECS API
    // reference, Deployment.rolloutState and DeploymentCircuitBreaker).
    it('fails with DeployError naming the rollback when the circuit breaker rolled the service back', async () => {
      // Prepare
      cluster('rolledBack');
      registers();

      // Act
      const caught = (await deployer.deploy(request()).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toBe(
        `service main/web-green: the PRIMARY deployment runs ${CURRENT}, not ${NEXT}: ECS rolled the service back (deployment circuit breaker): ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1111.; latest failure: (service web-green) (deployment ecs-svc/2222) deployment failed: tasks failed to start.`,
      );
    });

    it('fails with DeployError naming the FAILED rollout when the circuit breaker stopped it without rolling back', async () => {
      // Prepare: the failed deployment stays PRIMARY beside the old one, so the service is never stable
      cluster();
      registers();
      ecs.on(UpdateServiceCommand).callsFake(() => {
        const failed = deployment(
          'ecs-svc/2222',
          NEXT,
          4,
          'FAILED',
          'ECS deployment circuit breaker: tasks failed to start.',
        );
        const old = { ...deployment('ecs-svc/1111', CURRENT, 1, 'COMPLETED', ''), status: 'ACTIVE' };
        ecs.on(DescribeServicesCommand).resolves({
          services: [
            { ...service('web-green', GREEN_TG, NEXT, 4), runningCount: 1, deployments: [failed, old] },
          ],
        });
        return {};
      });
      const quick = request({
        deploy: {
          provider: 'ecs',
          cluster: 'main',
          services: { blue: 'web-blue', green: 'web-green' },
          timeoutSeconds: 2,
        },
      });

      // Act
      const caught = (await deployer.deploy(quick).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toBe(
        `service main/web-green: the deployment of ${NEXT} FAILED: ECS deployment circuit breaker: tasks failed to start.`,
      );
    });

    it('reads again while the new deployment is still IN_PROGRESS after the wait, and accepts it once COMPLETED', async () => {
      // Prepare
      cluster('settlesLate');
      registers();

      // Act
      const result = await deployer.deploy(request());

      // Assess
      expect(result).toEqual({ deployed: NEXT });
      expect(ecs.commandCalls(DescribeServicesCommand).length).toBeGreaterThan(3);
    });

    it('refuses with DeployError, deploying nothing, when the service to update is not behind the idle target group', async () => {
      // Prepare: the config's blue and green services are swapped, so "green" is the live service
      cluster('completes', [
        service('web-blue', GREEN_TG, CURRENT, 4),
        service('web-green', BLUE_TG, CURRENT, 4),
      ]);
      registers();

      // Act
      const caught = (await deployer.deploy(request()).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toBe(
        `service main/web-green is not attached to the idle target group ${GREEN_TG} (its target groups: ${BLUE_TG}); check that the green service in the config is the one behind the green target group — nothing was deployed`,
      );
      expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
      expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
    });

    it('strips every read-only field DescribeTaskDefinition returns', async () => {
      // Prepare
      cluster();
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });

      // Act
      await deployer.deploy(request());

      // Assess
      const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input ?? {};
      for (const field of [
        'taskDefinitionArn',
        'revision',
        'status',
        'requiresAttributes',
        'compatibilities',
        'registeredAt',
        'registeredBy',
        'deregisteredAt',
        'tags',
      ]) {
        expect(registered).not.toHaveProperty(field);
      }
    });

    it('retags the first container when none is named, on the blue service for the blue side', async () => {
      // Prepare: green is live, blue idle
      cluster('completes', [
        service('web-blue', BLUE_TG, CURRENT, 1),
        service('web-green', GREEN_TG, CURRENT, 2),
      ]);
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      const unnamed = request({
        side: 'blue',
        targetGroupArn: BLUE_TG,
        deploy: {
          provider: 'ecs',
          cluster: 'main',
          services: { blue: 'web-blue', green: 'web-green' },
          timeoutSeconds: 60,
        },
      });

      // Act
      await deployer.deploy(unnamed);

      // Assess
      const images = ecs
        .commandCalls(RegisterTaskDefinitionCommand)[0]
        ?.args[0].input.containerDefinitions?.map((c) => c.image);
      expect(images).toEqual([
        'public.ecr.aws/aws-observability/aws-for-fluent-bit:abc1234',
        '111111111111.dkr.ecr.us-east-1.amazonaws.com/web@sha256:0123abcd',
      ]);
      expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'web-blue', desiredCount: 2 });
    });

    it("accepts a deploy timeout shorter than the waiter's usual 15 s poll", async () => {
      // Prepare
      cluster();
      registers();
      const quick = request({
        deploy: {
          provider: 'ecs',
          cluster: 'main',
          services: { blue: 'web-blue', green: 'web-green' },
          timeoutSeconds: 10,
        },
      });

      // Act
      const result = await deployer.deploy(quick);

      // Assess
      expect(result).toEqual({ deployed: NEXT });
      expect(waiterTiming(10)).toMatchObject({ maxWaitTime: 10, minDelay: 9 });
      expect(waiterTiming(600)).toMatchObject({ maxWaitTime: 600, minDelay: 15 });
    });

    // @aws-sdk/client-ecs waitUntilServicesStable defaults to maxDelay 600, and the smithy poller
    // sleeps a random [minDelay, min(2^(n-1)·minDelay, maxDelay)] between polls (util-waiter
    // poller.js): without maxDelay a rollout stable at 3 min is noticed minutes later.
    it('caps the pause between stability polls at 30 s instead of the SDK default of 600 s', () => {
      for (const timeoutSeconds of [2, 10, 600, 870]) {
        const timing = waiterTiming(timeoutSeconds);
        expect(timing.maxDelay).toBe(30);
        // the waiter rejects a maxDelay below minDelay (util-waiter validateWaiterOptions)
        expect(timing.maxDelay).toBeGreaterThanOrEqual(timing.minDelay);
      }
    });

    it('names the service and the step when the service does not exist', async () => {
      // Prepare
      cluster('completes', [service('web-blue', BLUE_TG, CURRENT, 4)]);

      // Act
      const caught = (await deployer.deploy(request()).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toContain('service main/web-green: DescribeServices failed');
      expect(caught.message).toContain('MISSING');
      expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    });

    it('fails with a DeployError naming the container when the named container is absent', async () => {
      // Prepare
      cluster();
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      const wrongContainer = request({
        deploy: {
          provider: 'ecs',
          cluster: 'main',
          services: { blue: 'web-blue', green: 'web-green' },
          container: 'api',
          timeoutSeconds: 60,
        },
      });

      // Act
      const caught = (await deployer.deploy(wrongContainer).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toContain('container api not in web');
      expect(ecs).not.toHaveReceivedCommand(RegisterTaskDefinitionCommand);
    });

    it('wraps a failed UpdateService in a DeployError that keeps the cause', async () => {
      // Prepare
      cluster();
      registers();
      const sdkError = Object.assign(new Error('Service was not ACTIVE.'), {
        name: 'ServiceNotActiveException',
      });
      ecs.on(UpdateServiceCommand).rejects(sdkError);

      // Act
      const caught = (await deployer.deploy(request()).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toBe(
        'service main/web-green: UpdateService failed: ServiceNotActiveException: Service was not ACTIVE.',
      );
      expect(caught.cause).toBe(sdkError);
    });

    it('fails with a DeployError when the service never becomes stable', async () => {
      // Prepare
      cluster();
      registers();
      ecs.on(UpdateServiceCommand).callsFake(() => {
        ecs.on(DescribeServicesCommand).resolves({
          services: [{ serviceName: 'web-green', status: 'INACTIVE', taskDefinition: NEXT }],
        });
        return {};
      });

      // Act
      const caught = (await deployer.deploy(request()).catch((e: unknown) => e)) as Error;

      // Assess
      expect(caught).toBeInstanceOf(DeployError);
      expect(caught.message).toContain(
        `service main/web-green: waiting up to 300s for ${NEXT} to be stable failed`,
      );
    });
  });
});

describe('Class: EcsServiceScaler, Method: resize', () => {
  const scaler = new EcsServiceScaler(new ECSClient({ region: 'us-east-1' }));
  /** After a release that went blue → green: blue (4 tasks) runs the previous version. */
  const resize = (overrides: Partial<ResizeRequest> = {}) =>
    scaler.resize({
      environment: 'prod',
      deploy: request().deploy,
      targetGroupArn: BLUE_TG,
      side: 'blue',
      desiredCount: 0,
      ...overrides,
    });

  beforeEach(() => {
    ecs.reset();
  });

  it('sets only the desired count of the service behind the group, and does not wait for the tasks', async () => {
    // Prepare
    cluster();

    // Act
    const result = await resize();

    // Assess: "You can add to or subtract from the number of instantiations of a task definition in
    // a service by specifying the cluster that the service is running in and a new desiredCount
    // parameter" (ECS API reference, UpdateService); without taskDefinition or
    // forceNewDeployment it starts no new deployment, and it returns before tasks drain.
    expect(result).toEqual({ service: 'main/web-blue', from: 4, to: 0 });
    expect(ecs).toHaveReceivedCommandTimes(UpdateServiceCommand, 1);
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'main',
      service: 'web-blue',
      desiredCount: 0,
    });
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'main', services: ['web-blue'] },
    ]);
  });

  it('refuses with DeployError, resizing nothing, when the service is not behind that target group', async () => {
    // Prepare: the config's services are swapped, so "blue" is the service now serving traffic
    cluster('completes', [service('web-blue', GREEN_TG, NEXT, 4), service('web-green', BLUE_TG, CURRENT, 4)]);

    // Act
    const caught = (await resize().catch((e: unknown) => e)) as Error;

    // Assess
    expect(caught).toBeInstanceOf(DeployError);
    expect(caught.message).toBe(
      `service main/web-blue is not attached to target group ${BLUE_TG} (its target groups: ${GREEN_TG}); check that the blue service in the config is the one behind the blue target group — nothing was resized`,
    );
    expect(ecs).not.toHaveReceivedCommand(UpdateServiceCommand);
  });

  it('names the service and the call when ECS refuses the update', async () => {
    // Prepare
    cluster();
    ecs
      .on(UpdateServiceCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act + Assess
    await expect(resize({ desiredCount: 1 })).rejects.toMatchObject({
      name: 'DeployError',
      message: expect.stringContaining('service main/web-blue: UpdateService failed'),
    });
  });
});

describe('Function: judgeRollout', () => {
  const running = (d: Deployment): Service => ({
    ...service('web-green', GREEN_TG, NEXT, 2),
    deployments: [d],
  });

  it('completes when the PRIMARY deployment runs the new revision and its rollout COMPLETED', () => {
    // Act
    const verdict = judgeRollout(running(deployment('ecs-svc/2', NEXT, 2, 'COMPLETED', 'done')), NEXT);

    // Assess
    expect(verdict).toEqual({ kind: 'completed' });
  });

  it('fails when the circuit breaker failed the new deployment without rolling back', () => {
    // Act
    const verdict = judgeRollout(
      running(
        deployment('ecs-svc/2', NEXT, 2, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'),
      ),
      NEXT,
    );

    // Assess
    expect(verdict).toEqual({
      kind: 'failed',
      message: `the deployment of ${NEXT} FAILED: ECS deployment circuit breaker: tasks failed to start.`,
    });
  });

  it('fails when the deployment reports no rolloutState (a controller other than rolling update)', () => {
    // Act
    const verdict = judgeRollout(
      running({ ...deployment('ecs-svc/2', NEXT, 2, 'COMPLETED', ''), rolloutState: undefined }),
      NEXT,
    );

    // Assess
    expect(verdict.kind).toBe('failed');
  });
});

describe('Class: ExternalDeployer', () => {
  it('reports the version as deployed without calling anything', async () => {
    // Act
    const result = await new ExternalDeployer().deploy(request({ deploy: { provider: 'external' } }));

    // Assess
    expect(result).toEqual({ deployed: 'external:abc1234' });
  });
});

describe('Class: ExternalServiceScaler', () => {
  it('has nothing to resize', async () => {
    // Act
    const result = await new ExternalServiceScaler().resize();

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('Function: retag', () => {
  it.each([
    ['web:1.2.3', 'web:v2'],
    ['web', 'web:v2'],
    ['web@sha256:abcd', 'web:v2'],
    ['registry.local:5000/team/web:old', 'registry.local:5000/team/web:v2'],
    ['registry.local:5000/team/web', 'registry.local:5000/team/web:v2'],
    [
      '111111111111.dkr.ecr.us-east-1.amazonaws.com/web:old@sha256:abcd',
      '111111111111.dkr.ecr.us-east-1.amazonaws.com/web:v2',
    ],
  ])('retags %s as %s', (image, expected) => {
    // Act
    const retagged = retag(image, 'v2');

    // Assess
    expect(retagged).toBe(expected);
  });
});
