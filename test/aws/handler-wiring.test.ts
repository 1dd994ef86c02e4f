import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as beginRelease } from '../../functions/begin-release/handler.js';
import { handler as checkAlarms } from '../../functions/check-alarms/handler.js';
import { handler as deploy } from '../../functions/deploy/handler.js';
import { handler as githubWebhook } from '../../functions/github-webhook/handler.js';
import { handler as rollback } from '../../functions/rollback/handler.js';
import type { ReleaseInput, Weights } from '../../functions/shared/domain/release.js';
import { handler as shiftTraffic } from '../../functions/shift-traffic/handler.js';
import { handler as verifyBuild } from '../../functions/verify-build/handler.js';
import { apiCheckRun } from '../support/check-runs.js';
import { listenerServing, writtenWeights } from '../support/elbv2.js';
import { fixtureBody } from '../support/github.js';
import { context, FakeReleaseTable, PIPELINE_STATE_MACHINE_ARN, useLambdaEnv } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const FAMILY_ARN = 'arn:aws:ecs:us-east-1:123456789012:task-definition/checkout-staging';

/**
 * The AWS `handler` export of each function below reaches AWS through its adapters. What each
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
  const sfn = mockClient(SFNClient);
  const secrets = mockClient(SecretsManagerClient);
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
      serving = writtenWeights(command);
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
    for (const mock of [elbv2, dynamo, ecs, cloudwatch, sfn, secrets]) mock.reset();
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

  it('begin-release reads the ALB listener, takes the lock and records the release in DynamoDB', async () => {
    // Prepare: no release holds dev
    const input = releaseInput('dev');
    const { blue, green } = input.environment.targetGroups;
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, { [blue]: 100, [green]: 0 }));

    // Act
    const targets = await beginRelease({ input }, context);

    // Assess
    expect(targets).toEqual({ live: blue, idle: green });
    expect(table.lock('dev')).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    expect(table.record(input.release.id, 'dev')?.targets).toEqual({ live: blue, idle: green });
  });

  it('verify-build reads the check runs from GitHub with the token from Secrets Manager and completes the Step Functions task', async () => {
    // Prepare: GitHub lists the required checks as passed on the commit
    const { input } = prepare('dev', (b, g) => ({ [b]: 100, [g]: 0 }));
    const authorizations: (string | undefined)[] = [];
    const github = createServer((req, res) => {
      authorizations.push(req.headers.authorization);
      const runs = input.environment.requiredChecks.map((name, i) =>
        apiCheckRun({ id: i + 1, name, head_sha: input.release.sha }),
      );
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ total_count: runs.length, check_runs: runs }));
    });
    await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
    process.env.SLUICE_GITHUB_API_URL = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
    secrets
      .on(GetSecretValueCommand, { SecretId: 'sluice/github-token' })
      .resolves({ SecretString: 'ghs_wiring' });
    sfn.on(SendTaskSuccessCommand).resolves({});

    // Act
    const result = await verifyBuild(
      { ...task(input), taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAd9Q', startedAt: '2026-01-01T00:00:00.000Z' },
      context,
    ).finally(() => github.close());

    // Assess
    expect(result).toEqual({ waiting: false });
    expect(authorizations).toEqual(['token ghs_wiring']);
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.taskToken).toBe(
      'AQCEAAAAKgAAAAMAAAAAAAAAAd9Q',
    );
    expect(table.record(input.release.id, 'dev')?.history.at(-1)?.event).toBe('build_verified');
  });

  it('github-webhook checks the signature with the secret from Secrets Manager and starts the pipeline in Step Functions', async () => {
    // Prepare: a push to a release branch, signed with the webhook secret
    const secret = "It's a Secret to Everybody: 7f3a9c1e5b";
    secrets
      .on(GetSecretValueCommand, { SecretId: 'sluice/github-webhook' })
      .resolves({ SecretString: secret });
    sfn.on(StartExecutionCommand).callsFake((command: { name: string }) => ({
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sluice-pipeline:${command.name}`,
      startDate: new Date(),
    }));
    const body = fixtureBody('push-release-branch');
    const event = {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;

    // Act
    const response = (await githubWebhook(event, context)) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(response.statusCode).toBe(202);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({
      stateMachineArn: PIPELINE_STATE_MACHINE_ARN,
      name: JSON.parse(String(response.body)).executionName,
    });
  });
});
