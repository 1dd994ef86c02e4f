import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { executionArnOf, SfnOrchestrator } from '../../functions/shared/aws/sfn-orchestrator.js';
import type { ReleaseInput } from '../../functions/shared/domain/release.js';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:sluice-release';
const EXECUTION = 'arn:aws:states:eu-west-1:111111111111:execution:sluice-release:web-prod-abc1234';

const sfn = mockClient(SFNClient);

const input: ReleaseInput = {
  release: {
    id: 'web-abc1234',
    repository: 'acme/web',
    service: 'web',
    branch: 'main',
    sha: 'abc1234def',
    version: 'abc1234def',
    pusher: 'octocat',
  },
  environment: {
    name: 'prod',
    listenerArn: 'arn:listener',
    targetGroups: { blue: 'arn:blue', green: 'arn:green' },
    deploy: { provider: 'external' },
    alarms: [],
    requiredChecks: [],
    checks: { appId: 15368, allowConclusions: [], buildTimeoutSeconds: 3600 },
    minHealthyTargets: 1,
    approval: { type: 'none' },
    watchSeconds: 60,
    insufficientData: { policy: 'fail', maxExtensionSeconds: 0 },
    concurrency: 'supersede',
  },
  steps: [{ index: 0, weight: 10, bakeSeconds: 60 }],
  executionName: 'web-prod-abc1234',
};

