import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../../embedded/config.js';
import { environmentWorstCase } from '../../functions/shared/domain/config.js';
import { totalSeconds } from '../../functions/shared/domain/limits.js';
import { environmentInput } from '../../functions/shared/domain/plan.js';
import { routesOf } from '../../functions/shared/domain/routes.js';
import { addSluice } from '../../infra/sluice-app.js';
import {
  type AslMachine,
  type AslState,
  CHILD_EXECUTION_RESOURCE,
  childExecutionRetryProblems,
  taskRetryWaitSeconds,
  taskWorstCaseSeconds,
  walkStates,
} from '../../statemachines/definitions.js';

/**
 * Rules AWS documents, checked on the synthesized template rather than on the code that builds
 * it, so a change anywhere (ASL, construct, config) that breaks one fails here.
 */

const root = new URL('../..', import.meta.url).pathname;
const config = loadConfig(join(root, 'sluice.config.yaml'));

// One synth for the whole file; bundling skipped (the assets are not what these tests check).
const app = new App({
  outdir: mkdtempSync(join(tmpdir(), 'sluice-cdk-')),
  context: { 'aws:cdk:bundling-stacks': [] },
});
const stack = addSluice(app, { config, nag: false });
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON.
type Resource = { Type: string; Properties?: any; DeletionPolicy?: string };
const resources = app.synth().getStackByName(stack.stackName).template.Resources as Record<string, Resource>;

interface Machine {
  id: string;
  name: string;
  definition: AslMachine;
  substitutions: Record<string, unknown>;
  logging: { Level?: string; IncludeExecutionData?: boolean };
  text: string;
}
const machines: Machine[] = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
  .map(([id, r]) => ({
    id,
    name: r.Properties.StateMachineName as string,
    text: r.Properties.DefinitionString as string,
    definition: JSON.parse(r.Properties.DefinitionString as string) as AslMachine,
    substitutions: r.Properties.DefinitionSubstitutions ?? {},
    logging: r.Properties.LoggingConfiguration ?? {},
  }));
const machineNamed = (suffix: string) => machines.find((m) => m.name.endsWith(suffix))!;
const release = machineNamed('-release');
const pipeline = machineNamed('-pipeline');
const tasks = (m: Machine) => walkStates(m.definition).filter(({ state }) => state.Type === 'Task');

/** The Lambda resource a Task invokes, through its `${XFunctionArn}` placeholder and the machine's substitutions. */
function invokedFunction(m: Machine, state: AslState): Resource | undefined {
  const parameters = state.Parameters as { FunctionName?: string } | undefined;
  const placeholder = /^\$\{([A-Za-z0-9_]+)\}$/.exec(parameters?.FunctionName ?? '')?.[1];
  if (!placeholder) return undefined;
  const arn = m.substitutions[placeholder] as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const logicalId = arn?.['Fn::GetAtt']?.[0];
  return logicalId ? resources[logicalId] : undefined;
}

/** `$.a.b.c` read from a value; what TimeoutSecondsPath reads from a release's input. */
const readPath = (value: unknown, path: string): unknown =>
  path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)
    .reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value);

/** Each environment's release input as the pipeline hands it to the child, one per route that enters it. */
const releaseInputs = routesOf(config).flatMap((route) =>
  route.environments.map((name) => ({
    route,
    env: config.environments.find((e) => e.name === name)!,
    input: { environment: environmentInput(config, config.environments.find((e) => e.name === name)!) },
  })),
);

