import { randomUUID } from 'node:crypto';
import { type ConfigFile, parseConfigFile } from '../../embedded/config.js';
import { lambdaContext } from '../../embedded/engine.js';
import { signedWebhookEvent } from '../../embedded/push.js';
import { PIPELINE_KEY, recordKeyOf } from '../../functions/shared/domain/records.js';
import type { TaskFunction } from '../../statemachines/definitions.js';
import { checkSuiteCompleted } from '../support/check-runs.js';
import { SCALED, Scenario, shaOf } from './harness.js';

const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
const arn = (env: string, kind: 'listener' | 'blue' | 'green') =>
  kind === 'listener'
    ? `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop-${env}/50dc6c495c0c9188/f2f7dc8efc522ab2`
    : `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-${env}-${kind}/73e2d6bc24d8a067`;

/** dev → staging → prod for release/*, prod alone for hotfix/*; one soak between environments. */
/** `bake` is each step's bake and the watch; a test about something else bakes for no time. */
function pipelineConfig(bake = '20s'): ConfigFile {
  return parseConfigFile({
    repository: 'acme/shop',
    service: 'shop',
    routes: [
      { branches: ['release/*'], environments: [...ENVIRONMENTS] },
      { branches: ['hotfix/*'], environments: ['prod'] },
    ],
    requiredChecks: ['build'],
    environments: ENVIRONMENTS.map((name) => ({
      name,
      listenerArn: arn(name, 'listener'),
      targetGroups: { blue: arn(name, 'blue'), green: arn(name, 'green') },
      deploy: { provider: 'external' },
      steps: [
        { weight: 25, bake },
        { weight: 100, bake },
      ],
      watch: bake,
      ...(name === 'dev' ? { soak: '20s' } : {}),
    })),
    embedded: { timeScale: 0.05 },
  });
}

let scenario: Scenario | undefined;
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const weights = (env: string) => scenario!.runtime.alb.readWeights(arn(env, 'listener'));
const records = async (releaseId: string) =>
  Object.fromEntries(
    (await scenario!.runtime.ports.releases().list())
      .filter((r) => r.releaseId === releaseId)
      .map((r) => [recordKeyOf(r), r]),
  );

function failIn(environment: string, fn: TaskFunction) {
  return async (name: TaskFunction, payload: unknown, invoke: () => Promise<unknown>) => {
    const env = (payload as { environment?: { name?: string } }).environment?.name;
    if (name === fn && env === environment)
      throw Object.assign(new Error('injected'), { name: 'DeployError' });
    return invoke();
  };
}

