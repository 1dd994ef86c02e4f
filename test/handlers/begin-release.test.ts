import {
  type Action,
  DescribeListenersCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalTrafficRouter } from '../../embedded/adapters/traffic-router.js';
import { LocalAlb } from '../../embedded/alb.js';
import { createBeginReleaseHandler, handler } from '../../functions/begin-release/handler.js';
import type { ReleaseInput, Weights } from '../../functions/shared/domain/release.js';
import { type Orchestrator, systemClock } from '../../functions/shared/ports/index.js';
import { listenerServing } from '../support/elbv2.js';
import { context, FakeReleaseTable, useLambdaEnv } from '../support/lambda.js';
import { recordOf, releaseInput } from '../support/release.js';

describe('Handler: begin-release', () => {
  useLambdaEnv();
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sfn = mockClient(SFNClient);
  let table: FakeReleaseTable;
  let input: ReleaseInput;
  let blue: string;
  let green: string;
  let serving: Weights;

  const begin = (release: ReleaseInput = input) => handler({ input: release }, context);

  beforeEach(() => {
    elbv2.reset();
    dynamo.reset();
    sfn.reset();
    table = new FakeReleaseTable();
    dynamo.on(GetCommand).callsFake(table.get);
    dynamo.on(PutCommand).callsFake(table.put);
    dynamo.on(DeleteCommand).callsFake(table.delete);
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    // Every other release's execution is still running unless a test says otherwise.
    sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => ({
      executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
      name: executionArn.split(':').at(-1),
      status: 'RUNNING',
      startDate: new Date('2026-01-01T00:00:00Z'),
    }));

    input = releaseInput('dev');
    ({ blue, green } = input.environment.targetGroups);
    serving = { [blue]: 0, [green]: 100 };
    elbv2
      .on(DescribeListenersCommand)
      .callsFake(() => listenerServing(input.environment.listenerArn, serving));
  });

  it('derives the live group from the listener, takes the lock and records the release', async () => {
    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(elbv2.commandCalls(DescribeListenersCommand)[0]?.args[0].input).toEqual({
      ListenerArns: [input.environment.listenerArn],
    });
    expect(table.lock('dev')).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    expect(table.record(input.release.id, 'dev')).toMatchObject({
      status: 'in_progress',
      targets: { live: green, idle: blue },
      executionName: input.executionName,
      sha: input.release.sha,
      steps: [],
    });
    expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
  });

  // A target whose group no listener or rule uses is `unused` ("Target.NotInUse - The target
  // group is not used by any load balancer", ELBv2 API reference, TargetHealth), so the idle group
  // of a listener that forwards to the live group alone could never pass the health gate.
  it('attaches the idle group at weight 0 where the listener forwards to the live group alone', async () => {
    // Prepare: the listener as DescribeListeners reports one created with a plain forward to green
    let actions: Action[] = [
      {
        Type: 'forward',
        Order: 1,
        TargetGroupArn: green,
        ForwardConfig: {
          TargetGroups: [{ TargetGroupArn: green, Weight: 1 }],
          TargetGroupStickinessConfig: { Enabled: false },
        },
      },
    ];
    elbv2.on(DescribeListenersCommand).callsFake(() => ({ Listeners: [{ DefaultActions: actions }] }));
    elbv2.on(ModifyListenerCommand).callsFake((command: { DefaultActions: Action[] }) => {
      actions = command.DefaultActions;
      return {};
    });

    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(elbv2.commandCalls(ModifyListenerCommand).map((c) => c.args[0].input)).toEqual([
      {
        ListenerArn: input.environment.listenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            Order: 1,
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: green, Weight: 100 },
                { TargetGroupArn: blue, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      },
    ]);
    expect(table.record(input.release.id, 'dev')?.history.map((h) => h.event)).toEqual([
      'started',
      'idle_attached',
    ]);
  });

  it('keeps the first reading when BeginRelease is retried', async () => {
    // Prepare
    await begin();
    serving = { [blue]: 100, [green]: 0 };

    // Act
    const again = await begin();

    // Assess
    expect(again).toEqual({ live: green, idle: blue });
  });

  it('fails with ListenerStateError when the listener is split between the groups', async () => {
    // Prepare
    serving = { [blue]: 90, [green]: 10 };

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({
      name: 'ListenerStateError',
      message: expect.stringContaining('listener is split (blue 90 / green 10)'),
    });
    expect(table.record(input.release.id, 'dev')).toBeUndefined();
  });

  it('fails with ListenerStateError when the listener forwards to a group outside the environment', async () => {
    // Prepare
    const foreign =
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/someone-else/0123456789abcdef';
    serving = { [foreign]: 100 };

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({
      name: 'ListenerStateError',
      message: expect.stringContaining(foreign),
    });
  });

  it('supersedes a running older release: marks it, stops its execution, restores its traffic', async () => {
    // Prepare: an older release of dev is at its 10% step
    const older = releaseInput('dev');
    older.release.id = 'checkout-0123456789ab';
    older.executionName = `dev-acme-checkout-${'0123456789ab'.padEnd(40, '0')}`;
    table.putRecord(recordOf(older, { targets: { live: green, idle: blue } }));
    table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
    serving = { [green]: 90, [blue]: 10 };
    elbv2.on(ModifyListenerCommand).callsFake((command) => {
      const groups = command.DefaultActions[0].ForwardConfig.TargetGroups as {
        TargetGroupArn: string;
        Weight: number;
      }[];
      serving = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
      return {};
    });

    // Act
    const targets = await begin();

    // Assess
    expect(targets).toEqual({ live: green, idle: blue });
    expect(table.record(older.release.id, 'dev')).toMatchObject({
      status: 'superseded',
      cause: { trigger: 'superseded' },
      restoredAt: expect.any(String),
    });
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:sluice-release:${older.executionName}`,
    });
    expect(table.lock('dev')).toEqual({ releaseId: input.release.id, executionName: input.executionName });
  });

  describe('a lock whose holder no longer runs', () => {
    const older = releaseInput('dev');
    older.release.id = 'checkout-0123456789ab';
    older.executionName = `dev-acme-checkout-${'0123456789ab'.padEnd(40, '0')}`;
    const olderArn = `arn:aws:states:us-east-1:123456789012:execution:sluice-release:${older.executionName}`;

    /** DescribeExecution of the older release's execution answers as it ended. */
    function olderEnded(ending: { status: 'FAILED' | 'TIMED_OUT'; error?: string; cause?: string }) {
      sfn.on(DescribeExecutionCommand, { executionArn: olderArn }).resolves({
        executionArn: olderArn,
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
        name: older.executionName,
        startDate: new Date('2026-01-01T00:00:00Z'),
        stopDate: new Date('2026-01-01T00:20:00Z'),
        ...ending,
      });
    }

    function serveWrites() {
      elbv2.on(ModifyListenerCommand).callsFake((command) => {
        const groups = command.DefaultActions[0].ForwardConfig.TargetGroups as {
          TargetGroupArn: string;
          Weight: number;
        }[];
        serving = Object.fromEntries(groups.map((g) => [g.TargetGroupArn, g.Weight]));
        return {};
      });
    }

    it('takes over a stale lock even under the reject policy: restores traffic and ends the holder with its cause in words', async () => {
      // Prepare: the older release crashed at its 10% step; its end event never reached the guard
      const step = {
        index: 0,
        weight: 10,
        observed: { [green]: 90, [blue]: 10 },
        at: '2026-01-01T00:05:00.000Z',
      };
      table.putRecord(recordOf(older, { targets: { live: green, idle: blue }, steps: [step] }));
      table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
      olderEnded({
        status: 'FAILED',
        error: 'RollbackError',
        cause: 'Restoring the live target group failed.',
      });
      serving = { [green]: 90, [blue]: 10 };
      serveWrites();
      input.environment.concurrency = 'reject';

      // Act
      const targets = await begin();

      // Assess
      expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
        executionArn: olderArn,
      });
      expect(serving).toEqual({ [green]: 100, [blue]: 0 });
      expect(targets).toEqual({ live: green, idle: blue });
      expect(table.record(older.release.id, 'dev')).toMatchObject({
        status: 'rolled_back',
        restoredAt: expect.any(String),
        cause: {
          trigger: 'crash',
          error: 'StaleLock',
          message: `execution ${older.executionName} ended FAILED with RollbackError (Restoring the live target group failed.), and release ${older.release.id} never recorded an outcome; its lock was taken over by release ${input.release.id} (${input.release.sha.slice(0, 7)})`,
        },
      });
      expect(table.lock('dev')).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    });

    it('records a holder that passed its watch but failed only its final write as succeeded, keeping its traffic', async () => {
      // Prepare: promoted to green, watch passed, Complete could not write (ReleaseNotRecorded)
      table.putRecord(recordOf(older, { status: 'promoted', targets: { live: blue, idle: green } }));
      table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
      olderEnded({ status: 'FAILED', error: 'ReleaseNotRecorded' });
      serving = { [blue]: 0, [green]: 100 };
      input.environment.concurrency = 'queue';

      // Act
      const targets = await begin();

      // Assess
      expect(elbv2.commandCalls(ModifyListenerCommand)).toHaveLength(0);
      expect(targets).toEqual({ live: green, idle: blue });
      expect(table.record(older.release.id, 'dev')).toMatchObject({ status: 'succeeded' });
      expect(table.lock('dev')).toEqual({ releaseId: input.release.id, executionName: input.executionName });
    });

    it('ends a holder whose execution timed out with a timeout cause', async () => {
      // Prepare: the release had not moved traffic yet
      table.putRecord(recordOf(older, { targets: { live: green, idle: blue } }));
      table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
      olderEnded({ status: 'TIMED_OUT', error: 'States.Timeout' });
      input.environment.concurrency = 'queue';

      // Act
      await begin();

      // Assess
      expect(table.record(older.release.id, 'dev')).toMatchObject({
        status: 'failed',
        cause: {
          trigger: 'timeout',
          message: expect.stringContaining('ended TIMED_OUT with States.Timeout'),
        },
      });
      expect(table.lock('dev')?.releaseId).toBe(input.release.id);
    });
  });

  it('fails with ReleaseLockedError when another release runs and the policy is reject', async () => {
    // Prepare
    const older = releaseInput('dev');
    older.release.id = 'checkout-0123456789ab';
    older.executionName = 'dev-older';
    table.putRecord(recordOf(older));
    table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
    input.environment.concurrency = 'reject';

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({ name: 'ReleaseLockedError' });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('fails with ReleaseQueuedError, for the state machine to retry, when the policy is queue', async () => {
    // Prepare
    const older = releaseInput('dev');
    older.release.id = 'checkout-0123456789ab';
    older.executionName = 'dev-older';
    table.putRecord(recordOf(older));
    table.putLock('dev', { releaseId: older.release.id, executionName: older.executionName });
    input.environment.concurrency = 'queue';

    // Act + Assess
    await expect(begin()).rejects.toMatchObject({ name: 'ReleaseQueuedError' });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sluice-release:dev-older',
    });
  });
});

describe('Handler: begin-release, on the embedded adapters', () => {
  let alb: LocalAlb;
  let store: MemoryReleaseStore;
  let input: ReleaseInput;
  const orchestrator: Orchestrator = {
    startRelease: async () => ({ started: false, reason: 'exists' }),
    startPipeline: async () => ({ started: false, reason: 'exists' }),
    stopExecution: async () => {},
    sendTaskSuccess: async () => {},
    sendTaskFailure: async () => {},
    executionStatus: async () => 'RUNNING',
    describeExecution: async (name) =>
      name === 'dev-crashed' ? { status: 'FAILED', error: 'RollbackError' } : { status: 'RUNNING' },
  };

  beforeEach(async () => {
    alb = new LocalAlb();
    await alb.addListener(releaseInput('dev').environment.listenerArn);
    store = new MemoryReleaseStore();
    input = releaseInput('dev');
  });

  afterEach(() => alb.close());

  const begin = createBeginReleaseHandler({
    trafficRouter: (listener) => new LocalTrafficRouter(alb, listener),
    releases: () => store,
    orchestrator: () => orchestrator,
    now: systemClock,
  });

  it('attaches the idle group at weight 0 where the listener forwards to the live group alone, in one write', async () => {
    // Prepare
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 100 });
    const writes = alb.epochs(listenerArn).length;

    // Act
    const targets = await begin({ input }, context);

    // Assess
    expect(targets).toEqual({ live: targetGroups.blue, idle: targetGroups.green });
    expect(alb.readWeights(listenerArn)).toEqual({ [targetGroups.blue]: 100, [targetGroups.green]: 0 });
    expect(alb.epochs(listenerArn).length - writes).toBe(1);
    expect(alb.inUse(targetGroups.green)).toBe(true);
  });

  it('never revives a release that was ended before it began: frees the lock and moves nothing', async () => {
    // Prepare: superseded while its BeginRelease waited (or ran past its task timeout)
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 100, [targetGroups.green]: 0 });
    await store.create({ ...recordOf(input), targets: undefined, status: 'superseded' });
    const writes = alb.epochs(listenerArn).length;

    // Act
    const caught = await begin({ input }, context).catch((e: unknown) => e);

    // Assess
    expect(caught).toMatchObject({ name: 'ReleaseStoppedError' });
    expect((await store.get(input.release.id, 'dev'))?.status).toBe('superseded');
    expect(await store.lockHolder('dev')).toBeUndefined();
    expect(alb.epochs(listenerArn).length).toBe(writes);
  });

  it('writes nothing where the listener already lists both groups', async () => {
    // Prepare
    const { listenerArn, targetGroups } = input.environment;
    alb.setWeights(listenerArn, { [targetGroups.blue]: 0, [targetGroups.green]: 100 });
    const writes = alb.epochs(listenerArn).length;

    // Act
    await begin({ input }, context);

    // Assess
    expect(alb.epochs(listenerArn).length).toBe(writes);
    expect((await store.get(input.release.id, 'dev'))?.history.map((h) => h.event)).toEqual(['started']);
  });

  it('leaves a stale lock and its listener alone when another release took it over first', async () => {
    // Prepare: a crashed release holds the lock at its 25% step; between this release's failed
    // lock attempt and its takeover, another release takes the lock over
    const { listenerArn, targetGroups } = input.environment;
    const crashed = releaseInput('dev');
    crashed.release.id = 'checkout-crashed';
    crashed.executionName = 'dev-crashed';
    await store.create(recordOf(crashed));
    await store.acquireLock('dev', { releaseId: 'checkout-crashed', executionName: 'dev-crashed' });
    alb.setWeights(listenerArn, { [targetGroups.blue]: 75, [targetGroups.green]: 25 });
    const other = { releaseId: 'checkout-other', executionName: 'dev-other' };
    const lockHolder = store.lockHolder.bind(store);
    store.lockHolder = async (environment) => {
      await store.releaseLock('dev', { releaseId: 'checkout-crashed', executionName: 'dev-crashed' });
      await store.acquireLock('dev', other);
      return lockHolder(environment);
    };

    // Act
    const caught = await begin({ input }, context).catch((e: unknown) => e);

    // Assess
    expect(caught).toMatchObject({ name: 'ReleaseQueuedError' });
    expect((await store.get('checkout-crashed', 'dev'))?.status).toBe('in_progress');
    expect(alb.readWeights(listenerArn)).toEqual({ [targetGroups.blue]: 75, [targetGroups.green]: 25 });
    expect(await lockHolder('dev')).toEqual(other);
  });
});
