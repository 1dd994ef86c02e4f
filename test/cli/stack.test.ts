import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { configDigest } from '../../functions/shared/domain/config.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import { runCli } from '../support/cli.js';
import { EXAMPLE_CONFIG_FILE, exampleConfig } from '../support/config.js';
import { listenerServing, writtenWeights } from '../support/elbv2.js';
import { FakeReleaseTable } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/ReleaseOperator/alice';
const STACK = 'Sluice-checkout';

/** Runs the CLI in-process against the mocked AWS APIs; returns its exit code and output. */
function sluice(...args: string[]) {
  return runCli(...args, '-c', EXAMPLE_CONFIG_FILE, '--region', 'us-east-1');
}

describe('CLI: sluice abort / rollback / status --stack (a deployed Sluice, with the caller’s credentials)', () => {
  const cfn = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const sfn = mockClient(SFNClient);
  const input = releaseInput('dev');
  const { blue, green } = input.environment.targetGroups;
  let table: FakeReleaseTable;
  let serving: Weights;

  beforeEach(() => {
    for (const client of [cfn, sts, dynamo, elbv2, sfn]) client.reset();
    cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves({
      Stacks: [
        {
          StackName: STACK,
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            {
              OutputKey: 'StateMachineArn',
              OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-checkout-release',
            },
            { OutputKey: 'ReleaseTableName', OutputValue: 'Sluice-checkout-ReleaseTable' },
            { OutputKey: 'ConfigDigest', OutputValue: configDigest(exampleConfig()) },
          ],
        },
      ],
    });
    // GetCallerIdentity needs no permissions and names the principal (STS API reference).
    sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROA:alice' });
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);
    dynamo.on(ScanCommand).callsFake(() => ({
      Items: [...table.items.values()].filter((item) => item.pk.startsWith('RELEASE#')),
      $metadata: {},
    }));
    dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: { ':pk': string } }) => ({
      Items: [...table.items.values()].filter((item) => item.pk === input.ExpressionAttributeValues[':pk']),
      $metadata: {},
    }));
    serving = { [blue]: 90, [green]: 10 };
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, serving));
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1' }, TargetHealth: { State: 'healthy' } }],
    });
    elbv2.on(ModifyListenerCommand).callsFake((command) => {
      serving = writtenWeights(command);
      return {};
    });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    // A release mid-canary: 10% on green, holding dev's lock.
    table.putRecord(recordOf(input, { targets: blueLive(input) }));
    table.putLock('dev', { releaseId: input.release.id, executionName: input.executionName });
  });

  it('aborts a running release: stops its execution, restores 100/0, frees the lock, records the caller', async () => {
    const { code, output } = await sluice('abort', input.release.id, '--stack', STACK);

    expect(code).toBe(0);
    expect(JSON.parse(output)).toEqual({ aborted: [{ environment: 'dev', status: 'aborted' }] });
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input.executionArn).toContain(
      input.executionName,
    );
    expect(serving).toEqual({ [blue]: 100, [green]: 0 });
    expect(table.lock('dev')).toBeUndefined();
    expect(table.record(input.release.id, 'dev')).toMatchObject({
      status: 'aborted',
      cause: { trigger: 'manual', by: CALLER },
    });
  });

  it('rolls an environment back and records the caller, whatever --by says', async () => {
    const { code } = await sluice('rollback', '--env', 'dev', '--stack', STACK, '--by', 'someone-else');

    expect(code).toBe(0);
    expect(serving).toEqual({ [blue]: 100, [green]: 0 });
    expect(table.record(input.release.id, 'dev')).toMatchObject({
      status: 'rolled_back',
      cause: { trigger: 'manual', by: CALLER },
    });
  });

  it('reports each environment from the listener and the table', async () => {
    const { code, output } = await sluice('status', '--stack', STACK, '--json');

    expect(code).toBe(0);
    const dev = (JSON.parse(output) as { environments: { environment: string }[] }).environments.find(
      (e) => e.environment === 'dev',
    );
    expect(dev).toMatchObject({
      traffic: 'blue 90 / green 10',
      live: 'split',
      lock: { releaseId: input.release.id },
      releases: [{ releaseId: input.release.id, attempt: 1, status: 'in_progress' }],
    });
  });

  it('reports every environment when one listener cannot be read, the unreadable one with its error (JSON and text)', async () => {
    // Prepare: the caller may not describe staging's listener (ELBv2 answers AccessDenied)
    const staging = releaseInput('staging').environment.listenerArn;
    elbv2.on(DescribeListenersCommand, { ListenerArns: [staging] }).rejects(
      Object.assign(new Error('User is not authorized to perform: elasticloadbalancing:DescribeListeners'), {
        name: 'AccessDenied',
      }),
    );

    // Act
    const json = await sluice('status', '--stack', STACK, '--json');
    const text = await sluice('status', '--stack', STACK);

    // Assess
    expect(json.code).toBe(0);
    const environments = (JSON.parse(json.output) as { environments: { environment: string }[] })
      .environments;
    expect(environments.map((e) => e.environment)).toEqual(['dev', 'staging', 'prod']);
    expect(environments[0]).toMatchObject({ traffic: 'blue 90 / green 10', live: 'split' });
    expect(environments[1]).toMatchObject({
      live: 'unreadable',
      error: `reading the actions of ${staging} failed: AccessDenied: User is not authorized to perform: elasticloadbalancing:DescribeListeners`,
    });
    expect(text.code).toBe(0);
    expect(text.output).toContain('dev: blue 90 / green 10 (live: split)');
    expect(text.output).toContain(
      `staging: unreadable (live: unreadable)\n  ✗ cannot read the listener: reading the actions of ${staging} failed: AccessDenied`,
    );
  });

  it('refuses a --to that is neither blue nor green before touching AWS', async () => {
    const { code } = await sluice('rollback', '--env', 'dev', '--stack', STACK, '--to', 'purple');

    expect(code).toBe(2);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('refuses a config file that differs from the deployed one, and changes nothing', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: STACK,
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            {
              OutputKey: 'StateMachineArn',
              OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:x',
            },
            { OutputKey: 'ReleaseTableName', OutputValue: 't' },
            { OutputKey: 'ConfigDigest', OutputValue: '0000000000000000' },
          ],
        },
      ],
    });

    const { code, output } = await sluice('abort', input.release.id, '--stack', STACK);

    expect(code).toBe(1);
    expect(output).toMatch(/config file differs from the one stack Sluice-checkout runs/);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
  });

  it('says so when the stack is not a Sluice stack', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: STACK, CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });

    const { code, output } = await sluice('status', '--stack', STACK);

    expect(code).toBe(1);
    expect(output).toMatch(
      /has no StateMachineArn, ReleaseTableName, ConfigDigest output: is it a Sluice stack\?/,
    );
  });
});
