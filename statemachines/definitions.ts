import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What infra, the embedded engine and `sluice validate` know about the ASL files beside this
 * module: which functions each definition invokes, how placeholders are filled, and one walker
 * over every state (including those inside Map and Parallel).
 */

export const STATEMACHINES_DIR = dirname(fileURLToPath(import.meta.url));

/** The functions release.asl.json invokes, by the name its `${<Name>FunctionArn}` placeholders use. */
export const RELEASE_TASK_FUNCTIONS = [
  'BeginRelease',
  'VerifyBuild',
  'Deploy',
  'ShiftTraffic',
  'CheckAlarms',
  'AnalyzeCanary',
  'RecordRelease',
  'Rollback',
  'RequestApproval',
  'ScaleDown',
] as const;
export type ReleaseTaskFunction = (typeof RELEASE_TASK_FUNCTIONS)[number];

/** The functions pipeline.asl.json invokes (its child executions run release.asl.json). */
export const PIPELINE_TASK_FUNCTIONS = ['RecordPipeline', 'AwaitWindow', 'CheckAlarms'] as const;
export type PipelineTaskFunction = (typeof PIPELINE_TASK_FUNCTIONS)[number];

/** ONE list per definition: infra, the embedded engine and `sluice validate` all read this. */
export const DEFINITION_TASK_FUNCTIONS = {
  release: RELEASE_TASK_FUNCTIONS,
  pipeline: PIPELINE_TASK_FUNCTIONS,
} as const;
export type DefinitionName = keyof typeof DEFINITION_TASK_FUNCTIONS;

/** Every task function of every definition, once. */
export const TASK_FUNCTIONS = [...new Set(Object.values(DEFINITION_TASK_FUNCTIONS).flat())] as (
  | ReleaseTaskFunction
  | PipelineTaskFunction
)[];
export type TaskFunction = ReleaseTaskFunction | PipelineTaskFunction;

/** Placeholders that stand for a state machine's ARN (`${ReleaseStateMachineArn}`), by the definition they name. */
export const STATE_MACHINE_PLACEHOLDERS: Record<string, DefinitionName> = {
  ReleaseStateMachineArn: 'release',
};

/** The placeholder that stands for a task function's ARN. */
export const functionPlaceholder = (fn: string): string => `${fn}FunctionArn`;

/** The names of the definitions in statemachines/ (`release` for release.asl.json). */
export function definitionNames(dir = STATEMACHINES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => f.replace(/\.asl\.json$/, ''))
    .sort();
}

export const definitionFile = (name: string, dir = STATEMACHINES_DIR): string =>
  join(dir, `${name}.asl.json`);

export function readDefinition(name: string, dir = STATEMACHINES_DIR): string {
  return readFileSync(definitionFile(name, dir), 'utf8');
}

/** Every `${Name}` placeholder in a definition, sorted. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]!))].sort();
}

/** Replaces `${Name}` placeholders as CDK's definitionSubstitutions does; a missing one is an error. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no substitution for \${${name}}`);
    return value;
  });
}

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
}

/** A state as far as Sluice's tools read it; everything else passes through untyped. */
export interface AslState {
  Type: string;
  Resource?: string;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Error?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [field: string]: unknown;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

/** A state with where it sits: `States.Name`, or `States.Map.ItemProcessor.States.Name`. */
export interface VisitedState {
  name: string;
  path: string;
  state: AslState;
}

/** Every state of a machine, depth first, including those inside Map and Parallel states. */
export function walkStates(machine: AslMachine, prefix = ''): VisitedState[] {
  return Object.entries(machine.States ?? {}).flatMap(([name, state]) => {
    const path = `${prefix}States.${name}`;
    const inner = state.ItemProcessor ?? state.Iterator;
    return [
      { name, path, state },
      ...(inner ? walkStates(inner, `${path}.${state.ItemProcessor ? 'ItemProcessor' : 'Iterator'}.`) : []),
      ...(state.Branches ?? []).flatMap((branch, i) => walkStates(branch, `${path}.Branches[${i}].`)),
    ];
  });
}

/** The Task states by name; a name used twice is an error, since the embedded engine binds by name. */
export function taskStates(machine: AslMachine): Record<string, AslState & { Resource: string }> {
  const found: Record<string, AslState & { Resource: string }> = {};
  for (const { name, state } of walkStates(machine)) {
    if (state.Type !== 'Task') continue;
    if (found[name])
      throw new Error(`Task state name ${name} is used twice; the embedded engine binds by name`);
    found[name] = state as AslState & { Resource: string };
  }
  return found;
}

/** A Task with this Resource prefix starts a child execution (startExecution, .sync, .sync:2, .waitForTaskToken). */
export const CHILD_EXECUTION_RESOURCE = 'arn:aws:states:::states:startExecution';

/**
 * The Step Functions errors a Task that starts a child execution retries: the quota that
 * "Start workflow executions from a task state" tells to retry (StepFunctions.ExecutionLimitExceeded),
 * and the service's own and the client's transient failures. Never States.TaskFailed, which is
 * the child's own ending, nor States.ALL, which includes it.
 */
export const STEP_FUNCTIONS_TRANSIENT_ERRORS = [
  'StepFunctions.ExecutionLimitExceeded',
  'StepFunctions.SdkClientException',
  'StepFunctions.AWSStepFunctionsException',
] as const;

/** What is wrong with a child-execution Task's retriers: transient errors it does not retry, or a child's failure it does. */
export function childExecutionRetryProblems(state: AslState): string[] {
  if (state.Type !== 'Task' || !state.Resource?.startsWith(CHILD_EXECUTION_RESOURCE)) return [];
  const retried = new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));
  return [
    ...STEP_FUNCTIONS_TRANSIENT_ERRORS.filter((name) => !retried.has(name)).map(
      (name) => `starts a child execution but does not retry ${name}`,
    ),
    ...['States.ALL', 'States.TaskFailed']
      .filter((name) => retried.has(name))
      .map((name) => `retries ${name}, which would start a failed child again`),
  ];
}

/** The default Retry fields (Amazon States Language: IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0). */
function retrierWaits(r: Retrier): number[] {
  const interval = r.IntervalSeconds ?? 1;
  const backoff = r.BackoffRate ?? 2;
  return Array.from({ length: r.MaxAttempts ?? 3 }, (_, k) =>
    Math.min(interval * backoff ** k, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
  );
}

/**
 * The longest a Task with a fixed TimeoutSeconds can take, retries included: every attempt runs
 * to its timeout, and each retrier waits its full (unjittered) interval; FULL jitter only shortens it.
 */
export function taskWorstCaseSeconds(state: AslState): number {
  if (state.TimeoutSeconds === undefined) throw new Error('the Task has no fixed TimeoutSeconds');
  const waits = (state.Retry ?? []).flatMap(retrierWaits);
  return state.TimeoutSeconds * (1 + waits.length) + waits.reduce((a, b) => a + b, 0);
}

/** Only the retry waits of a Task: for one whose attempts fail at once (a start refused) but whose success runs long. */
export function taskRetryWaitSeconds(state: AslState): number {
  return (state.Retry ?? []).flatMap(retrierWaits).reduce((a, b) => a + b, 0);
}
