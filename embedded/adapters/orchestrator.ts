import type { PipelineInput, ReleaseInput } from '../../functions/shared/domain/release.js';
import type {
  ExecutionDescription,
  ExecutionStatus,
  MachineName,
  Orchestrator,
  StartResult,
  TaskDelivery,
} from '../../functions/shared/ports/orchestrator.js';
import {
  type EmbeddedStepFunctions,
  ExecutionAlreadyExistsError,
  ExecutionDoesNotExistError,
} from '../engine.js';
import type { TaskTokens } from '../task-tokens.js';

/** A duration on the embedded runtime's clock: whole seconds (as Wait states need), at least 1. */
export function scaleSeconds(seconds: number, timeScale: number): number {
  // A time scale of 0 is the fault-injection suite's instant clock: every wait is skipped.
  if (seconds <= 0 || timeScale === 0) return 0;
  return Math.max(1, Math.round(seconds * timeScale));
}

/**
 * The embedded clock runs faster: bakes, the watch window and bake extensions are scaled in the
 * execution's input, so the same Wait states wait less. Nothing else in the input changes.
 */
export function scaleReleaseInput(input: ReleaseInput, timeScale: number): ReleaseInput {
  if (timeScale === 1) return input;
  return {
    ...input,
    steps: input.steps.map((step) => ({ ...step, bakeSeconds: scaleSeconds(step.bakeSeconds, timeScale) })),
    environment: {
      ...input.environment,
      watchSeconds: scaleSeconds(input.environment.watchSeconds, timeScale),
      checks: {
        ...input.environment.checks,
        buildTimeoutSeconds: scaleSeconds(input.environment.checks.buildTimeoutSeconds, timeScale),
      },
      ...(input.environment.analysis
        ? {
            analysis: {
              ...input.environment.analysis,
              intervalSeconds: Math.max(
                1,
                scaleSeconds(input.environment.analysis.intervalSeconds, timeScale),
              ),
            },
          }
        : {}),
      insufficientData: {
        ...input.environment.insufficientData,
        maxExtensionSeconds: scaleSeconds(input.environment.insufficientData.maxExtensionSeconds, timeScale),
      },
      // The instant clock skips waits, not people: an approval keeps its full timeout there.
      // Otherwise it is scaled like a bake, and a Task timeout is at least 1 s.
      ...(input.environment.approval.type === 'slack' && timeScale > 0
        ? {
            approval: {
              ...input.environment.approval,
              timeoutSeconds: Math.max(1, scaleSeconds(input.environment.approval.timeoutSeconds, timeScale)),
            },
          }
        : {}),
    },
  };
}

/** A pipeline's input on the scaled clock: each environment's release input, and the soaks. */
export function scalePipelineInput(input: PipelineInput, timeScale: number): PipelineInput {
  if (timeScale === 1) return input;
  return {
    ...input,
    stages: input.stages.map((stage) => ({
      ...stage,
      soakSeconds: scaleSeconds(stage.soakSeconds, timeScale),
      input: scaleReleaseInput(stage.input, timeScale),
    })),
  };
}

/** The Orchestrator port over the embedded Step Functions engines (the release and the pipeline). */
export class LocalOrchestrator implements Orchestrator {
  constructor(
    private readonly engine: EmbeddedStepFunctions,
    private readonly timeScale: number,
    private readonly tokens: TaskTokens = engine.tokens,
    private readonly pipelines?: EmbeddedStepFunctions,
  ) {}

  async startRelease(input: ReleaseInput): Promise<StartResult> {
    return this.start(this.engine, input.executionName, scaleReleaseInput(input, this.timeScale));
  }

  async startPipeline(input: PipelineInput): Promise<StartResult> {
    if (!this.pipelines) throw new Error('the embedded runtime has no pipeline engine');
    return this.start(
      this.pipelines,
      input.pipeline.executionName,
      scalePipelineInput(input, this.timeScale),
    );
  }

  private start(engine: EmbeddedStepFunctions, name: string, input: unknown): StartResult {
    try {
      const { executionArn } = engine.start(name, input);
      return { started: true, executionArn };
    } catch (error) {
      if (error instanceof ExecutionAlreadyExistsError) return { started: false, reason: 'exists' };
      throw error;
    }
  }

  async stopExecution(executionName: string, error: string, cause: string): Promise<void> {
    try {
      this.engine.stop(executionName, error, cause);
    } catch (e) {
      if (!(e instanceof ExecutionDoesNotExistError)) throw e;
    }
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskDelivery> {
    return this.tokens.settle(taskToken, { output });
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskDelivery> {
    return this.tokens.settle(taskToken, { error, cause });
  }

  async executionStatus(
    executionName: string,
    machine: MachineName = 'release',
  ): Promise<ExecutionStatus | undefined> {
    return (machine === 'pipeline' ? this.pipelines : this.engine)?.describe(executionName)?.status;
  }

  async describeExecution(executionName: string): Promise<ExecutionDescription | undefined> {
    const execution = this.engine.describe(executionName);
    if (!execution) return undefined;
    const { status, error, cause } = execution;
    return { status, ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
  }
}
