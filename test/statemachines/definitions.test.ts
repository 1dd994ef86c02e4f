import { checkDefinition, HANDLER_ERROR_NAMES, lintDefinition } from '../../cli/asl-check.js';
import * as errors from '../../functions/shared/domain/errors.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import {
  type AslMachine,
  functionPlaceholder,
  placeholders,
  RELEASE_TASK_FUNCTIONS,
  readDefinition,
  taskStates,
  walkStates,
} from '../../statemachines/definitions.js';
import { exampleConfig } from '../support/config.js';
import { fixture } from '../support/github.js';

const release = () => JSON.parse(readDefinition('release')) as AslMachine;
const lambdaErrors = ['Lambda.ServiceException', 'Lambda.TooManyRequestsException'];

/** release.asl.json with one state's field replaced. */
function releaseWith(state: string, field: string, value: unknown): string {
  const machine = release();
  machine.States[state]![field] = value;
  return JSON.stringify(machine);
}

const pipeline = () => JSON.parse(readDefinition('pipeline')) as AslMachine;

/** pipeline.asl.json with one state's field replaced (undefined removes it). */
function pipelineWith(state: string, field: string, value: unknown): string {
  const machine = pipeline();
  machine.States[state]![field] = value;
  return JSON.stringify(machine);
}

describe('pipeline.asl.json', () => {
  it('passes asl-validator, statelint and Sluice’s own rules', () => {
    expect(checkDefinition(readDefinition('pipeline'))).toEqual([]);
  });

  // The child's Input is spelled out field by field (so it can add the parent's id): a field the
  // plan adds to a release's input and the Input does not name would never reach the release.
  it('hands each child every field of the planned release input, and the parent’s execution id', () => {
    const plan = planRelease(exampleConfig(), fixture('push-release-branch'));
    if (plan.kind !== 'release') throw new Error(plan.reason);
    const planned = Object.keys(plan.pipeline.input.stages[0]!.input).sort();
    const input = taskStates(pipeline()).ReleaseEnvironment!.Parameters as { Input: Record<string, string> };

    expect(Object.keys(input.Input).sort()).toEqual(
      [...planned.map((key) => `${key}.$`), 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$'].sort(),
    );
    for (const key of planned) expect(input.Input[`${key}.$`]).toBe(`$.current.stage.input.${key}`);
  });
});

describe('release.asl.json', () => {
  it('invokes exactly the task functions that infra and the embedded engine wire', () => {
    expect(placeholders(readDefinition('release'))).toEqual(
      RELEASE_TASK_FUNCTIONS.map(functionPlaceholder).sort(),
    );
  });

  it('passes asl-validator, statelint and Sluice’s own rules', () => {
    expect(checkDefinition(readDefinition('release'))).toEqual([]);
  });

  it('retries ContentionError (a record’s conditional write lost to another writer) at every Task', () => {
    const without = Object.entries(taskStates(release()))
      .filter(([, state]) => {
        const names = ((state.Retry ?? []) as { ErrorEquals: string[] }[]).flatMap((r) => r.ErrorEquals);
        return !names.includes('ContentionError') && !names.includes('States.ALL');
      })
      .map(([name]) => name);
    expect(without).toEqual([]);
  });

  // After Complete (recorded succeeded, environment freed): an alarm or abort during the resize
  // finds no release holding the environment, so nothing rolls traffic back onto the shrunk service.
  it('scales the previous version down only where configured, after the release is recorded, and never fails the release for it', () => {
    const states = release().States;
    expect(states.CheckAlarmsAfterRelease!.Next).toBe('Complete');
    expect(states.Complete!.Next).toBe('ScaleDownConfigured');
    expect(states.ScaleDownConfigured).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          Variable: '$.environment.deploy.previousDesiredCount',
          IsPresent: true,
          Next: 'ScaleDownPrevious',
        },
      ],
      Default: 'Released',
    });
    const scaleDown = states.ScaleDownPrevious!;
    expect(scaleDown).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: '${ScaleDownFunctionArn}' },
      Next: 'Released',
    });
    expect(scaleDown.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.scaleDownError', Next: 'Released' },
    ]);
  });

  // Issue 20: the bake is a loop of Wait → AnalyzeCanary → Choice at the analysis interval when the
  // environment has `analysis`, one Wait otherwise; a regression goes to Rollback from the Task's Catch.
  it('judges the canary at each interval of a bake with analysis, rolls back on its error, and ends the loop at CheckAlarms', () => {
    const states = release().States;
    expect(states.ShiftTraffic!.Next).toBe('AnalysisConfigured');
    expect(states.AnalysisConfigured).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.environment.analysis', IsPresent: true, Next: 'StartAnalysis' }],
      Default: 'Bake',
    });
    expect(states.StartAnalysis!.Next).toBe('AnalysisWait');
    expect(states.AnalysisWait).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.current.analysis.waitSeconds',
      Next: 'AnalyzeCanary',
    });
    expect(states.AnalyzeCanary).toMatchObject({
      Parameters: { FunctionName: '${AnalyzeCanaryFunctionArn}' },
      ResultPath: '$.current.analysis',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rollback' }],
      Next: 'AnalysisVerdict',
    });
    expect(states.AnalysisVerdict).toMatchObject({
      Choices: [{ Variable: '$.current.analysis.verdict', StringEquals: 'continue', Next: 'AnalysisWait' }],
      Default: 'CheckAlarms',
    });
    expect(states.Bake!.Next).toBe('CheckAlarms');
  });

  it('checks the alarms before anything moves, retrying only the wait policy’s error, and rolls back (a no-op) otherwise', () => {
    const states = release().States;
    expect(states.BeginRelease!.Next).toBe('CheckAlarmsAtStart');
    const start = states.CheckAlarmsAtStart!;
    expect(start).toMatchObject({
      Parameters: { FunctionName: '${CheckAlarmsFunctionArn}', Payload: { phase: 'start' } },
      Next: 'VerifyBuild',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Rollback' }],
    });
    expect((start.Retry as { ErrorEquals: string[] }[]).map((r) => r.ErrorEquals)).toContainEqual([
      'AlarmsAtStartPendingError',
    ]);
  });

  it('retries lost races for the lock (ContentionError) within seconds, not at the queue policy’s 30 s', () => {
    const retriers = release().States.BeginRelease!.Retry as {
      ErrorEquals: string[];
      IntervalSeconds: number;
      MaxAttempts: number;
    }[];
    const contention = retriers.find((r) => r.ErrorEquals.includes('ContentionError'));
    expect(contention).toMatchObject({ IntervalSeconds: 1, JitterStrategy: 'FULL' });
    expect(contention!.MaxAttempts).toBeGreaterThanOrEqual(10);
    expect(Object.keys(errors)).toContain('ContentionError');
  });
});

