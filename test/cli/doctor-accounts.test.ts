/**
 * `sluice doctor --stack` across accounts (issue 19): for each environment with `account`, doctor
 * assumes its role as an operator's CLI does (the caller's credentials as base, the caller as
 * SourceIdentity, the ExternalId) and reads every configured resource with it. AWS is
 * aws-sdk-client-mock, answering with the shapes and errors AWS documents:
 * - STS GetCallerIdentity needs no permission and names the caller (STS API reference).
 * - STS AssumeRole answers AccessDenied, "User: <caller> is not authorized to perform:
 *   sts:AssumeRole on resource: <role>", whether the role is missing or its trust refuses the
 *   caller (the same answer for a role that does not exist is why doctor names every cause).
 * - SourceIdentity is set by the AssumeRole caller and stays with the session; the role's trust
 *   must allow sts:SetSourceIdentity (IAM User Guide, "Monitor and control actions taken with
 *   assumed roles").
 */
import { fileURLToPath } from 'node:url';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeRepositoriesCommand,
  ECRClient,
  GetRegistryScanningConfigurationCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import { awsDoctor } from '../../cli/doctor-aws.js';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { configDigest } from '../../functions/shared/domain/config.js';
import { type Check, type DoctorReport, doctorExitCode } from '../../functions/shared/domain/doctor.js';
import { listenerServing } from '../support/elbv2.js';

const CONFIG_FILE = fileURLToPath(new URL('../fixtures/accounts/sluice.config.yaml', import.meta.url));
const config = deployedConfig(loadConfig(CONFIG_FILE));
const env = (name: string) => config.environments.find((e) => e.name === name)!;
const CALLER = 'arn:aws:sts::123456789012:assumed-role/ReleaseOperator/alice';
const STACK = 'Sluice-checkout';
const PROD_ROLE = 'arn:aws:iam::222222222222:role/sluice-checkout-prod';
const OWN = { accessKeyId: 'AKIDOPERATOR', secretAccessKey: 'operator' };
const ASSUMED = { AccessKeyId: 'ASIAPRODSESSION', SecretAccessKey: 'prod', SessionToken: 'prod-token' };
const LB = (arn: string) => arn.replace(/:listener\/(app\/[^/]+\/[^/]+)\/.*$/, ':loadbalancer/$1');

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const cloudwatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
const ecr = mockClient(ECRClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

/** An SDK error as the SDK throws it: the service's error code is its name. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name });

/** The credentials the client that sent this call signs with (aws-sdk-client-mock keeps the client as `this`). */
async function keyOf(call: { thisValue: unknown }): Promise<string> {
  const client = call.thisValue as { config: { credentials: AwsCredentialIdentityProvider } };
  return (await client.config.credentials()).accessKeyId;
}

const doctor = () =>
  awsDoctor(config, { stack: STACK, clientConfig: { region: 'us-east-1', credentials: OWN } });
const checksOf = (report: DoctorReport, name: string) =>
  report.environments.find((e) => e.name === name)?.checks ?? [];
const byId = (checks: Check[], id: string) => checks.find((c) => c.id === id);

beforeEach(() => {
  for (const client of [sts, cfn, dynamo, elbv2, cloudwatch, ecs, ecr, secrets, sfn]) client.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROA:alice' });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { ...ASSUMED, Expiration: new Date(Date.now() + 3_600_000) },
    SourceIdentity: 'alice',
  });
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'ConfigDigest', OutputValue: configDigest(config) },
          {
            OutputKey: 'StateMachineArn',
            OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-checkout-release',
          },
          { OutputKey: 'ReleaseTableName', OutputValue: 'Sluice-checkout-ReleaseTable' },
        ],
      },
    ],
  });
  cfn.on(GetTemplateCommand).resolves({ TemplateBody: '{}' });
  cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(ScanCommand).resolves({ Items: [] });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  sfn
    .on(DescribeStateMachineCommand)
    .rejects(awsError('StateMachineDoesNotExist', 'State Machine Does Not Exist'));
  secrets.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException', 'not found'));

  // Every environment as it should be: blue live with a healthy target, groups on the listener's
  // load balancer, alarms OK, prod's ECS services and repository in place.
  elbv2.on(DescribeListenersCommand).callsFake(({ ListenerArns }: { ListenerArns: string[] }) => {
    const e = config.environments.find((x) => x.listenerArn === ListenerArns[0])!;
    const answer = listenerServing(e.listenerArn, { [e.targetGroups.blue]: 100, [e.targetGroups.green]: 0 });
    answer.Listeners![0]!.LoadBalancerArn = LB(e.listenerArn);
    return answer;
  });
  elbv2.on(DescribeTargetGroupsCommand).callsFake(({ TargetGroupArns }: { TargetGroupArns: string[] }) => {
    const e = config.environments.find((x) => Object.values(x.targetGroups).includes(TargetGroupArns[0]!))!;
    return { TargetGroups: [{ TargetGroupArn: TargetGroupArns[0], LoadBalancerArns: [LB(e.listenerArn)] }] };
  });
  elbv2.on(DescribeTargetHealthCommand).resolves({
    TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1' }, TargetHealth: { State: 'healthy' } }],
  });
  cloudwatch.on(DescribeAlarmsCommand).callsFake(({ AlarmNames }: { AlarmNames: string[] }) => ({
    MetricAlarms: AlarmNames.map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
    CompositeAlarms: [],
  }));
  const deploy = env('prod').deploy as { cluster: string; services: { blue: string; green: string } };
  ecs.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: deploy.cluster, status: 'ACTIVE' }] });
  ecs.on(DescribeServicesCommand).resolves({
    services: (['blue', 'green'] as const).map((side) => ({
      serviceName: deploy.services[side],
      status: 'ACTIVE',
      desiredCount: 1,
      runningCount: 1,
      taskDefinition: 'arn:aws:ecs:us-east-1:222222222222:task-definition/checkout:3',
      loadBalancers: [{ targetGroupArn: env('prod').targetGroups[side] }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      deploymentController: { type: 'ECS' },
    })),
  });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskRoleArn: 'arn:aws:iam::222222222222:role/checkout-prod-task',
      executionRoleArn: 'arn:aws:iam::222222222222:role/checkout-prod-execution',
    },
  });
  ecr.on(GetRegistryScanningConfigurationCommand).resolves({
    scanningConfiguration: { scanType: 'BASIC', rules: [] },
  });
  ecr.on(DescribeRepositoriesCommand).resolves({
    repositories: [{ repositoryName: 'checkout', imageScanningConfiguration: { scanOnPush: true } }],
  });
});