describe('Template invariants: timeouts nest', () => {
  // Lambda stops an invocation at its Timeout; a Task's TimeoutSeconds raises States.Timeout on
  // its own (Step Functions, "Task" state). The function must end first, or its own error (and
  // a retry's chance) is lost behind States.Timeout.
  it('gives every Lambda a Timeout shorter than the TimeoutSeconds of each Task that invokes it', () => {
    const checked: string[] = [];
    const wrong: string[] = [];
    for (const m of machines) {
      for (const { name, state } of tasks(m)) {
        const fn = invokedFunction(m, state);
        if (!state.Resource?.startsWith('arn:aws:states:::lambda:invoke')) continue;
        expect(fn?.Type).toBe('AWS::Lambda::Function');
        const lambdaTimeout = (fn!.Properties.Timeout as number | undefined) ?? 3;
        // TimeoutSecondsPath: the smallest value any environment's release input gives it.
        const taskTimeouts =
          state.TimeoutSeconds !== undefined
            ? [state.TimeoutSeconds]
            : releaseInputs
                .map(({ input }) => readPath(input, state.TimeoutSecondsPath!))
                .filter((v): v is number => typeof v === 'number');
        for (const taskTimeout of taskTimeouts) {
          checked.push(`${m.name}.${name}`);
          if (lambdaTimeout >= taskTimeout)
            wrong.push(
              `${m.name}.${name}: Lambda Timeout ${lambdaTimeout} s >= Task TimeoutSeconds ${taskTimeout}`,
            );
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(new Set(checked).size).toBeGreaterThanOrEqual(10);
  });

  it('waits for each child execution longer than the child may run, and no longer than the pipeline', () => {
    const children = tasks(pipeline).filter(({ state }) =>
      state.Resource?.startsWith(CHILD_EXECUTION_RESOURCE),
    );
    expect(children.map((c) => c.name)).toEqual(['ReleaseEnvironment']);
    const parentTask = children[0]!.state.TimeoutSeconds!;
    expect(release.definition.TimeoutSeconds).toBeLessThan(parentTask);
    expect(parentTask).toBeLessThanOrEqual(pipeline.definition.TimeoutSeconds as number);
  });

  it('fits each environment’s worst case, computed from the config, in the pipeline’s wait for it', () => {
    const parentTask = tasks(pipeline).find((t) => t.name === 'ReleaseEnvironment')!.state.TimeoutSeconds!;
    const tooLong = releaseInputs
      .map(({ route, env }) => ({
        where: `${env.name} on ${route.name}`,
        seconds: totalSeconds(environmentWorstCase(env, route.buildTimeoutSeconds)!),
      }))
      .filter(({ seconds }) => seconds > parentTask)
      .map(({ where, seconds }) => `${where}: ${seconds} s > ReleaseEnvironment's ${parentTask} s`);
    expect(tooLong).toEqual([]);
  });

  it('fits each route’s walk (every environment’s worst case, its soak, the pipeline’s own Tasks) in the pipeline’s TimeoutSeconds', () => {
    const own = tasks(pipeline);
    const once = ['BeginPipeline', 'PipelineSucceeded', 'PipelineFailed'];
    const fixed = own
      .filter(({ name }) => once.includes(name))
      .reduce((sum, { state }) => sum + taskWorstCaseSeconds(state), 0);
    // A child start that fails fails at once; the child's own run is its worst case below.
    const perStage = own
      .filter(({ name }) => !once.includes(name))
      .reduce(
        (sum, { state }) =>
          sum +
          (state.Resource?.startsWith(CHILD_EXECUTION_RESOURCE)
            ? taskRetryWaitSeconds(state)
            : taskWorstCaseSeconds(state)),
        0,
      );
    const walks = routesOf(config).map((route) => {
      const seconds = route.environments.reduce((sum, name, i) => {
        const env = config.environments.find((e) => e.name === name)!;
        const soak = i === route.environments.length - 1 ? 0 : env.soak;
        return sum + totalSeconds(environmentWorstCase(env, route.buildTimeoutSeconds)!) + soak + perStage;
      }, fixed);
      return { route: route.name, seconds };
    });
    const limit = pipeline.definition.TimeoutSeconds as number;
    expect(walks.length).toBeGreaterThan(0);
    expect(
      walks.filter((w) => w.seconds > limit).map((w) => `${w.route}: ${w.seconds} s > ${limit} s`),
    ).toEqual([]);
  });
});

// CloudFormation DeletionPolicy: Retain and RetainExceptOnCreate keep the resource when the stack
// is deleted ("behaves like Retain for stack operations, except for the stack operation that
// initially created the resource"); Snapshot keeps its data. A retained resource with a fixed
// physical name then fails the next create of the same stack with "already exists" (the name
// is taken), until someone deletes it by hand. A name built from AWS::StackId is new per stack.
const RETAINED = ['Retain', 'RetainExceptOnCreate', 'Snapshot'];
const isPhysicalName = (key: string) => /^[A-Za-z]*Name$/.test(key);
const namedPerStack = (value: unknown) => JSON.stringify(value).includes('"AWS::StackId"');

describe('Template invariants: what `cdk destroy` leaves behind', () => {
  it('retains no resource under a fixed physical name (it would block re-creating the stack)', () => {
    const retained = Object.entries(resources).filter(([, r]) => RETAINED.includes(r.DeletionPolicy ?? ''));
    const blocking = retained.flatMap(([id, r]) =>
      Object.entries(r.Properties ?? {})
        .filter(([key, value]) => isPhysicalName(key) && !namedPerStack(value))
        .map(([key, value]) => `${id} (${r.Type}, ${r.DeletionPolicy}): ${key} ${JSON.stringify(value)}`),
    );
    expect(blocking).toEqual([]);
    // The state machines' log groups are retained: the rule has something to hold.
    expect(retained.filter(([, r]) => r.Type === 'AWS::Logs::LogGroup').length).toBeGreaterThanOrEqual(2);
  });
});

describe('Template invariants: child executions', () => {
  // Step Functions developer guide, "Start workflow executions from a task state": use Retry on
  // StepFunctions.ExecutionLimitExceeded so that the execution is started; the service's and the
  // client's transient errors surface as StepFunctions.* Task errors too. States.TaskFailed is the
  // child's own failure and is not retried.
  it('retries Step Functions’ transient errors, and not the child’s failure, at every Task that starts a child', () => {
    const starts = machines.flatMap((m) =>
      tasks(m)
        .filter(({ state }) => state.Resource?.startsWith(CHILD_EXECUTION_RESOURCE))
        .map(({ name, state }) => ({
          where: `${m.name}.${name}`,
          problems: childExecutionRetryProblems(state),
        })),
    );
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.filter((s) => s.problems.length > 0)).toEqual([]);
  });

  // Step Functions developer guide, "Start workflow executions from a task state": pass
  // "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id" in the Input to associate the
  // child with the execution that started it.
  it('names the parent execution in every child’s input', () => {
    for (const m of machines)
      for (const { state } of tasks(m).filter((t) =>
        t.state.Resource?.startsWith(CHILD_EXECUTION_RESOURCE),
      )) {
        const input = (state.Parameters as { Input?: Record<string, unknown> }).Input;
        expect(input?.['AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$']).toBe('$$.Execution.Id');
      }
  });
});

describe('Template invariants: task tokens', () => {
  // CloudFormation LoggingConfiguration, IncludeExecutionData: "When set to false, data is
  // excluded"; at level ALL with data, every TaskScheduled event logs the Task's parameters, which
  // carry $$.Task.Token where a Task waits for a callback.
  it('logs no execution data for a state machine that hands out task tokens', () => {
    const withTokens = machines.filter((m) => m.text.includes('$$.Task.Token'));
    expect(withTokens.map((m) => m.name)).toContain(release.name);
    for (const m of withTokens)
      expect({ machine: m.name, ...m.logging }).toMatchObject({ IncludeExecutionData: false });
  });
});
