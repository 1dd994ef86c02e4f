import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  EcsDeployer,
  ExternalDeployer,
  retag,
  waiterTiming,
} from '../../functions/shared/aws/ecs-deployer.js';
import { DeployError } from '../../functions/shared/domain/errors.js';
import type { DeployRequest } from '../../functions/shared/ports/deployer.js';

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
    targetGroupArn: 'arn:green',
    side: 'green',
    version: 'abc1234',
    ...overrides,
  };
}

function stableService() {
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'web-green',
        taskDefinition: CURRENT,
        desiredCount: 2,
        runningCount: 2,
        deployments: [{ status: 'PRIMARY', taskDefinition: NEXT }],
      },
    ],
  });
}

describe('Class: EcsDeployer', () => {
  const deployer = new EcsDeployer(new ECSClient({ region: 'us-east-1' }));

  beforeEach(() => {
    ecs.reset();
  });

  describe('Method: deploy', () => {
    it("registers a revision with the named container's image retagged, and rolls the idle service onto it", async () => {
      // Prepare
      stableService();
      ecs
        .on(DescribeTaskDefinitionCommand)
        .resolves({ taskDefinition: described, tags: [{ key: 'team', value: 'web' }] });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      ecs.on(UpdateServiceCommand).resolves({});

      // Act
      const result = await deployer.deploy(request());

      // Assess
      expect(result).toEqual({ deployed: NEXT });
      expect(ecs).toHaveReceivedNthCommandWith(1, DescribeServicesCommand, {
        cluster: 'main',
        services: ['web-green'],
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

    it('strips every read-only field DescribeTaskDefinition returns', async () => {
      // Prepare
      stableService();
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      ecs.on(UpdateServiceCommand).resolves({});

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
      // Prepare
      ecs.on(DescribeServicesCommand).resolves({
        services: [
          {
            serviceName: 'web-blue',
            taskDefinition: CURRENT,
            desiredCount: 1,
            runningCount: 1,
            deployments: [{}],
          },
        ],
      });
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      ecs.on(UpdateServiceCommand).resolves({});
      const unnamed = request({
        side: 'blue',
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
      expect(ecs).toHaveReceivedCommandWith(UpdateServiceCommand, { service: 'web-blue' });
    });

    it("accepts a deploy timeout shorter than the waiter's usual 15 s poll", async () => {
      // Prepare
      stableService();
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      ecs.on(UpdateServiceCommand).resolves({});
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
      expect(waiterTiming(10)).toEqual({ maxWaitTime: 10, minDelay: 9 });
      expect(waiterTiming(600)).toEqual({ maxWaitTime: 600, minDelay: 15 });
    });

    it('names the service and the step when the service does not exist', async () => {
      // Prepare
      ecs
        .on(DescribeServicesCommand)
        .resolves({ services: [], failures: [{ arn: 'web-green', reason: 'MISSING' }] });

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
      stableService();
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
      stableService();
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
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
      ecs
        .on(DescribeServicesCommand)
        .resolvesOnce({ services: [{ taskDefinition: CURRENT }] })
        .resolves({
          services: [{ serviceName: 'web-green', status: 'INACTIVE', taskDefinition: NEXT }],
        });
      ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: described });
      ecs.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: { taskDefinitionArn: NEXT } });
      ecs.on(UpdateServiceCommand).resolves({});

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

describe('Class: ExternalDeployer', () => {
  it('reports the version as deployed without calling anything', async () => {
    // Act
    const result = await new ExternalDeployer().deploy(request({ deploy: { provider: 'external' } }));

    // Assess
    expect(result).toEqual({ deployed: 'external:abc1234' });
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
