import { readFileSync } from 'node:fs';
import { parseConfigFile } from '../../embedded/config.js';
import { ConfigError } from '../../functions/shared/domain/config.js';
import {
  ALARMS_AT_START_WAIT_SECONDS,
  ANALYZE_CANARY_TASK_SECONDS,
  APPROVAL_REQUEST_RETRY_SECONDS,
  DEPLOY_FUNCTION_TIMEOUT_SECONDS,
  MAX_DEPLOY_WAIT_SECONDS,
  PIPELINE_EXECUTION_TIMEOUT_SECONDS,
  PIPELINE_FIXED_OVERHEAD_SECONDS,
  PIPELINE_STAGE_OVERHEAD_SECONDS,
  QUEUE_WAIT_SECONDS,
  RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS,
  RELEASE_EXECUTION_TIMEOUT_SECONDS,
  RELEASE_FIXED_TASKS_SECONDS,
  RELEASE_STEP_TASKS_SECONDS,
  renderImageTag,
  SCAN_WAIT_SECONDS,
  worstCase,
} from '../../functions/shared/domain/limits.js';
import { planRelease } from '../../functions/shared/domain/plan.js';
import { TASKS } from '../../infra/constructs/task-functions.js';
import {
  type AslMachine,
  CHILD_EXECUTION_RESOURCE,
  definitionFile,
  taskRetryWaitSeconds,
  taskStates,
  taskWorstCaseSeconds,
} from '../../statemachines/definitions.js';
import { exampleDocument } from '../support/config.js';
import { fixture } from '../support/github.js';

/** The problems a config document has, one line each, or [] when it is valid. */
function problemsOf(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split('\n').slice(1);
  }
}

const SHA = '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c';