describe('Class: SfnOrchestrator', () => {
  const orchestrator = new SfnOrchestrator(new SFNClient({ region: 'eu-west-1' }), STATE_MACHINE);

  beforeEach(() => {
    sfn.reset();
  });

  describe('Method: startRelease', () => {
    it('starts an execution named by the input, with the input as JSON', async () => {
      // Prepare
      sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });

      // Act
      const result = await orchestrator.startRelease(input);

      // Assess
      expect(result).toEqual({ started: true, executionArn: EXECUTION });
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: STATE_MACHINE,
        name: 'web-prod-abc1234',
        input: JSON.stringify(input),
      });
    });

    it('reports an execution that already exists instead of failing', async () => {
      // Prepare
      sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ $metadata: {}, message: 'exists' }));

      // Act
      const result = await orchestrator.startRelease(input);

      // Assess
      expect(result).toEqual({ started: false, reason: 'exists' });
    });

    it('reports a redelivery answered with the running execution as existing', async () => {
      // Prepare: same name, same input — Step Functions returns the running execution's start
      sfn
        .on(StartExecutionCommand)
        .resolves({ executionArn: EXECUTION, startDate: new Date(Date.now() - 5 * 60_000) });

      // Act
      const result = await orchestrator.startRelease(input);

      // Assess
      expect(result).toEqual({ started: false, reason: 'exists' });
    });

    it('lets any other failure through', async () => {
      // Prepare
      sfn.on(StartExecutionCommand).rejects(new InvalidArn({ $metadata: {}, message: 'bad arn' }));

      // Act
      const caught = await orchestrator.startRelease(input).catch((e: unknown) => e);

      // Assess
      expect(caught).toBeInstanceOf(InvalidArn);
    });
  });

  describe('Method: startPipeline / executionStatus', () => {
    const PIPELINE_MACHINE = STATE_MACHINE.replace(/stateMachine:.*/, 'stateMachine:sluice-web-pipeline');
    const pipelines = new SfnOrchestrator(
      new SFNClient({ region: 'eu-west-1' }),
      STATE_MACHINE,
      PIPELINE_MACHINE,
    );
    const pipelineInput = {
      pipeline: {
        executionName: 'pipeline-acme-web-abc1234',
        route: { name: 'main', environments: ['prod'] },
        release: input.release,
      },
      stages: [{ name: 'prod', executionName: input.executionName, soak: false, soakSeconds: 0, input }],
    };

    it('starts the pipeline on the pipeline state machine, named by its input', async () => {
      sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:p', startDate: new Date() });

      await expect(pipelines.startPipeline(pipelineInput)).resolves.toEqual({
        started: true,
        executionArn: 'arn:p',
      });
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: PIPELINE_MACHINE,
        name: 'pipeline-acme-web-abc1234',
        input: JSON.stringify(pipelineInput),
      });
    });

    it("reads a pipeline's status from the pipeline state machine's executions", async () => {
      sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });

      await expect(pipelines.executionStatus('pipeline-acme-web-abc1234', 'pipeline')).resolves.toBe(
        'FAILED',
      );
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, {
        executionArn: `${PIPELINE_MACHINE.replace(':stateMachine:', ':execution:')}:pipeline-acme-web-abc1234`,
      });
    });
  });

  describe('Method: stopExecution', () => {
    it('stops the execution by the ARN derived from its name', async () => {
      // Prepare
      sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });

      // Act
      await orchestrator.stopExecution('web-prod-abc1234', 'ReleaseSuperseded', 'superseded by web-def5678');

      // Assess
      expect(sfn).toHaveReceivedCommandWith(StopExecutionCommand, {
        executionArn: EXECUTION,
        error: 'ReleaseSuperseded',
        cause: 'superseded by web-def5678',
      });
    });

    it('treats an execution that does not exist as stopped', async () => {
      // Prepare
      sfn.on(StopExecutionCommand).rejects(new ExecutionDoesNotExist({ $metadata: {}, message: 'gone' }));

      // Act
      const stopping = orchestrator.stopExecution('web-prod-abc1234', 'Aborted', 'by hand');

      // Assess
      await expect(stopping).resolves.toBeUndefined();
    });
  });

  describe('Method: sendTaskSuccess / sendTaskFailure', () => {
    it('sends the output as JSON with the token', async () => {
      // Prepare
      sfn.on(SendTaskSuccessCommand).resolves({});

      // Act
      const sent = await orchestrator.sendTaskSuccess('token-1', { approved: true, by: 'U123' });

      // Assess
      expect(sent).toBe('delivered');
      expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
        taskToken: 'token-1',
        output: '{"approved":true,"by":"U123"}',
      });
    });

    it('sends the error name and cause with the token', async () => {
      // Prepare
      sfn.on(SendTaskFailureCommand).resolves({});

      // Act
      await orchestrator.sendTaskFailure('token-2', 'ApprovalRejected', 'rejected by U123');

      // Assess
      expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: 'token-2',
        error: 'ApprovalRejected',
        cause: 'rejected by U123',
      });
    });
  });

  // SendTaskSuccess / SendTaskFailure API reference, Errors: TaskTimedOut ("expired or … already
  // closed"), TaskDoesNotExist, InvalidToken. Nothing else says the token is closed.
  describe('Method: sendTaskSuccess / sendTaskFailure, delivery', () => {
    it.each([
      ['TaskTimedOut', new TaskTimedOut({ $metadata: {}, message: 'Task Timed Out' })],
      ['TaskDoesNotExist', new TaskDoesNotExist({ $metadata: {}, message: 'gone' })],
      ['InvalidToken', new InvalidToken({ $metadata: {}, message: 'Invalid token' })],
    ])('reports a token that %s answers as closed', async (_, error) => {
      sfn.on(SendTaskSuccessCommand).rejects(error);
      sfn.on(SendTaskFailureCommand).rejects(error);

      await expect(orchestrator.sendTaskSuccess('token-1', {})).resolves.toBe('closed');
      await expect(orchestrator.sendTaskFailure('token-1', 'E', 'c')).resolves.toBe('closed');
    });

    it('throws a throttled send instead of reporting the token closed', async () => {
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      sfn.on(SendTaskSuccessCommand).rejects(throttled);
      sfn.on(SendTaskFailureCommand).rejects(throttled);

      await expect(orchestrator.sendTaskSuccess('token-1', {})).rejects.toThrow('Rate exceeded');
      await expect(orchestrator.sendTaskFailure('token-1', 'E', 'c')).rejects.toThrow('Rate exceeded');
    });
  });

  describe('Method: executionStatus', () => {
    it("returns the execution's status", async () => {
      // Prepare
      sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({
        executionArn: EXECUTION,
        stateMachineArn: STATE_MACHINE,
        status: 'RUNNING',
        startDate: new Date(),
      });

      // Act
      const status = await orchestrator.executionStatus('web-prod-abc1234');

      // Assess
      expect(status).toBe('RUNNING');
    });

    it('returns undefined when there is no execution of that name', async () => {
      // Prepare
      sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ $metadata: {}, message: 'none' }));

      // Act
      const status = await orchestrator.executionStatus('never-started');

      // Assess
      expect(status).toBeUndefined();
    });
  });

  describe('Method: describeExecution', () => {
    it('returns the status, error and cause an execution ended with', async () => {
      // Prepare: DescribeExecution of a failed execution carries its error and cause
      sfn.on(DescribeExecutionCommand, { executionArn: EXECUTION }).resolves({
        executionArn: EXECUTION,
        stateMachineArn: STATE_MACHINE,
        name: 'web-prod-abc1234',
        status: 'FAILED',
        startDate: new Date('2026-01-01T00:00:00Z'),
        stopDate: new Date('2026-01-01T00:10:00Z'),
        error: 'RollbackError',
        cause: "Restoring the live target group failed; see the Rollback state's errors.",
      });

      // Act
      const description = await orchestrator.describeExecution('web-prod-abc1234');

      // Assess
      expect(description).toEqual({
        status: 'FAILED',
        error: 'RollbackError',
        cause: "Restoring the live target group failed; see the Rollback state's errors.",
      });
    });

    it('returns undefined when there is no execution of that name', async () => {
      // Prepare
      sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ $metadata: {}, message: 'none' }));

      // Act
      const description = await orchestrator.describeExecution('never-started');

      // Assess
      expect(description).toBeUndefined();
    });
  });

  describe('Function: executionArnOf', () => {
    it('swaps stateMachine for execution and appends the name', () => {
      // Act
      const arn = executionArnOf('arn:aws-cn:states:cn-north-1:222222222222:stateMachine:m', 'e-1');

      // Assess
      expect(arn).toBe('arn:aws-cn:states:cn-north-1:222222222222:execution:m:e-1');
    });

    it('rejects an ARN that is not a state machine', () => {
      // Act
      const deriving = () => executionArnOf('arn:aws:states:us-east-1:1:activity:a', 'e');

      // Assess
      expect(deriving).toThrow('not a state machine ARN');
    });
  });
});