describe('Command: sluice doctor --stack, environments in their own accounts', () => {
  it("assumes prod's role as the caller, with its ExternalId, and reads each of prod's resources with it; dev with the caller's own", async () => {
    const report = await doctor();

    const prod = checksOf(report, 'prod');
    expect(byId(prod, 'account:role')).toMatchObject({
      status: 'ok',
      detail: `${CALLER} assumed ${PROD_ROLE} with the ExternalId, naming itself (SourceIdentity); the checks below read prod with it`,
    });
    for (const id of [
      'listener',
      'targetGroups',
      'targets',
      'alarm:checkout-prod-5xx',
      'ecs:cluster',
      'ecs:blue',
      'ecr',
    ])
      expect([id, byId(prod, id)?.status]).toEqual([id, 'ok']);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          RoleArn: PROD_ROLE,
          ExternalId: 'sluice-checkout-prod-7f3a',
          SourceIdentity: 'alice',
        }),
      ]),
    );
    // Each of prod's reads went through the role's session; dev's with the caller's own keys.
    const reads = [
      ...elbv2
        .commandCalls(DescribeListenersCommand)
        .map((c) => [c.args[0].input.ListenerArns?.[0], c] as const),
      ...elbv2
        .commandCalls(DescribeTargetGroupsCommand)
        .map((c) => [c.args[0].input.TargetGroupArns?.[0], c] as const),
    ];
    for (const [arn, call] of reads) {
      const owner = config.environments.find((e) =>
        [e.listenerArn, ...Object.values(e.targetGroups)].includes(arn!),
      )!;
      expect([arn, await keyOf(call)]).toEqual([arn, owner.account ? ASSUMED.AccessKeyId : OWN.accessKeyId]);
    }
    for (const call of [
      ...cloudwatch
        .commandCalls(DescribeAlarmsCommand)
        .filter((c) => c.args[0].input.AlarmNames?.includes('checkout-prod-5xx')),
      ...ecs.commandCalls(DescribeServicesCommand),
      ...ecr.commandCalls(DescribeRepositoriesCommand),
    ])
      expect(await keyOf(call)).toBe(ASSUMED.AccessKeyId);
    expect(byId(checksOf(report, 'dev'), 'account:role')).toBeUndefined();
    // The global checks (secrets, state machines) are not mocked here; no environment check fails.
    expect(report.environments.flatMap((e) => e.checks.filter((c) => c.status === 'fail'))).toEqual([]);
  });

  it("fails prod's role when AssumeRole answers AccessDenied: names the role, the caller and each likely cause, and reads nothing of prod", async () => {
    sts
      .on(AssumeRoleCommand, { RoleArn: PROD_ROLE })
      .rejects(
        awsError(
          'AccessDenied',
          `User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${PROD_ROLE}`,
        ),
      );

    const report = await doctor();

    const prod = checksOf(report, 'prod');
    expect(prod.map((c) => c.id)).toEqual(['account:role', 'lock']);
    const role = byId(prod, 'account:role')!;
    expect(role.status).toBe('fail');
    expect(role.detail).toBe(
      `${CALLER} may not assume ${PROD_ROLE}: AccessDenied: User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${PROD_ROLE}`,
    );
    expect(role.fix).toContain(
      'the role does not exist yet: deploy its target stack (npx cdk deploy SluiceTarget-checkout-prod --profile <a profile of account 222222222222>',
    );
    expect(role.fix).toContain(
      'its trust does not admit arn:aws:sts::123456789012:assumed-role/ReleaseOperator/alice: deploy SluiceTarget-checkout-prod with -c sluice:operatorPrincipalArns=arn:aws:iam::123456789012:role/<path/>ReleaseOperator',
    );
    expect(role.fix).toContain('account.externalId differs from the ExternalId the trust requires');
    const prodListener = env('prod').listenerArn;
    expect(
      elbv2
        .commandCalls(DescribeListenersCommand)
        .filter((c) => c.args[0].input.ListenerArns?.[0] === prodListener),
    ).toHaveLength(0);
    // Staging's role could be assumed: its checks go on.
    expect(byId(checksOf(report, 'staging'), 'account:role')?.status).toBe('ok');
    expect(byId(checksOf(report, 'staging'), 'listener')?.status).toBe('ok');
    expect(doctorExitCode(report)).toBe(1);
  });

  it('fails one resource the role may not read, with its config path and the target stack to deploy again', async () => {
    // A target stack deployed before the role held the doctor's reads: ELBv2 refuses DescribeTargetGroups.
    const blue = env('prod').targetGroups.blue;
    elbv2
      .on(DescribeTargetGroupsCommand, { TargetGroupArns: [blue] })
      .rejects(
        awsError(
          'AccessDenied',
          `User: arn:aws:sts::222222222222:assumed-role/sluice-checkout-prod/sluice-cli-prod is not authorized to perform: elasticloadbalancing:DescribeTargetGroups`,
        ),
      );

    const report = await doctor();

    const prod = checksOf(report, 'prod');
    expect(byId(prod, 'account:role')?.status).toBe('ok');
    expect(prod.filter((c) => c.status === 'fail')).toEqual([
      {
        id: 'targetGroups',
        status: 'fail',
        detail: expect.stringMatching(
          /^cannot read the blue target group \(environments\[2\]\.targetGroups\.blue\) with arn:aws:iam::222222222222:role\/sluice-checkout-prod: AccessDenied: /,
        ),
        fix: 'the role lacks elasticloadbalancing:DescribeTargetGroups on environments[2].targetGroups.blue: its target stack grants it from the config, so deploy it again with this config (npx cdk deploy SluiceTarget-checkout-prod --profile <a profile of account 222222222222>)',
      },
      // The live group's health is read from the same fact.
      expect.objectContaining({
        id: 'targets',
        detail: expect.stringContaining('(environments[2].targetGroups.blue)'),
      }),
    ]);
  });

  it("fails a resource missing from prod's account, naming its config path", async () => {
    const listener = env('prod').listenerArn;
    elbv2
      .on(DescribeListenersCommand, { ListenerArns: [listener] })
      .rejects(awsError('ListenerNotFoundException', 'One or more listeners not found'));
    ecr
      .on(DescribeRepositoriesCommand)
      .rejects(
        awsError(
          'RepositoryNotFoundException',
          "The repository with name 'checkout' does not exist in the registry with id '222222222222'",
        ),
      );

    const report = await doctor();

    const prod = checksOf(report, 'prod');
    expect(byId(prod, 'listener')).toMatchObject({
      status: 'fail',
      detail: `listener ${listener} (environments[2].listenerArn) does not exist in account 222222222222`,
    });
    expect(byId(prod, 'ecr')).toMatchObject({
      status: 'fail',
      detail:
        'repository checkout (environments[2].artifact.repository) does not exist in account 222222222222',
    });
  });
});