describe('the ASL walker', () => {
  const machine: AslMachine = {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:a', End: true } } }],
        Next: 'Each',
      },
      Each: {
        Type: 'Map',
        ItemProcessor: { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'arn:b', End: true } } },
        End: true,
      },
    },
  };

  it('visits states inside Parallel branches and Map processors, with their paths', () => {
    expect(walkStates(machine).map((s) => s.path)).toEqual([
      'States.Fan',
      'States.Fan.Branches[0].States.A',
      'States.Each',
      'States.Each.ItemProcessor.States.B',
    ]);
    expect(Object.keys(taskStates(machine))).toEqual(['A', 'B']);
  });

  it('refuses a Task name used twice, since the embedded engine binds tasks by name', () => {
    const twice = structuredClone(machine);
    twice.States.Each!.ItemProcessor!.States = { A: { Type: 'Task', Resource: 'arn:c', End: true } };
    expect(() => taskStates(twice)).toThrow(/A is used twice/);
  });
});

describe('sluice validate’s rules for what Step Functions rejects at creation', () => {
  // "States.ALL must appear alone and at end of list" (CreateStateMachine; aws/aws-cdk#10530).
  it('rejects a Retry that lists States.ALL before another retrier', () => {
    const problems = lintDefinition(
      releaseWith('Promote', 'Retry', [
        { ErrorEquals: ['States.ALL'], MaxAttempts: 2 },
        { ErrorEquals: lambdaErrors, MaxAttempts: 3 },
      ]),
    );
    expect(problems).toContain(
      'States.Promote.Retry[0]: States.ALL must appear alone, in the last Retry entry',
    );
    // the independent linter finds it too
    expect(problems.some((p) => p.startsWith('statelint:') && p.includes('Promote.Retry[0]'))).toBe(true);
  });

  it('rejects States.ALL beside another name in a Catch', () => {
    const problems = lintDefinition(
      releaseWith('Deploy', 'Catch', [
        { ErrorEquals: ['States.ALL', 'DeployError'], ResultPath: '$.error', Next: 'Rollback' },
      ]),
    );
    expect(problems).toContain(
      'States.Deploy.Catch[0]: States.ALL must appear alone, in the last Catch entry',
    );
  });

  it('knows every named error by the name Step Functions sees (the instance’s name)', () => {
    const thrown = Object.values(errors)
      .filter((value) => typeof value === 'function' && value.prototype instanceof Error)
      .map((cls) => new (cls as new (alarms: string[]) => Error)([]).name);
    expect(thrown.length).toBeGreaterThan(10);
    expect([...HANDLER_ERROR_NAMES].sort()).toEqual(thrown.sort());
  });

  it('rejects an error name that no handler throws', () => {
    const problems = lintDefinition(
      releaseWith('ShiftTraffic', 'Retry', [{ ErrorEquals: ['TrafficShiftErorr'], MaxAttempts: 2 }]),
    );
    expect(problems).toContain(
      'States.ShiftTraffic.Retry[0]: no handler throws TrafficShiftErorr (nor is it a States.* or Lambda.* error)',
    );
  });

  it('rejects a Fail state with an unknown error name', () => {
    const problems = lintDefinition(releaseWith('RollbackFailed', 'Error', 'RollbackEror'));
    expect(problems).toContain(
      'States.RollbackFailed: Fail names RollbackEror, which is not a known Sluice error name',
    );
  });

  // Step Functions developer guide, "Start workflow executions from a task state": Retry on
  // StepFunctions.ExecutionLimitExceeded so the child is started; the service's and the client's
  // transient errors are StepFunctions.* Task errors too. States.TaskFailed is the child's own end.
  it('rejects a Task that starts a child execution without retrying Step Functions’ transient errors', () => {
    const problems = lintDefinition(pipelineWith('ReleaseEnvironment', 'Retry', undefined));
    expect(problems).toEqual([
      'States.ReleaseEnvironment: starts a child execution but does not retry StepFunctions.ExecutionLimitExceeded',
      'States.ReleaseEnvironment: starts a child execution but does not retry StepFunctions.SdkClientException',
      'States.ReleaseEnvironment: starts a child execution but does not retry StepFunctions.AWSStepFunctionsException',
    ]);
  });

  it('rejects a child start that retries the child’s own failure', () => {
    const machine = pipeline();
    const retry = machine.States.ReleaseEnvironment!.Retry!;
    retry.push({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 });
    expect(lintDefinition(JSON.stringify(machine))).toEqual([
      'States.ReleaseEnvironment: retries States.TaskFailed, which would start a failed child again',
    ]);
  });

  it('knows StepFunctions.* errors only where a Task calls Step Functions', () => {
    const problems = lintDefinition(
      pipelineWith('RecordStageStarted', 'Retry', [
        { ErrorEquals: ['StepFunctions.ExecutionLimitExceeded'] },
      ]),
    );
    expect(problems).toEqual([
      'States.RecordStageStarted.Retry[0]: no handler throws StepFunctions.ExecutionLimitExceeded (nor is it a States.* or Lambda.* error)',
    ]);
  });

  it('rejects what the embedded engine would silently ignore', () => {
    const problems = lintDefinition(releaseWith('Bake', 'Assign', { x: 1 }));
    expect(problems).toContain(
      'States.Bake: Assign is not allowed (the embedded engine cannot run it; JSONPath only)',
    );
  });
});
