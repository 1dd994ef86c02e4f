import './polyfills.js';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context } from 'aws-lambda';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import type { ExecutionStatus } from '../functions/shared/ports/orchestrator.js';
import { type AslMachine, type AslState, taskStates, walkStates } from '../statemachines/definitions.js';
import { TASK_TOKEN_PLACEHOLDER, TaskTokens } from './task-tokens.js';

/** One event of an execution's history, as the engine streams it. */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type JSONValue = Parameters<StateMachine['run']>[0];

/** A Lambda handler as the functions export it (middy-wrapped). */
export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

export interface ExecutionInfo {
  name: string;
  executionArn: string;
  status: ExecutionStatus;
  input: unknown;
  output?: unknown;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
}

/** EventBridge's "Step Functions Execution Status Change", which the release guard consumes. */
export interface ExecutionStatusChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'Step Functions Execution Status Change';
  source: 'aws.states';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionStatus;
    startDate: number;
    stopDate: number | null;
    input: string;
    output: string | null;
    error: string | null;
    cause: string | null;
  };
}

export class ExecutionAlreadyExistsError extends Error {
  override readonly name = 'ExecutionAlreadyExists';
}
export class ExecutionDoesNotExistError extends Error {
  override readonly name = 'ExecutionDoesNotExist';
}

/** What `arn:aws:states:::states:startExecution.sync:2` asks for: a child execution, awaited. */
export interface ChildExecutionRequest {
  StateMachineArn: string;
  Name: string;
  Input: unknown;
}

const named = (name: string, message: string) => Object.assign(new Error(message), { name });

export interface EngineOptions {
  stateMachineArn: string;
  /** The ASL definition after placeholder substitution. */
  definition: string;
  /** Handlers by function ARN, as the substituted definition names them. */
  functions: Record<string, LambdaHandler>;
  /** Multiplies Retry intervals (Waits are scaled in the input); 0 retries at once. @default 1 */
  timeScale?: number;
  /** Every state event of every execution, as it happens. */
  onEvent?: (execution: string, event: EventLog) => void;
  /** Once per execution, when it ends however it ends. */
  onStatusChange?: (event: ExecutionStatusChangeEvent) => void | Promise<void>;
  /** Runs a child execution to its end (the `.sync:2` integration); resolves with its description. */
  startChildExecution?: (request: ChildExecutionRequest) => Promise<ExecutionInfo>;
}

/** Retry intervals on the scaled clock, per state and retrier (backoff is not scaled, only the base). */
function retryIntervals(machine: AslMachine, timeScale: number): Record<string, number[]> {
  return Object.fromEntries(
    walkStates(machine)
      .filter(({ state }) => state.Retry)
      .map(({ name, state }) => [name, state.Retry!.map((r) => (r.IntervalSeconds ?? 1) * 1000 * timeScale)]),
  );
}

// Validation costs 130–400 ms (more under load; it compiles the ASL JSON schema): done once per
// definition, and every run of every engine in the process reuses the machine (a run's overrides
// and context are per run). A definition that passed is also remembered on disk by its digest
// (validationMark), so the next process (a test file, `sluice serve`) skips the compile.
const machines = new Map<string, StateMachine>();
function validated(text: string, definition: ConstructorParameters<typeof StateMachine>[0]): StateMachine {
  let machine = machines.get(text);
  if (!machine) {
    const mark = validationMark(text);
    const known = mark !== undefined && existsSync(mark);
    machine = new StateMachine(definition, {
      validationOptions: known ? { noValidate: true } : { checkArn: true, checkPaths: true },
    });
    if (mark !== undefined && !known) remember(mark);
    machines.set(text, machine);
  }
  return machine;
}

/**
 * The file that says a definition passed the engine's validator: in node_modules/.cache/sluice
 * (the usual home of a tool's cache, and gone with a fresh install), named by the digest of the
 * definition and of the engine's and its validator's package.json, so a new version of either
 * validates again. Undefined where the packages cannot be found: then it validates every time.
 */
export function validationMark(text: string): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const engineDir = dirname(dirname(require.resolve('aws-local-stepfunctions')));
    const nested = join(engineDir, 'node_modules', 'asl-validator', 'package.json');
    const digest = createHash('sha256')
      .update(readFileSync(join(engineDir, 'package.json')))
      .update(
        existsSync(nested)
          ? readFileSync(nested)
          : readFileSync(require.resolve('asl-validator/package.json')),
      )
      .update(text)
      .digest('hex');
    return join(dirname(engineDir), '.cache', 'sluice', 'asl-validated', digest);
  } catch {
    return undefined;
  }
}

function remember(mark: string): void {
  try {
    mkdirSync(dirname(mark), { recursive: true });
    writeFileSync(mark, '');
  } catch {
    // A read-only install: the next process validates again.
  }
}

import { lambdaContext } from './lambda-context.js';

export { lambdaContext };

/** Where the engine carries a TimeoutSecondsPath's value through Parameters (see `withTimeoutsInParameters`). */
const TIMEOUT_FIELD = '__sluiceTimeoutSeconds';