describe('Scenario: a push walks its route, environment by environment', () => {
  it('walks one push through dev, staging and prod, each a child execution, and reports it on the commit', async () => {
    // Prepare
    scenario = await Scenario.start({ config: pipelineConfig() });

    // Act
    const result = await scenario.release(shaOf('walk'), 'release/2.0');

    // Assess
    expect(result.execution.pipeline.status).toBe('SUCCEEDED');
    const byEnv = await records(result.releaseId);
    for (const env of ENVIRONMENTS) {
      expect(byEnv[env]).toMatchObject({
        status: 'succeeded',
        executionName: result.plan.environments.find((e) => e.name === env)!.executionName,
      });
      expect(weights(env)).toEqual({ [arn(env, 'blue')]: 0, [arn(env, 'green')]: 100 });
      const child = scenario.runtime.engine.describe(byEnv[env]!.executionName);
      expect(child?.status).toBe('SUCCEEDED');
      // Step Functions developer guide, "Start workflow executions from a task state": the
      // parent's $$.Execution.Id in the child's input associates the two; the release ignores it.
      expect(child?.input).toMatchObject({
        AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: result.execution.pipeline.executionArn,
      });
    }
    // In order: staging starts only after dev succeeded (and soaked), prod after staging.
    expect(Date.parse(byEnv.staging!.startedAt)).toBeGreaterThanOrEqual(Date.parse(byEnv.dev!.endedAt!));
    expect(Date.parse(byEnv.prod!.startedAt)).toBeGreaterThanOrEqual(Date.parse(byEnv.staging!.endedAt!));
    expect(byEnv[PIPELINE_KEY]).toMatchObject({
      status: 'succeeded',
      pipeline: { environments: [...ENVIRONMENTS] },
    });
    const [plan] = scenario.runtime.github.reported();
    expect(plan).toMatchObject({
      name: 'Sluice plan',
      head_sha: shaOf('walk'),
      status: 'completed',
      conclusion: 'success',
    });
    // Created, then one update per environment started and succeeded, then the end.
    expect(plan!.writes.length).toBe(1 + 2 * ENVIRONMENTS.length + 1);
  });

  it('stops at a failure in staging, leaves prod untouched, and says where and why; a re-push starts attempt 2', async () => {
    // Prepare
    let failing = true;
    const fail = failIn('staging', 'Deploy');
    scenario = await Scenario.start({
      config: pipelineConfig(),
      interceptTask: (fn, payload, invoke) => (failing ? fail(fn, payload, invoke) : invoke()),
    });
    const sha = shaOf('staging-fails');

    // Act
    const first = await scenario.release(sha, 'release/2.1');

    // Assess
    expect(first.execution.pipeline.status).toBe('FAILED');
    expect(first.execution.pipeline.error).toBe('PipelineStopped');
    const byEnv = await records(first.releaseId);
    expect(byEnv.dev?.status).toBe('succeeded');
    expect(byEnv.staging?.status).toBe('failed');
    expect(byEnv.prod).toBeUndefined();
    expect(weights('prod')).toEqual({ [arn('prod', 'blue')]: 100, [arn('prod', 'green')]: 0 });
    expect(weights('staging')).toEqual({ [arn('staging', 'blue')]: 100, [arn('staging', 'green')]: 0 });
    expect(byEnv[PIPELINE_KEY]?.cause?.message).toBe('stopped in staging: injected');
    expect(byEnv[PIPELINE_KEY]?.history.at(-1)?.detail).toBe(
      'stopped in staging: injected; not started: prod',
    );
    expect(scenario.runtime.github.reported()[0]).toMatchObject({
      conclusion: 'failure',
      output: { title: 'stopped in staging' },
    });

    // Act: the fix is deployed elsewhere; the same commit is pushed again
    failing = false;
    const second = await scenario.push(sha, randomUUID(), 'release/2.1');
    const duplicate = await scenario.push(sha, randomUUID(), 'release/2.1');
    await scenario.settle(second);

    // Assess
    expect(second.body).toMatchObject({
      started: true,
      attempt: 2,
      executionName: `${first.pipelineName}-a2`,
    });
    expect(duplicate.body).toMatchObject({ duplicate: true, attempt: 2, status: 'RUNNING' });
    const after = await records(first.releaseId);
    for (const env of ENVIRONMENTS) expect(after[env]).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(after[PIPELINE_KEY]).toMatchObject({ status: 'succeeded', attempt: 2 });
  });

  it('stops the pipeline when an alarm is in ALARM at the end of the soak, before the next environment', async () => {
    // Prepare: dev's alarm fires once dev has succeeded, while the pipeline soaks
    let soaking = false;
    const config = pipelineConfig();
    config.environments[0]!.alarms = ['shop-dev-5xx'];
    scenario = await Scenario.start({
      config,
      wrapPorts: (ports) => ({
        ...ports,
        alarms: () => ({
          alarmedSince: async () => [],
          describe: async (names: string[]) =>
            names.map((name) => ({
              name,
              state: soaking ? ('ALARM' as const) : ('OK' as const),
              ...(soaking ? { reason: 'Threshold Crossed: injected' } : {}),
            })),
        }),
      }),
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        const { event, stage } = payload as { event?: string; stage?: string };
        if (fn === 'RecordPipeline' && event === 'stage_succeeded' && stage === 'dev') soaking = true;
        return result;
      },
    });

    // Act
    const result = await scenario.release(shaOf('soak-alarm'), 'release/2.2');

    // Assess
    expect(result.execution.pipeline.status).toBe('FAILED');
    const byEnv = await records(result.releaseId);
    expect(byEnv.dev?.status).toBe('succeeded');
    expect(byEnv.staging).toBeUndefined();
    expect(byEnv[PIPELINE_KEY]?.cause).toMatchObject({
      trigger: 'alarm',
      message: expect.stringContaining('stopped in dev: during the soak after it succeeded: AlarmFiredError'),
    });
  });

  it('stops the pipeline when an alarm fired and cleared during the soak, though it reads OK at its end', async () => {
    // Prepare: the embedded CloudWatch; dev's alarm goes into ALARM once dev has succeeded, then back to OK
    const config = pipelineConfig();
    config.environments[0]!.alarms = ['shop-dev-5xx'];
    config.embedded.alarms = {
      'shop-dev-5xx': {
        metric: 'HTTPCode_Target_5XX_Count',
        statistic: 'Sum',
        comparison: 'GreaterThanThreshold',
        evaluationPeriods: 1,
        threshold: 1000,
        period: 20,
        treatMissingData: 'notBreaching',
      },
    };
    const fireAndClear = async () => {
      const cloudwatch = scenario!.runtime.cloudwatch;
      cloudwatch.setAlarmState('shop-dev-5xx', 'ALARM', 'Threshold Crossed: injected during the soak');
      cloudwatch.setAlarmState('shop-dev-5xx', 'OK', 'Threshold not crossed');
    };
    scenario = await Scenario.start({
      config,
      interceptTask: async (fn, payload, invoke) => {
        const result = await invoke();
        const { event, stage } = payload as { event?: string; stage?: string };
        if (fn === 'RecordPipeline' && event === 'stage_succeeded' && stage === 'dev') await fireAndClear();
        return result;
      },
    });

    // Act
    const result = await scenario.release(shaOf('soak-episode'), 'release/2.3');

    // Assess
    expect(result.execution.pipeline.status).toBe('FAILED');
    const byEnv = await records(result.releaseId);
    expect(byEnv.dev?.status).toBe('succeeded');
    expect(byEnv.staging).toBeUndefined();
    expect(byEnv[PIPELINE_KEY]?.cause?.message).toMatch(
      /stopped in dev: during the soak after it succeeded: AlarmFiredError in ALARM — shop-dev-5xx went into ALARM at .* during the soak \(Threshold Crossed: injected during the soak\)/,
    );
  });

  it('releases a hotfix push to prod only', async () => {
    // Prepare
    scenario = await Scenario.start({ config: pipelineConfig() });

    // Act
    const result = await scenario.release(shaOf('hotfix'), 'hotfix/urgent');

    // Assess
    expect(result.body).toMatchObject({ route: 'hotfix/*', environments: ['prod'] });
    const byEnv = await records(result.releaseId);
    expect(Object.keys(byEnv).sort()).toEqual([PIPELINE_KEY, 'prod']);
    expect(byEnv.prod?.status).toBe('succeeded');
    expect(weights('dev')).toEqual({ [arn('dev', 'blue')]: 100, [arn('dev', 'green')]: 0 });
    expect(weights('staging')).toEqual({ [arn('staging', 'blue')]: 100, [arn('staging', 'green')]: 0 });
  });
});