describe('Domain: AWS limits a config is held to', () => {
  it('uses the same execution limit as release.asl.json’s TimeoutSeconds', () => {
    const asl = JSON.parse(readFileSync(definitionFile('release'), 'utf8')) as { TimeoutSeconds: number };
    expect(asl.TimeoutSeconds).toBe(RELEASE_EXECUTION_TIMEOUT_SECONDS);
  });

  // Step Functions Retry: with BackoffRate 1 each retry waits IntervalSeconds, MaxAttempts times.
  it('counts the wait for a pending image scan as Deploy’s ScanPendingError retrier allows it', () => {
    const asl = JSON.parse(readFileSync(definitionFile('release'), 'utf8')) as {
      States: Record<
        string,
        {
          Retry?: {
            ErrorEquals: string[];
            IntervalSeconds: number;
            MaxAttempts: number;
            BackoffRate: number;
          }[];
        }
      >;
    };
    const retrier = asl.States.Deploy?.Retry?.find((r) => r.ErrorEquals.includes('ScanPendingError'));
    expect(retrier).toMatchObject({ BackoffRate: 1 });
    expect(retrier!.IntervalSeconds * retrier!.MaxAttempts).toBe(SCAN_WAIT_SECONDS);
  });

  // Amazon States Language, Retry: MaxAttempts retries IntervalSeconds apart (BackoffRate 1), each
  // attempt at most the Task's TimeoutSeconds: the wait alarmsAtStart: wait can add.
  it('budgets CheckAlarmsAtStart’s wait for an alarm to clear, and each AnalyzeCanary look, from the ASL', () => {
    const states = taskStates(JSON.parse(readFileSync(definitionFile('release'), 'utf8')));
    const start = states.CheckAlarmsAtStart!;
    const retrier = start.Retry!.find((r) => r.ErrorEquals.includes('AlarmsAtStartPendingError'))!;

    expect(retrier.BackoffRate).toBe(1);
    expect(
      taskRetryWaitSeconds({ Type: 'Task', Retry: [retrier] }) +
        (retrier.MaxAttempts! + 1) * start.TimeoutSeconds!,
    ).toBe(ALARMS_AT_START_WAIT_SECONDS);
    expect(states.AnalyzeCanary!.TimeoutSeconds).toBe(ANALYZE_CANARY_TASK_SECONDS);
    expect(
      worstCase({
        concurrency: 'supersede',
        deploySeconds: 0,
        approvalSeconds: 0,
        bakeSeconds: [300, 300],
        extensionSeconds: 0,
        watchSeconds: 60,
        analysisIntervalSeconds: 120,
        alarmsAtStart: 'wait',
      }),
    ).toMatchObject({
      analysis: 6 * ANALYZE_CANARY_TASK_SECONDS,
      alarmsAtStart: ALARMS_AT_START_WAIT_SECONDS,
    });
  });

  // A Task's TimeoutSeconds raises States.Timeout in the parent (Step Functions, "Task" state):
  // the pipeline must wait for a child longer than the child may run, and may itself run longer.
  it('uses pipeline.asl.json’s timeouts: the wait for a child outlasts the child, the pipeline outlasts the wait', () => {
    const asl = JSON.parse(readFileSync(definitionFile('pipeline'), 'utf8')) as AslMachine;
    expect(asl.TimeoutSeconds).toBe(PIPELINE_EXECUTION_TIMEOUT_SECONDS);
    expect(taskStates(asl).ReleaseEnvironment?.TimeoutSeconds).toBe(RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS);
    expect(RELEASE_EXECUTION_TIMEOUT_SECONDS).toBeLessThan(RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS);
    expect(RELEASE_ENVIRONMENT_TASK_TIMEOUT_SECONDS).toBeLessThanOrEqual(PIPELINE_EXECUTION_TIMEOUT_SECONDS);
  });

  it('budgets at least what the pipeline’s own Tasks can take, retries included', () => {
    const tasks = Object.entries(taskStates(JSON.parse(readFileSync(definitionFile('pipeline'), 'utf8'))));
    const once = ['BeginPipeline', 'PipelineSucceeded', 'PipelineFailed'];
    const fixed = tasks
      .filter(([name]) => once.includes(name))
      .map(([, state]) => taskWorstCaseSeconds(state));
    const perStage = tasks
      .filter(([name]) => !once.includes(name))
      .map(([, state]) =>
        state.Resource.startsWith(CHILD_EXECUTION_RESOURCE)
          ? taskRetryWaitSeconds(state)
          : taskWorstCaseSeconds(state),
      );
    expect(fixed).toHaveLength(3);
    // RecordStageStarted, AwaitWindow (its last check, past maxWindowWait), ReleaseEnvironment's
    // retry waits, RecordStagePassed and CheckSoakAlarms.
    expect(perStage).toHaveLength(5);
    expect(fixed.reduce((a, b) => a + b)).toBeLessThanOrEqual(PIPELINE_FIXED_OVERHEAD_SECONDS);
    expect(perStage.reduce((a, b) => a + b)).toBeLessThanOrEqual(PIPELINE_STAGE_OVERHEAD_SECONDS);
  });

  // A waitForTaskToken Task whose Lambda fails (Slack refused the post: ApprovalRequestError) fails
  // at once; each retry runs the Lambda again, at most for its timeout, after the retrier's wait.
  it('budgets what RequestApproval’s retries of a refused Slack post can add', () => {
    const states = taskStates(JSON.parse(readFileSync(definitionFile('release'), 'utf8')));
    const retrier = states.RequestApproval?.Retry?.find((r) =>
      r.ErrorEquals.includes('ApprovalRequestError'),
    );
    expect(retrier).toBeDefined();
    const waits = taskRetryWaitSeconds({ Type: 'Task', Retry: [retrier!] });
    const attempts = retrier!.MaxAttempts ?? 3;
    const lambdaSeconds = TASKS.RequestApproval.timeout.toSeconds();

    expect(waits + attempts * lambdaSeconds).toBeLessThanOrEqual(APPROVAL_REQUEST_RETRY_SECONDS);
  });

  it('budgets the release’s own Tasks: once per release, and per canary step with the waits for healthy targets', () => {
    const states = taskStates(JSON.parse(readFileSync(definitionFile('release'), 'utf8')));
    const once = [
      'BeginRelease',
      'CheckAlarmsAtStart',
      'Promote',
      'CheckAlarmsAfterRelease',
      'Complete',
      'ScaleDownPrevious',
      'Rollback',
    ];
    const fixed = once.map((name) => states[name]!.TimeoutSeconds!);
    const shift = states.ShiftTraffic!;
    const healthWait = shift.Retry!.find((r) => r.ErrorEquals.includes('NotEnoughHealthyTargetsError'))!;
    const perStep =
      shift.TimeoutSeconds! +
      states.CheckAlarms!.TimeoutSeconds! +
      taskRetryWaitSeconds({ Type: 'Task', Retry: [healthWait] });

    expect(fixed.reduce((a, b) => a + b)).toBeLessThanOrEqual(RELEASE_FIXED_TASKS_SECONDS);
    expect(perStep).toBeLessThanOrEqual(RELEASE_STEP_TASKS_SECONDS);
  });

  // Amazon States Language, Retry: IntervalSeconds before the first retry, multiplied by
  // BackoffRate each time, capped at MaxDelaySeconds; MaxAttempts retries (defaults 1, 2.0, 3).
  it('counts a Task’s worst case as every attempt timing out plus every retry interval', () => {
    expect(
      taskWorstCaseSeconds({
        Type: 'Task',
        TimeoutSeconds: 60,
        Retry: [
          { ErrorEquals: ['A'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
          { ErrorEquals: ['B'], IntervalSeconds: 10, MaxAttempts: 2, BackoffRate: 5, MaxDelaySeconds: 30 },
          { ErrorEquals: ['C'] },
        ],
      }),
    ).toBe(60 * (1 + 3 + 2 + 3) + (2 + 4 + 8) + (10 + 30) + (1 + 2 + 4));
  });

  // Lambda functions run at most 900 seconds (Lambda quotas: "Function timeout 900 seconds").
  it('keeps the deploy wait inside the Deploy Lambda, and that inside Lambda’s 15 minutes', () => {
    expect(DEPLOY_FUNCTION_TIMEOUT_SECONDS).toBeLessThanOrEqual(900);
    expect(MAX_DEPLOY_WAIT_SECONDS).toBeLessThan(DEPLOY_FUNCTION_TIMEOUT_SECONDS);
  });

  it('refuses an ECS deploy timeout the Deploy Lambda cannot wait for', () => {
    const document = exampleDocument();
    document.environments[1].deploy.timeout = '20m';

    expect(problemsOf(document)).toEqual([
      expect.stringMatching(
        /^ {2}environments\[1\]\.deploy\.timeout: must be at most 14m: the Deploy Lambda runs at most 15 minutes/,
      ),
    ]);
  });

  it('refuses an environment whose longest release outlasts the execution, naming each part', () => {
    const document = exampleDocument();
    Object.assign(document.environments[2], {
      concurrency: 'queue',
      approval: { type: 'slack', channel: '#releases', approvers: ['U024BE7LH'] },
      steps: [
        { weight: 50, bake: '10h' },
        { weight: 100, bake: '10h' },
      ],
    });

    const [problem, ...rest] = problemsOf(document);

    expect(rest).toEqual([]);
    expect(problem).toMatch(/^ {2}environments\[2\]: a release here can take /);
    expect(problem).toContain(
      "queue wait 1h + build wait 1h + scan wait 10m + deploy 10m + approval 4h + approval request retries 50m + the release's own steps 38m 20s + bakes 20h",
    );
    expect(problem).toContain('more than a release execution may run (24h)');
  });

  it('refuses a route whose walk outlasts the pipeline execution, naming the route, each environment and the numbers', () => {
    const document = exampleDocument();
    // Each environment fits its own 24h (prod with its 4h approval); three of them, soaked, do not fit the pipeline's 72h.
    for (const env of document.environments) {
      env.steps = [{ weight: 100, bake: env.name === 'prod' ? '16h' : '20h' }];
      env.soak = '4h';
      // Without the analysis' looks (up to a minute each), each environment fits its own 24h.
      delete env.analysis;
    }

    const problems = problemsOf(document);

    expect(problems).toEqual([
      "  routes[0]: a push on this route (release/*, main) can take 82h 21m (dev window wait 1h + 22h 32m 40s + soak 4h, staging window wait 1h + 23h 16m 40s + soak 4h, prod window wait 1h + 23h 51m 40s, and the pipeline's own steps 1h 40m), more than a pipeline execution may run (72h); shorten the soaks, the window waits (maxWindowWait) or the environments' releases, or split the route",
    ]);
    expect(problems[0]).toContain('more than a pipeline execution may run (72h)');
  });

  it('refuses the walk of releaseBranches (every environment in order) the same way', () => {
    const { routes: _, ...document } = exampleDocument();
    document.releaseBranches = ['main'];
    for (const env of document.environments) {
      env.steps = [{ weight: 100, bake: env.name === 'prod' ? '16h' : '20h' }];
      env.soak = '4h';
      // Without the analysis' looks (up to a minute each), each environment fits its own 24h.
      delete env.analysis;
    }

    expect(problemsOf(document)).toEqual([
      expect.stringMatching(
        /^ {2}releaseBranches: a push on this route \(main\) can take .*, more than a pipeline execution may run \(72h\)/,
      ),
    ]);
  });

  // A release of another branch that waits for the holder (otherBranches newer-first or
  // first-come, ADR 0006) spends up to the queue retrier's hour before it begins.
  it('counts the queue wait for an environment where a release of another branch may wait, and not with newest-only', () => {
    const base = {
      concurrency: 'supersede' as const,
      deploySeconds: 0,
      approvalSeconds: 0,
      bakeSeconds: [60],
      extensionSeconds: 0,
      watchSeconds: 60,
    };

    expect(worstCase(base).queue).toBe(QUEUE_WAIT_SECONDS);
    expect(worstCase({ ...base, otherBranches: 'first-come' }).queue).toBe(QUEUE_WAIT_SECONDS);
    expect(worstCase({ ...base, otherBranches: 'newest-only' }).queue).toBe(0);
    expect(worstCase({ ...base, concurrency: 'queue', otherBranches: 'newest-only' }).queue).toBe(
      QUEUE_WAIT_SECONDS,
    );
  });

  it('refuses a listener in another region than the others: Sluice reaches them all from one', () => {
    const document = exampleDocument();
    document.environments[2].listenerArn = document.environments[2].listenerArn.replace(
      'us-east-1',
      'eu-west-1',
    );

    expect(problemsOf(document)).toEqual([
      "  environments[2].listenerArn: is in region eu-west-1, but environments[0].listenerArn is in us-east-1: an environment in another region than the stack's names it in `account.region`",
    ]);
  });

  it('accepts the example config, whose environments fit', () => {
    expect(problemsOf(exampleDocument())).toEqual([]);
  });
});

describe('Domain: the image tag a commit is released as', () => {
  it('is the full SHA by default', () => {
    expect(renderImageTag('${sha}', SHA)).toBe(SHA);
  });

  it('takes the first N characters for ${sha:N}, with fixed text around it', () => {
    expect(renderImageTag('release-${sha:7}', SHA)).toBe('release-0d1a26e');
  });

  it('is the version the plan releases', () => {
    const config = parseConfigFile({ ...exampleDocument(), imageTag: '${sha:12}' });
    const plan = planRelease(config, fixture('push-release-branch'));
    expect(plan.kind === 'release' && plan.release.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each([
    ['latest', 'has no ${sha}: every commit would deploy the same tag'],
    ['${sha:5}', 'is too short to tell commits apart'],
    ['v ${sha}', 'has a space, which an image tag cannot'],
  ])('refuses %s (it %s)', (imageTag) => {
    expect(problemsOf({ ...exampleDocument(), imageTag })).toEqual([
      expect.stringMatching(/^ {2}imageTag: must contain \$\{sha\} or \$\{sha:N\}/),
    ]);
  });
});