/**
 * Step Functions reads TimeoutSecondsPath from the state's input; aws-local-stepfunctions reads it
 * from the input after Parameters. The engine carries the value through Parameters under its own
 * field so both read the same number, and strips the field before the function sees it.
 */
function withTimeoutsInParameters(machine: AslMachine): AslMachine {
  for (const { state } of walkStates(machine)) {
    const path = state.TimeoutSecondsPath;
    const parameters = state.Parameters as Record<string, unknown> | undefined;
    if (state.Type !== 'Task' || !path || !parameters) continue;
    parameters[`${TIMEOUT_FIELD}.$`] = path;
    state.TimeoutSecondsPath = `$.${TIMEOUT_FIELD}`;
  }
  return machine;
}

/** Replaces the context's placeholder token wherever Parameters put it. */
function withToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => withToken(v, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withToken(v, token)]));
  }
  return value;
}

/** JSON round trip: what crosses a Lambda boundary on AWS is JSON, so it is here too. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value ?? null));

/**
 * Step Functions in-process: aws-local-stepfunctions runs the same ASL file that CDK deploys,
 * and each Task invokes the same handler module that Lambda would, with the same envelope.
 */
export class EmbeddedStepFunctions {
  private readonly machine: StateMachine;
  /** The tokens `.waitForTaskToken` Tasks wait on; the Orchestrator's SendTask* settle them. */
  readonly tokens = new TaskTokens();
  private readonly overrides: Record<string, (input: JSONValue) => Promise<JSONValue>>;
  private readonly retryIntervalOverrides: Record<string, number[]> | undefined;
  /** Executions whose end (and its status-change event) has not been handled yet. */
  private readonly unsettled = new Set<Promise<ExecutionInfo>>();
  private readonly executions = new Map<
    string,
    ExecutionInfo & { abort: () => void; done: Promise<ExecutionInfo> }
  >();

  constructor(private readonly options: EngineOptions) {
    const definition = withTimeoutsInParameters(JSON.parse(options.definition) as AslMachine);
    this.machine = validated(options.definition, definition as never);
    const timeScale = options.timeScale ?? 1;
    this.retryIntervalOverrides =
      timeScale === 1 ? undefined : retryIntervals(definition as AslMachine, timeScale);
    this.overrides = Object.fromEntries(
      Object.entries(taskStates(definition)).map(([name, state]) => [name, this.bindTask(name, state)]),
    );
  }

