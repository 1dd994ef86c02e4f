import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type ModifyListenerCommandInput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { configDigest, type SluiceConfig } from '../../functions/shared/domain/config.js';
import type { DeliveryMetrics } from '../../functions/shared/domain/delivery-metrics.js';
import type { Weights } from '../../functions/shared/domain/release.js';
import { runCli } from '../support/cli.js';
import { EXAMPLE_CONFIG_FILE, exampleConfig } from '../support/config.js';
import { listenerServing, writtenWeights } from '../support/elbv2.js';
import { FakeReleaseTable } from '../support/lambda.js';
import { blueLive, recordOf, releaseInput } from '../support/release.js';

const CALLER = 'arn:aws:sts::123456789012:assumed-role/ReleaseOperator/alice';
const STACK = 'Sluice-checkout';
/** dev in the delivery account 123456789012; staging, prod and perf each in their own (issue 19). */
const ACCOUNTS_CONFIG_FILE = fileURLToPath(
  new URL('../fixtures/accounts/sluice.config.yaml', import.meta.url),
);

/** DescribeStacks' answer for a Sluice stack deployed with this config. */
function sluiceStack(config: SluiceConfig) {
  return {
    Stacks: [
      {
        StackName: STACK,
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE' as const,
        Outputs: [
          {
            OutputKey: 'StateMachineArn',
            OutputValue: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-checkout-release',
          },
          { OutputKey: 'ReleaseTableName', OutputValue: 'Sluice-checkout-ReleaseTable' },
          { OutputKey: 'ConfigDigest', OutputValue: configDigest(config) },
        ],
      },
    ],
  };
}

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
    const { code, output } = await sluice('abort', input.release.id, '--stack', STACK, '--json');

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

  it('says what an abort did in words unless --json is given', async () => {
    const { code, output } = await sluice('abort', input.release.id, '--stack', STACK);

    expect(code).toBe(0);
    expect(output).toBe(`${input.release.id}: aborted in dev; its traffic is back on the stable version`);
  });

  it('rolls an environment back and records the caller, whatever --by says', async () => {
    const { code, output } = await sluice(
      'rollback',
      '--env',
      'dev',
      '--stack',
      STACK,
      '--by',
      'someone-else',
    );

    expect(code).toBe(0);
    // In words, the group named blue or green as the config names it (issue 21: no ARN, no raw JSON)
    expect(output).toBe(`dev: stopped the running release ${input.release.id}; blue serves all traffic`);
    expect(serving).toEqual({ [blue]: 100, [green]: 0 });
    expect(table.record(input.release.id, 'dev')).toMatchObject({
      status: 'rolled_back',
      cause: { trigger: 'manual', by: CALLER },
    });
  });

  it("reports the delivery metrics from the stack's release table (status --metrics --stack)", async () => {
    // Prepare: beside dev's running release, one promoted in prod and past its watch
    const prod = releaseInput('prod');
    table.putRecord(
      recordOf(prod, {
        status: 'succeeded',
        promotedAt: '2026-01-01T00:30:00.000Z',
        endedAt: '2026-01-01T00:40:00.000Z',
        history: [
          { at: '2026-01-01T00:00:00.000Z', event: 'started' },
          { at: '2026-01-01T00:01:00.000Z', event: 'began' },
          { at: '2026-01-01T00:30:00.000Z', event: 'promoted' },
          { at: '2026-01-01T00:40:00.000Z', event: 'succeeded' },
        ],
      }),
    );

    // Act: a window of 52 weeks reaches back to the records' day
    const { code, output } = await sluice(
      'status',
      '--metrics',
      '--since',
      '52w',
      '--stack',
      STACK,
      '--json',
    );

    // Assess
    expect(code).toBe(0);
    const metrics = JSON.parse(output) as DeliveryMetrics;
    expect(metrics.production).toBe('prod');
    expect(metrics.deploymentFrequency.map((d) => [d.environment, d.deployments])).toEqual([
      ['dev', 0],
      ['staging', 0],
      ['prod', 1],
    ]);
    expect(metrics.changeFailureRate.find((c) => c.environment === 'prod')).toMatchObject({
      failed: 0,
      deployments: 1,
      rate: 0,
    });
    // dev's release still runs: neither a success nor a failure yet
    expect(metrics.changeFailureRate.find((c) => c.environment === 'dev')).toMatchObject({
      deployments: 0,
      open: 1,
      rate: null,
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

describe('CLI: sluice rollback / status --stack across accounts (issue 19)', () => {
  const cfn = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const config = deployedConfig(loadConfig(ACCOUNTS_CONFIG_FILE));
  const env = (name: string) => config.environments.find((e) => e.name === name)!;
  const ASSUMED = {
    AccessKeyId: 'ASIAPRODSESSION',
    SecretAccessKey: 'prod-secret',
    SessionToken: 'prod-token',
  };
  let table: FakeReleaseTable;
  let serving: Record<string, Weights>;

  function sluice(...args: string[]) {
    return runCli(...args, '-c', ACCOUNTS_CONFIG_FILE, '--region', 'us-east-1');
  }

  /** The credentials the client that sent this call signs with (aws-sdk-client-mock keeps the client as `this`). */
  async function credentialsOf(call: { thisValue: unknown }) {
    const client = call.thisValue as { config: { credentials: AwsCredentialIdentityProvider } };
    return client.config.credentials();
  }

  beforeEach(() => {
    for (const client of [cfn, sts, dynamo, elbv2]) client.reset();
    cfn.on(DescribeStacksCommand, { StackName: STACK }).resolves(sluiceStack(config));
    // GetCallerIdentity needs no permissions and names the principal (STS API reference).
    sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '123456789012', UserId: 'AROA:alice' });
    sts.on(AssumeRoleCommand).resolves({
      Credentials: { ...ASSUMED, Expiration: new Date(Date.now() + 3_600_000) },
      AssumedRoleUser: {
        Arn: 'arn:aws:sts::222222222222:assumed-role/sluice-checkout-prod/sluice-cli-prod',
        AssumedRoleId: 'AROAPROD:sluice-cli-prod',
      },
      SourceIdentity: 'alice',
    });
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);
    dynamo.on(ScanCommand).resolves({ Items: [] });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    // Every listener settled on blue; the idle group healthy.
    serving = Object.fromEntries(
      config.environments.map((e) => [
        e.listenerArn,
        { [e.targetGroups.blue]: 100, [e.targetGroups.green]: 0 },
      ]),
    );
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(({ ListenerArns }: { ListenerArns: string[] }) =>
        listenerServing(ListenerArns[0]!, serving[ListenerArns[0]!]!),
      );
    elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [{ Target: { Id: '10.0.0.1' }, TargetHealth: { State: 'healthy' } }],
    });
    elbv2.on(ModifyListenerCommand).callsFake((command: ModifyListenerCommandInput) => {
      serving[command.ListenerArn!] = writtenWeights(command);
      return {};
    });
  });

  it("rolls prod back through prod's role: AssumeRole with its ExternalId and the operator as SourceIdentity, then ModifyListener signed with the session", async () => {
    const prod = env('prod');

    const { code, output } = await sluice(
      'rollback',
      '--env',
      'prod',
      '--stack',
      STACK,
      '--by',
      'someone-else',
    );

    expect([code, output]).toEqual([0, expect.any(String)]);
    const modify = elbv2.commandCalls(ModifyListenerCommand);
    expect(modify.map((c) => c.args[0].input.ListenerArn)).toEqual([prod.listenerArn]);
    expect(serving[prod.listenerArn]).toEqual({
      [prod.targetGroups.blue]: 0,
      [prod.targetGroups.green]: 100,
    });
    // The client that wrote prod's listener signs with the assumed session's keys, not the caller's.
    expect(await credentialsOf(modify[0]!)).toMatchObject({
      accessKeyId: ASSUMED.AccessKeyId,
      sessionToken: ASSUMED.SessionToken,
    });
    // STS AssumeRole (API reference): SourceIdentity is set by the caller and kept for the session,
    // so the environment account's CloudTrail names the human (IAM User Guide, "Monitor and control
    // actions taken with assumed roles"); the trust's operator statement requires it. It is the
    // caller's (GetCallerIdentity), whatever --by says.
    const assumed = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(assumed).toEqual([
      expect.objectContaining({
        RoleArn: 'arn:aws:iam::222222222222:role/sluice-checkout-prod',
        ExternalId: 'sluice-checkout-prod-7f3a',
        SourceIdentity: 'alice',
        Tags: [{ Key: 'sluice:environment', Value: 'prod' }],
      }),
    ]);
  });

  it('rolls dev (no account) back with the caller’s own credentials: no AssumeRole', async () => {
    const dev = env('dev');

    const { code } = await sluice('rollback', '--env', 'dev', '--stack', STACK);

    expect(code).toBe(0);
    const modify = elbv2.commandCalls(ModifyListenerCommand);
    expect(modify.map((c) => c.args[0].input.ListenerArn)).toEqual([dev.listenerArn]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("reads each environment's listener with its own credentials: one role session per account, none for dev", async () => {
    const { code, output } = await sluice('status', '--stack', STACK, '--json');

    expect(code).toBe(0);
    const environments = (JSON.parse(output) as { environments: { environment: string; live: string }[] })
      .environments;
    expect(environments.map((e) => [e.environment, e.live])).toEqual([
      ['dev', 'blue'],
      ['staging', 'blue'],
      ['prod', 'blue'],
      ['perf', 'blue'],
    ]);
    // A mocked send signs nothing: resolve each reading client's credentials as signing would.
    const reads = elbv2.commandCalls(DescribeListenersCommand);
    const keys: [string, string][] = [];
    for (const call of reads) {
      const listener = call.args[0].input.ListenerArns?.[0] ?? '';
      if (listener === env('dev').listenerArn) continue;
      keys.push([listener, (await credentialsOf(call)).accessKeyId]);
    }
    expect(keys).toEqual(
      ['staging', 'prod', 'perf'].map((name) => [env(name).listenerArn, ASSUMED.AccessKeyId]),
    );
    const roles = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(roles.map((r) => [r.RoleArn, r.SourceIdentity])).toEqual([
      ['arn:aws:iam::333333333333:role/sluice-checkout-staging', 'alice'],
      ['arn:aws:iam::222222222222:role/sluice-checkout-prod', 'alice'],
      ['arn:aws:iam::444444444444:role/sluice-checkout-perf', 'alice'],
    ]);
  });
});
