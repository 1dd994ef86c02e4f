import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { LambdaEnvInput } from '../../functions/shared/aws/env.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { DEPLOY_FUNCTION_TIMEOUT_SECONDS } from '../../functions/shared/domain/limits.js';
import {
  DEFINITION_TASK_FUNCTIONS,
  type DefinitionName,
  functionPlaceholder,
  TASK_FUNCTIONS,
  type TaskFunction,
} from '../../statemachines/definitions.js';
import { SluiceFunction } from './sluice-function.js';

/** The state machines' Task functions, by the name the ASL placeholder uses (`${<Name>FunctionArn}`). */
export type TaskName = TaskFunction;

interface TaskSpec {
  dir: string;
  description: string;
  /** Below the Task's TimeoutSeconds in the ASL, so Lambda's own timeout is the one reported. */
  timeout: Duration;
  memorySize?: number;
}

export const TASKS: Record<TaskName, TaskSpec> = {
  BeginRelease: {
    dir: 'begin-release',
    description: 'Sluice: take the environment lock and read the live target group',
    timeout: Duration.seconds(50),
  },
  VerifyBuild: {
    dir: 'verify-build',
    description: "Sluice: check the commit's required GitHub check runs",
    timeout: Duration.seconds(30),
  },
  Deploy: {
    dir: 'deploy',
    description: 'Sluice: put the version on the idle target group and wait until it serves',
    // The ASL gives Deploy 900 s; ECS steady state takes minutes.
    timeout: Duration.seconds(DEPLOY_FUNCTION_TIMEOUT_SECONDS),
  },
  ShiftTraffic: {
    dir: 'shift-traffic',
    description: 'Sluice: one canary step, weights written and read back',
    timeout: Duration.seconds(90),
  },
  CheckAlarms: {
    dir: 'check-alarms',
    description: "Sluice: judge the environment's alarms after a bake",
    timeout: Duration.seconds(30),
  },
  AnalyzeCanary: {
    dir: 'analyze-canary',
    description: 'Sluice: judge the canary target group against the live one on their metrics',
    timeout: Duration.seconds(30),
  },
  RecordRelease: {
    dir: 'record-release',
    description: 'Sluice: record promotion, success, or a release that did not start',
    timeout: Duration.seconds(30),
  },
  Rollback: {
    dir: 'rollback',
    description: 'Sluice: restore the live target group to 100% and release the lock',
    timeout: Duration.seconds(90),
  },
  RequestApproval: {
    dir: 'request-approval',
    description: 'Sluice: keep the approval task token server-side and record the request',
    timeout: Duration.seconds(30),
  },
  AwaitWindow: {
    dir: 'await-window',
    description: "Sluice: before an environment, wait for its deploy window and freezes' end",
    timeout: Duration.seconds(20),
  },
  ScaleDown: {
    dir: 'scale-down',
    description: "Sluice: resize the previous version's ECS service once the release stands",
    timeout: Duration.seconds(30),
  },
  RecordPipeline: {
    dir: 'record-pipeline',
    description: 'Sluice: record a pipeline and post its plan as a GitHub check run',
    timeout: Duration.seconds(30),
  },
};

export const TASK_NAMES: readonly TaskName[] = TASK_FUNCTIONS;

export interface TaskFunctionsProps {
  /** Resolves a function directory (e.g. `deploy`) to its handler entry file. */
  readonly entryFor: (dir: string) => string;
  readonly environment: LambdaEnvInput;
  /** Bundled into each function as its config file. */
  readonly config: SluiceConfig;
}

/** The Lambdas the release and pipeline state machines invoke. */
export class TaskFunctions extends Construct {
  readonly functions: Record<TaskName, SluiceFunction>;

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    this.functions = Object.fromEntries(
      TASK_NAMES.map((name) => {
        const spec = TASKS[name];
        return [
          name,
          new SluiceFunction(this, name, {
            entry: props.entryFor(spec.dir),
            environment: props.environment,
            config: props.config,
            description: spec.description,
            timeout: spec.timeout,
            ...(spec.memorySize ? { memorySize: spec.memorySize } : {}),
          }),
        ];
      }),
    ) as Record<TaskName, SluiceFunction>;
  }

  /** A definition's substitutions: `${BeginReleaseFunctionArn}` → the BeginRelease function, and so on. */
  placeholderFunctions(definition: DefinitionName = 'release') {
    const names: readonly TaskName[] = DEFINITION_TASK_FUNCTIONS[definition];
    return Object.fromEntries(
      names.map((name) => [functionPlaceholder(name), this.functions[name].function]),
    );
  }
}