  private bindTask(
    stateName: string,
    state: AslState & { Resource: string },
  ): (input: JSONValue) => Promise<JSONValue> {
    const invoke = async (functionArn: string, payload: unknown): Promise<JSONValue> => {
      const handler = this.options.functions[functionArn];
      if (!handler) throw new Error(`state ${stateName}: no local handler for ${functionArn}`);
      return asJson(await handler(asJson(payload) as never, lambdaContext(functionArn)));
    };
    if (state.Resource === 'arn:aws:states:::lambda:invoke') {
      return async (input) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
        return { ExecutedVersion: '$LATEST', Payload: await invoke(FunctionName, Payload), StatusCode: 200 };
      };
    }
    if (state.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
      // The callback pattern: invoke with a fresh token, then wait for SendTaskSuccess/Failure on it.
      // The function's own result is ignored, as on AWS.
      return async (input) => {
        const {
          FunctionName,
          Payload,
          [TIMEOUT_FIELD]: timeoutSeconds,
        } = input as {
          FunctionName: string;
          Payload: unknown;
          [TIMEOUT_FIELD]?: number;
        };
        const execution = (Payload as { executionName?: string } | null)?.executionName ?? 'unknown';
        const token = this.tokens.issue();
        const settled = this.tokens.await(
          token,
          execution,
          typeof timeoutSeconds === 'number' ? timeoutSeconds * 1000 : undefined,
        );
        try {
          await invoke(FunctionName, withToken(Payload, token));
        } catch (error) {
          this.tokens.cancelExecution(execution, 'States.TaskFailed', 'the invocation failed');
          settled.catch(() => undefined);
          throw error;
        }
        return asJson(await settled);
      };
    }
    if (state.Resource === 'arn:aws:states:::states:startExecution.sync:2') {
      return (input) => this.runChild(stateName, input as unknown as ChildExecutionRequest);
    }
    if (state.Resource.startsWith('arn:aws:lambda:')) return (input) => invoke(state.Resource, input);
    throw new Error(`state ${stateName}: resource ${state.Resource} is not supported by the embedded engine`);
  }

  /** `startExecution.sync:2`: the child's description on success; States.TaskFailed otherwise, as on AWS. */
  private async runChild(stateName: string, request: ChildExecutionRequest): Promise<JSONValue> {
    const start = this.options.startChildExecution;
    if (!start) throw new Error(`state ${stateName}: the engine cannot start child executions`);
    const child = await start(request);
    const description = {
      ExecutionArn: child.executionArn,
      Name: child.name,
      StateMachineArn: request.StateMachineArn,
      Status: child.status,
      StartDate: Date.parse(child.startDate),
      StopDate: child.stopDate ? Date.parse(child.stopDate) : null,
      Input: child.input,
      Output: child.output ?? null,
      ...(child.error ? { Error: child.error } : {}),
      ...(child.cause ? { Cause: child.cause } : {}),
    };
    if (child.status !== 'SUCCEEDED') throw named('States.TaskFailed', JSON.stringify(description));
    return asJson(description);
  }

  private arnOf(name: string): string {
    return `${this.options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  /** Starts an execution; a name that was used before throws ExecutionAlreadyExists, as on AWS. */
  start(name: string, input: unknown): { executionArn: string } {
    if (this.executions.has(name))
      throw new ExecutionAlreadyExistsError(`Execution Already Exists: '${this.arnOf(name)}'`);
    const executionArn = this.arnOf(name);
    const startDate = new Date();
    const run = this.machine.run(asJson(input), {
      overrides: {
        taskResourceLocalHandlers: this.overrides,
        ...(this.retryIntervalOverrides ? { retryIntervalOverrides: this.retryIntervalOverrides } : {}),
      },
      context: {
        Execution: { Id: executionArn, Name: name, Input: asJson(input), StartTime: startDate.toISOString() },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    const info: ExecutionInfo = {
      name,
      executionArn,
      status: 'RUNNING',
      input: asJson(input),
      startDate: startDate.toISOString(),
    };
    const done = this.settle(info, run.result);
    this.unsettled.add(done);
    void done.finally(() => this.unsettled.delete(done));
    this.executions.set(name, Object.assign(info, { abort: run.abort, done }));
    void this.stream(name, run.eventLogs);
    return { executionArn };
  }

  private async stream(name: string, events: AsyncGenerator<EventLog>): Promise<void> {
    try {
      for await (const event of events) this.options.onEvent?.(name, event);
    } catch {
      // the stream ends with the execution; its outcome is read from the result
    }
  }

  private async settle(info: ExecutionInfo, result: Promise<unknown>): Promise<ExecutionInfo> {
    try {
      info.output = await result;
      if (info.status === 'RUNNING') info.status = 'SUCCEEDED';
    } catch (error) {
      if (info.status === 'RUNNING') {
        if (error instanceof ExecutionAbortedError) info.status = 'ABORTED';
        else if (error instanceof ExecutionTimeoutError) {
          info.status = 'TIMED_OUT';
          info.error = 'States.Timeout';
        } else {
          const caught = error instanceof ExecutionError ? (error.cause as Error) : (error as Error);
          info.status = 'FAILED';
          info.error = caught?.name ?? 'States.Runtime';
          info.cause = caught?.message ?? String(error);
        }
      }
    }
    info.stopDate ??= new Date().toISOString();
    await this.options.onStatusChange?.(this.statusEvent(info));
    return info;
  }

  private statusEvent(info: ExecutionInfo): ExecutionStatusChangeEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: this.options.stateMachineArn.split(':')[4] ?? '000000000000',
      time: new Date().toISOString(),
      region: this.options.stateMachineArn.split(':')[3] ?? 'us-east-1',
      resources: [info.executionArn],
      detail: {
        executionArn: info.executionArn,
        stateMachineArn: this.options.stateMachineArn,
        name: info.name,
        status: info.status,
        startDate: Date.parse(info.startDate),
        stopDate: info.stopDate ? Date.parse(info.stopDate) : null,
        input: JSON.stringify(info.input),
        output: info.output === undefined ? null : JSON.stringify(info.output),
        error: info.error ?? null,
        cause: info.cause ?? null,
      },
    };
  }

  /** Stops a running execution with an error and cause; stopping an ended one does nothing. */
  stop(name: string, error: string, cause: string): void {
    const execution = this.executions.get(name);
    if (!execution) throw new ExecutionDoesNotExistError(`Execution Does Not Exist: '${this.arnOf(name)}'`);
    if (execution.status !== 'RUNNING') return;
    Object.assign(execution, { status: 'ABORTED', error, cause, stopDate: new Date().toISOString() });
    execution.abort();
    this.tokens.cancelExecution(name, error, cause);
  }

  describe(name: string): ExecutionInfo | undefined {
    const execution = this.executions.get(name);
    if (!execution) return undefined;
    const { abort: _abort, done: _done, ...info } = execution;
    return { ...info };
  }

  list(): ExecutionInfo[] {
    return [...this.executions.keys()].map((name) => this.describe(name)!);
  }

  /** Resolves when the execution has ended and its status-change event was handled. */
  async wait(name: string): Promise<ExecutionInfo> {
    const execution = this.executions.get(name);
    if (!execution) throw new ExecutionDoesNotExistError(name);
    await execution.done;
    return this.describe(name)!;
  }

  /** Waits for every execution to end (used on shutdown). */
  async drain(): Promise<void> {
    await Promise.all(this.unsettled);
  }
}
