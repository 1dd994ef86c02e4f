import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkAlarms } from '../../functions/check-alarms/handler.js';
import { handler as deploy } from '../../functions/deploy/handler.js';
import { handler as rollback } from '../../functions/rollback/handler.js';
import type { ReleaseInput, Weights } from '../../functions/shared/domain/release.js';
import { handler as shiftTraffic } from '../../functions/shift-traffic/handler.js';
import { listenerServing } from '../support/elbv2.js';
import { context, FakeReleaseTable, useLambdaEnv } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const FAMILY_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout-staging';

/**
 * The AWS `handler` export of each Task function reaches AWS through its adapters. What each
 * handler decides is tested in test/handlers on in-memory ports; what each adapter sends, in the
 * adapter's own test here. This only proves the wiring: one call through each handler export.
 */
describe('AWS handler exports', () => {
  useLambdaEnv();
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const ecs = mockClient(ECSClient);
  const ecr = mockClient(ECRClient);
  const cloudwatch = mockClient(CloudWatchClient);
  let table: FakeReleaseTable;
  let serving: Weights;

  /** Seeds the record and lock, and a listener that serves what ModifyListener last wrote. */
  function prepare(environment: 'dev' | 'staging', weights: (blue: string, green: string) => Weights) {
    const input = releaseInput(environment);
    const { blue, green } = input.environment.targetGroups;
    table.putRecord(recordOf(input));
    table.putLock(environment, { releaseId: input.release.id, executionName: input.executionName });
    serving = weights(blue, green);
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, serving));
    elbv2.on(ModifyListenerCommand).callsFake((command) => {
      const groups = command.DefaultActions[0].ForwardConfig.TargetGroups as {
        TargetGroupArn: string;
        Weight: number;
      }[];
      serving = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
      return {};
    });
    return { input, blue, green };
  }

  const task = (input: ReleaseInput) => ({
    release: input.release,
    environment: input.environment,
    executionName: input.executionName,
    targets: blueLive(input),
  });

  beforeEach(() => {
    for (const mock of [elbv2, dynamo, ecs, cloudwatch]) mock.reset();
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);
  });

  it('shift-traffic shifts the ALB listener and records the step in DynamoDB', async () => {
    // Prepare
    const { input, blue, green } = prepare('dev', (b, g) => ({ [b]: 100, [g]: 0 }));
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1' }, TargetHealth: { State: 'healthy' } }],
    });

    // Act
    const result = await shiftTraffic(
      { ...task(input), step: { index: 0, weight: 10, bakeSeconds: 60 } },
      context,
    );

    // Assess
    expect(result).toEqual({ observed: { [blue]: 90, [green]: 10 } });
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(1);
    expect(table.record(input.release.id, 'dev')?.steps).toHaveLength(1);
  });

  it('rollback restores the ALB listener and ends the release in DynamoDB', async () => {
    // Prepare
    const { input, blue, green } = prepare('dev', (b, g) => ({ [b]: 90, [g]: 10 }));
    const error = {
      Error: 'AlarmFiredError',
      Cause: JSON.stringify({ errorType: 'AlarmFiredError', errorMessage: 'in ALARM' }),
    };

    // Act
    await rollback({ ...task(input), error }, context);

    // Assess
    expect(serving).toEqual({ [blue]: 100, [green]: 0 });
    expect(table.record(input.release.id, 'dev')?.status).toBe('rolled_back');
    expect(table.lock('dev')).toBeUndefined();
  });

  it('deploy reads the ALB listener, checks the image in ECR, rolls the idle ECS service and records it in DynamoDB', async () => {
    // Prepare
    const { input } = prepare('staging', (b, g) => ({ [b]: 100, [g]: 0 }));
    ecr.reset();
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: 'sha256:5b0b' }] });
    ecr.on(DescribeImageScanFindingsCommand).resolves({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: { findingSeverityCounts: { LOW: 1 } },
    });
    // Blue live behind its group with 2 tasks, green idle behind the other; UpdateService rolls
    // the green service to completion on the new revision.
    const { blue, green } = input.environment.targetGroups;
    const service = (serviceName: string, targetGroupArn: string, count: number, revision: number) => ({
      serviceName,
      status: 'ACTIVE',
      loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 8080 }],
      taskDefinition: `${FAMILY_ARN}:${revision}`,
      desiredCount: count,
      runningCount: count,
      deployments: [
        {
          status: 'PRIMARY',
          taskDefinition: `${FAMILY_ARN}:${revision}`,
          desiredCount: count,
          runningCount: count,
          rolloutState: 'COMPLETED' as const,
        },
      ],
    });
    let greenRevision = 41;
    ecs.on(DescribeServicesCommand).callsFake(() => ({
      services: [
        service('checkout-staging-green', green, greenRevision === 41 ? 0 : 2, greenRevision),
        service('checkout-staging-blue', blue, 2, 41),
      ],
      failures: [],
    }));
    ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        family: 'checkout-staging',
        containerDefinitions: [{ name: 'app', image: 'checkout:old' }],
      },
    });
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: `${FAMILY_ARN}:42` } });
    ecs.on(UpdateServiceCommand).callsFake(() => {
      greenRevision = 42;
      return {};
    });

    // Act
    const result = await deploy(task(input), context);

    // Assess
    expect(result).toEqual({ deployed: `${FAMILY_ARN}:42` });
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    expect(table.record(input.release.id, 'staging')?.history.at(-1)?.event).toBe('deployed');
  });

  it('check-alarms reads CloudWatch and records the fired alarm in DynamoDB', async () => {
    // Prepare
    const { input } = prepare('dev', (b, g) => ({ [b]: 90, [g]: 10 }));
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'checkout-dev-5xx', StateValue: 'ALARM' }],
    });

    // Act
    const checking = checkAlarms(
      { ...task(input), phase: 'bake', extendedSeconds: 0, bakeSeconds: 60 },
      context,
    );

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'AlarmFiredError' });
    expect(table.record(input.release.id, 'dev')?.firedAlarms).toEqual(['checkout-dev-5xx']);
  });
});
