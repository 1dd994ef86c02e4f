import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../functions/deploy/handler.js';
import type { ReleaseInput, Targets, Weights } from '../../functions/shared/domain/release.js';
import { listenerServing } from '../support/elbv2.js';
import { context, FakeReleaseTable, useLambdaEnv } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const FAMILY_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout-staging';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/checkout';

describe('Handler: deploy', () => {
  useLambdaEnv();
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const ecs = mockClient(ECSClient);
  let table: FakeReleaseTable;
  let serving: Weights;

  const deploy = (input: ReleaseInput, targets: Targets = blueLive(input)) =>
    handler(
      { release: input.release, environment: input.environment, executionName: input.executionName, targets },
      context,
    );

  function prepare(environment: 'dev' | 'staging'): ReleaseInput {
    const input = releaseInput(environment);
    table.putRecord(recordOf(input));
    const { blue, green } = input.environment.targetGroups;
    serving = { [blue]: 100, [green]: 0 };
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, serving));
    return input;
  }

  beforeEach(() => {
    elbv2.reset();
    dynamo.reset();
    ecs.reset();
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);
  });

  describe('external provider', () => {
    it('reports the version as deployed and records it, touching no ECS service', async () => {
      // Prepare
      const input = prepare('dev');

      // Act
      const result = await deploy(input);

      // Assess
      expect(result).toEqual({ deployed: `external:${SHA}` });
      expect(ecs.calls()).toHaveLength(0);
      expect(table.record(input.release.id, 'dev')?.history.at(-1)).toMatchObject({
        event: 'deployed',
        detail: `external:${SHA} on green`,
      });
    });
  });

  describe('ECS provider', () => {
    beforeEach(() => {
      // Both services as DescribeServices reports them: each behind its own target group, blue
      // live with 2 tasks, green idle scaled to 0. UpdateService rolls a service to completion.
      const { blue, green } = releaseInput('staging').environment.targetGroups;
      const services = new Map<string, Service>(
        (
          [
            ['checkout-staging-blue', blue, 2],
            ['checkout-staging-green', green, 0],
          ] as const
        ).map(([serviceName, targetGroupArn, count]) => [
          serviceName,
          {
            serviceName,
            status: 'ACTIVE',
            loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
            taskDefinition: `${FAMILY_ARN}:41`,
            desiredCount: count,
            runningCount: count,
            deployments: [
              {
                id: 'ecs-svc/1',
                status: 'PRIMARY',
                taskDefinition: `${FAMILY_ARN}:41`,
                desiredCount: count,
                runningCount: count,
                rolloutState: 'COMPLETED' as const,
              },
            ],
          },
        ]),
      );
      ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
        services: input.services.map((name) => structuredClone(services.get(name))),
        failures: [],
      }));
      ecs
        .on(UpdateServiceCommand)
        .callsFake((input: { service: string; taskDefinition: string; desiredCount: number }) => {
          const service = services.get(input.service)!;
          Object.assign(service, {
            taskDefinition: input.taskDefinition,
            desiredCount: input.desiredCount,
            runningCount: input.desiredCount,
            deployments: [
              {
                id: 'ecs-svc/2',
                status: 'PRIMARY',
                taskDefinition: input.taskDefinition,
                desiredCount: input.desiredCount,
                runningCount: input.desiredCount,
                rolloutState: 'COMPLETED',
              },
            ],
          });
          return { service: structuredClone(service) };
        });
      ecs.on(DescribeTaskDefinitionCommand).resolves({
        taskDefinition: {
          taskDefinitionArn: `${FAMILY_ARN}:41`,
          family: 'checkout-staging',
          revision: 41,
          status: 'ACTIVE',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          containerDefinitions: [
            { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', essential: true },
            { name: 'app', image: `${IMAGE}:0123456789abcdef0123456789abcdef01234567`, essential: true },
          ],
        },
        tags: [{ key: 'service', value: 'checkout' }],
      });
      ecs
        .on(RegisterTaskDefinitionCommand)
        .resolves({ taskDefinition: { taskDefinitionArn: `${FAMILY_ARN}:42` } });
    });

    it("registers the app container with the pushed SHA as its tag and updates the idle side's service", async () => {
      // Prepare: blue is live, so the version goes to green
      const input = prepare('staging');

      // Act
      const result = await deploy(input);

      // Assess
      expect(result).toEqual({ deployed: `${FAMILY_ARN}:42` });
      expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
        cluster: 'checkout-staging',
        services: ['checkout-staging-green', 'checkout-staging-blue'],
      });
      const registered = ecs.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
      expect(registered?.containerDefinitions).toEqual([
        { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29', essential: true },
        { name: 'app', image: `${IMAGE}:${SHA}`, essential: true },
      ]);
      expect(registered).toMatchObject({ family: 'checkout-staging', cpu: '256', memory: '512' });
      expect(registered).not.toHaveProperty('taskDefinitionArn');
      expect(registered).not.toHaveProperty('revision');
      expect(ecs.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
        {
          cluster: 'checkout-staging',
          service: 'checkout-staging-green',
          taskDefinition: `${FAMILY_ARN}:42`,
          desiredCount: 2,
        },
      ]);
    });

    it('deploys to the blue service when green is live', async () => {
      // Prepare
      const input = prepare('staging');
      const { blue, green } = input.environment.targetGroups;
      serving = { [blue]: 0, [green]: 100 };

      // Act
      await deploy(input, { live: green, idle: blue });

      // Assess
      expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toMatchObject({
        service: 'checkout-staging-blue',
      });
    });

    it('fails with DeployError naming the service when ECS refuses the update', async () => {
      // Prepare
      const input = prepare('staging');
      ecs
        .on(UpdateServiceCommand)
        .rejects(Object.assign(new Error('Service not active'), { name: 'ServiceNotActiveException' }));

      // Act + Assess
      await expect(deploy(input)).rejects.toMatchObject({
        name: 'DeployError',
        message: expect.stringContaining('checkout-staging/checkout-staging-green'),
      });
    });

    it('fails with ListenerStateError and deploys nothing when the idle group serves traffic', async () => {
      // Prepare
      const input = prepare('staging');
      const { blue, green } = input.environment.targetGroups;
      serving = { [blue]: 90, [green]: 10 };

      // Act + Assess
      await expect(deploy(input)).rejects.toMatchObject({ name: 'ListenerStateError' });
      expect(ecs.calls()).toHaveLength(0);
    });
  });
});