describe('Scenario: build verification waits for CI', () => {
  it('waits for check runs not yet created at push time and goes on when the check_suite event arrives', async () => {
    // Prepare: the embedded clock at 0.05 makes the slow poll 15 s, far beyond this test; no bakes
    // (the release after the wake-up is not what this test is about)
    let verifyCalls = 0;
    const config = pipelineConfig('0s');
    config.routes = [{ branches: ['release/*'], environments: ['dev'], buildTimeout: 3600 }];
    // On DynamoDB (dynalite): the webhook finds the waiting release by its commit's wait item
    scenario = await Scenario.start({
      config,
      timeScale: SCALED,
      releaseStore: 'dynalite',
      interceptTask: async (fn, _payload, invoke) => {
        if (fn === 'VerifyBuild') verifyCalls++;
        return invoke();
      },
    });
    const sha = shaOf('ci-later');
    scenario.runtime.github.setChecks(sha, []);

    // Act: the push arrives before CI has created any check run
    const pushed = await scenario.push(sha);
    // VerifyBuild has read GitHub, found nothing, and waits on its token.
    const waiting = async () =>
      (await scenario!.record(pushed.releaseId))?.history.some((h) => h.event === 'build_pending');
    while (!(await waiting())) await new Promise((r) => setTimeout(r, 20));
    scenario.runtime.github.setChecks(sha, [{ name: 'build', status: 'completed', conclusion: 'success' }]);
    const woken = await deliverSigned(scenario, 'check_suite', checkSuiteCompleted('acme/shop', sha));
    const execution = await scenario.settle(pushed);

    // Assess
    expect(woken).toMatchObject({ statusCode: 202 });
    expect(JSON.parse(woken.body ?? '{}')).toMatchObject({
      event: 'check_suite',
      woken: [pushed.executionName],
    });
    expect([execution.status, execution.error, execution.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(verifyCalls).toBe(2); // once at the start, once on the event: no poll ran
    const events = (await scenario.record(pushed.releaseId))!.history.map((h) => h.event);
    expect(events).toEqual(expect.arrayContaining(['build_pending', 'build_verified']));
  });
});

async function deliverSigned(s: Scenario, name: string, payload: unknown) {
  const secret = await s.runtime.ports.secrets().get('github-webhook');
  const event = signedWebhookEvent(secret, name, JSON.stringify(payload));
  return (await s.runtime.handlers.githubWebhook(event, lambdaContext('webhook'))) as {
    statusCode: number;
    body?: string;
  };
}
