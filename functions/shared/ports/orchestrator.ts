import type { PipelineInput, ReleaseInput } from '../domain/release.js';

export type StartResult = { started: true; executionArn: string } | { started: false; reason: 'exists' };

/** The two state machines: one environment's release, and the pipeline that runs a route's releases in turn. */
export type MachineName = 'release' | 'pipeline';

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/** What DescribeExecution tells of an execution: its status and, where it failed, why. */
export interface ExecutionDescription {
  status: ExecutionStatus;
  error?: string;
  cause?: string;
}

/**
 * What SendTaskSuccess / SendTaskFailure did: the waiting task took it, or its token is closed
 * (the task timed out, was settled already, or its execution ended). Any other failure
 * (throttling, network) is thrown: it says nothing about the task, so it is never "closed".
 */
export type TaskDelivery = 'delivered' | 'closed';

/** Starts and steers release executions (Step Functions on AWS, the embedded engine locally). */
export interface Orchestrator {
  /** Starts one environment's release; an execution of the same name is a no-op ("exists"). */
  startRelease(input: ReleaseInput): Promise<StartResult>;
  /** Starts a push's pipeline; an execution of the same name is a no-op ("exists"). */
  startPipeline(input: PipelineInput): Promise<StartResult>;
  /** Stops a running execution; stopping one that has ended is not an error. */
  stopExecution(executionName: string, error: string, cause: string): Promise<void>;
  /** Completes a waiting task with its output. */
  sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskDelivery>;
  /** Fails a waiting task with an error name the state machine can catch. */
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskDelivery>;
  /** The status of an execution by name, or undefined if there is none. */
  executionStatus(executionName: string, machine?: MachineName): Promise<ExecutionStatus | undefined>;
  /** The execution's status, error and cause by name, or undefined if there is none. */
  describeExecution(executionName: string): Promise<ExecutionDescription | undefined>;
}
