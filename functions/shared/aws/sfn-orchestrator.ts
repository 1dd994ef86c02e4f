import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { PipelineInput, ReleaseInput } from '../domain/release.js';
import type {
  ExecutionDescription,
  ExecutionStatus,
  MachineName,
  Orchestrator,
  StartResult,
  TaskDelivery,
} from '../ports/orchestrator.js';
import { readLambdaEnv } from './env.js';
import { once } from './once.js';
import { isNamed } from './sdk-errors.js';

/** Starts and steers release executions of one Step Functions state machine. */
/** A start date older than this (allowing for clock skew) means the execution already existed. */
const ALREADY_RUNNING_AFTER_MS = 30_000;

export class SfnOrchestrator implements Orchestrator {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
    private readonly pipelineStateMachineArn: string = stateMachineArn,
  ) {}

  /** Starts the execution named in the input; one that already exists is reported, not an error. */
  async startRelease(input: ReleaseInput): Promise<StartResult> {
    return this.start(this.stateMachineArn, input.executionName, input);
  }

  /** Starts a push's pipeline; it runs each environment's release as a child execution. */
  async startPipeline(input: PipelineInput): Promise<StartResult> {
    return this.start(this.pipelineStateMachineArn, input.pipeline.executionName, input);
  }

  /**
   * StartExecution "when the original execution is closed, … ExecutionAlreadyExists … regardless
   * of input"; open with the same input, it answers with the original execution (StartExecution
   * API reference). Names stay taken for 90 days.
   */
  private async start(stateMachineArn: string, name: string, input: unknown): Promise<StartResult> {
    try {
      const { executionArn, startDate } = await this.client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      // Step Functions answers a same-name, same-input start of a running execution with that
      // execution's ARN and original start date (a GitHub redelivery keeps the delivery id, so
      // its input is identical): an execution that began before this call is not a new one.
      if (startDate && Date.now() - startDate.getTime() > ALREADY_RUNNING_AFTER_MS) {
        return { started: false, reason: 'exists' };
      }
      return { started: true, executionArn: executionArn ?? executionArnOf(stateMachineArn, name) };
    } catch (error) {
      // Any other reuse of the name (a retried push with a new delivery id) is this error.
      if (isNamed(error, 'ExecutionAlreadyExists')) return { started: false, reason: 'exists' };
      throw error;
    }
  }

  /**
   * Stops the execution. StopExecution on an execution that has already ended succeeds and leaves
   * its status as it was, so only a missing execution needs handling.
   */
  async stopExecution(executionName: string, error: string, cause: string): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn: this.executionArn(executionName), error, cause }),
      );
    } catch (caught) {
      if (isNamed(caught, 'ExecutionDoesNotExist')) return;
      throw caught;
    }
  }

  /** Completes a waiting task (the approval step) with its output as JSON. */
  async sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskDelivery> {
    return delivery(() =>
      this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })),
    );
  }

  /** Fails a waiting task with an error name the state machine can catch. */
  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskDelivery> {
    return delivery(() => this.client.send(new SendTaskFailureCommand({ taskToken, error, cause })));
  }

  /** The execution's status, or undefined when no execution has that name. */
  async executionStatus(
    executionName: string,
    machine: MachineName = 'release',
  ): Promise<ExecutionStatus | undefined> {
    const arn = machine === 'pipeline' ? this.pipelineStateMachineArn : this.stateMachineArn;
    try {
      const { status } = await this.client.send(
        new DescribeExecutionCommand({ executionArn: executionArnOf(arn, executionName) }),
      );
      return status;
    } catch (error) {
      if (isNamed(error, 'ExecutionDoesNotExist')) return undefined;
      throw error;
    }
  }

  /** The execution's status, and the error and cause it ended with; undefined when no execution has that name. */
  async describeExecution(executionName: string): Promise<ExecutionDescription | undefined> {
    try {
      const { status, error, cause } = await this.client.send(
        new DescribeExecutionCommand({ executionArn: this.executionArn(executionName) }),
      );
      if (!status) return undefined;
      return { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
    } catch (caught) {
      if (isNamed(caught, 'ExecutionDoesNotExist')) return undefined;
      throw caught;
    }
  }

  /** `arn:aws:states:R:A:stateMachine:NAME` → `arn:aws:states:R:A:execution:NAME:EXECUTION`. */
  executionArn(executionName: string): string {
    return executionArnOf(this.stateMachineArn, executionName);
  }
}

/**
 * SendTaskSuccess / SendTaskFailure errors (Step Functions API reference): TaskTimedOut "the task
 * token has either expired or the task associated with the token has already been closed",
 * TaskDoesNotExist, InvalidToken. Only these close the token; anything else is thrown.
 */
const TOKEN_CLOSED = ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'];

async function delivery(send: () => Promise<unknown>): Promise<TaskDelivery> {
  try {
    await send();
    return 'delivered';
  } catch (error) {
    if (isNamed(error, ...TOKEN_CLOSED)) return 'closed';
    throw error;
  }
}

/** The ARN of a standard workflow's execution, derived from its state machine's ARN and its name. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const parts = stateMachineArn.split(':');
  if (parts.length !== 7 || parts[5] !== 'stateMachine') {
    throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  }
  parts[5] = 'execution';
  return `${parts.join(':')}:${executionName}`;
}

/** The Orchestrator port on AWS: the release state machine named by SLUICE_STATE_MACHINE_ARN. */
export const awsOrchestrator = (): Orchestrator =>
  once('orchestrator', () => {
    const env = readLambdaEnv();
    return new SfnOrchestrator(
      new SFNClient({}),
      env.SLUICE_STATE_MACHINE_ARN,
      env.SLUICE_PIPELINE_STATE_MACHINE_ARN,
    );
  });
