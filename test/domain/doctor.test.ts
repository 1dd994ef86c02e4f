import { localDefinition } from '../../embedded/asl.js';
import type { EnvironmentConfig, SluiceConfig } from '../../functions/shared/domain/config.js';
import {
  type Check,
  type DeadLetterFacts,
  definitionDrift,
  describeAge,
  doctorExitCode,
  type EcsFacts,
  type EnvironmentFacts,
  type GlobalFacts,
  judgeEnvironment,
  judgeGlobal,
  operatorArnOf,
  type Read,
  type RuleFacts,
  read,
  type ServiceFacts,
  type SlackFacts,
  type WebhookFacts,
} from '../../functions/shared/domain/doctor.js';
import type { ReleaseRecord } from '../../functions/shared/domain/release.js';
import { readDefinition } from '../../statemachines/definitions.js';
import { exampleConfig } from '../support/config.js';

// Prepare (shared): the example config's staging (ECS, previousDesiredCount 0, artifact with a scan
// gate, two alarms) and prod (Slack approval), and facts of a setup where every check passes.
const config: SluiceConfig = exampleConfig();
const staging = config.environments.find((e) => e.name === 'staging')!;
const LB =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/checkout-staging/6e7f8a9b0c1d2e3f';
const TASK_ROLE = 'arn:aws:iam::123456789012:role/checkout-task';
const { blue: BLUE, green: GREEN } = staging.targetGroups;

const service = (side: 'blue' | 'green', over: Partial<ServiceFacts> = {}): ServiceFacts => ({
  status: 'ACTIVE',
  targetGroupArns: [staging.targetGroups[side]],
  circuitBreaker: { enable: true, rollback: true },
  deploymentController: 'ECS',
  desiredCount: 2,
  runningCount: 2,
  roles: [TASK_ROLE],
  ...over,
});

function healthy(over: Partial<EnvironmentFacts> = {}, ecs: Partial<EcsFacts> = {}): EnvironmentFacts {
  return {
    listener: read({
      loadBalancerArn: LB,
      forwardActions: [
        {
          targetGroups: [
            { arn: BLUE, weight: 100 },
            { arn: GREEN, weight: 0 },
          ],
        },
      ],
    }),
    targetGroups: {
      blue: read({ loadBalancerArns: [LB], registered: 2, healthy: 2 }),
      green: read({ loadBalancerArns: [LB], registered: 0, healthy: 0 }),
    },
    alarms: read(
      staging.alarms.map((name) => ({
        name,
        kind: 'metric' as const,
        state: 'OK' as const,
        periodSeconds: 60,
      })),
    ),
    releases: read([]),
    lock: read(undefined),
    ecs: read({ cluster: 'ACTIVE', services: { blue: service('blue'), green: service('green') }, ...ecs }),
    repository: read({ exists: true, scanOnPush: true, registry: { scanType: 'BASIC', ruleCovers: false } }),
    ...over,
  };
}

const withPassRoles: EnvironmentConfig = {
  ...staging,
  deploy: {
    ...(staging.deploy as Extract<EnvironmentConfig['deploy'], { provider: 'ecs' }>),
    passRoles: [TASK_ROLE],
  },
};

const byId = (checks: Check[], id: string) => {
  const check = checks.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return check;
};

const record = (over: Partial<ReleaseRecord>): ReleaseRecord => ({
  releaseId: 'checkout-abc',
  environment: 'staging',
  executionName: 'x',
  repository: 'acme/checkout',
  service: 'checkout',
  branch: 'release/1',
  sha: 'abc',
  version: 'abc',
  status: 'succeeded',
  targets: { live: BLUE, idle: GREEN },
  steps: [],
  startedAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:10:00Z',
  history: [],
  ...over,
});

describe('Function: judgeEnvironment', () => {
  it('passes every check of a healthy ECS environment, and the report exits 0', () => {
    // Act
    const checks = judgeEnvironment(withPassRoles, healthy());

    // Assess
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checks.length).toBeGreaterThanOrEqual(10);
    expect(doctorExitCode({ environments: [{ name: 'staging', checks }], global: [] })).toBe(0);
  });

  describe('Check: listener', () => {
    it('fails a listener with two forward actions, saying to keep one', () => {
      const listener = read({
        loadBalancerArn: LB,
        forwardActions: [
          { targetGroups: [{ arn: BLUE, weight: 100 }] },
          { targetGroups: [{ arn: GREEN, weight: 100 }] },
        ],
      });

      const check = byId(judgeEnvironment(staging, healthy({ listener })), 'listener');

      expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('2 forward actions') });
      expect(check.fix).toMatch(/keep one forward action listing the blue and green/);
    });

    it('fails a forward action that lacks green or lists another group', () => {
      const listener = read({
        loadBalancerArn: LB,
        forwardActions: [
          {
            targetGroups: [
              { arn: BLUE, weight: 100 },
              { arn: 'arn:other', weight: 0 },
            ],
          },
        ],
      });

      const check = byId(judgeEnvironment(staging, healthy({ listener })), 'listener');

      expect(check.status).toBe('fail');
      expect(check.fix).toMatch(/two configured target groups and no other/);
    });

    it('fails a listener that does not exist, naming the field to fix', () => {
      const check = byId(judgeEnvironment(staging, healthy({ listener: read(undefined) })), 'listener');

      expect(check).toMatchObject({ status: 'fail', fix: expect.stringContaining('listenerArn of staging') });
    });

    it('fails with the permission to grant when the listener cannot be read', () => {
      const listener = { ok: false as const, error: 'AccessDenied: not authorized' };

      const check = byId(judgeEnvironment(staging, healthy({ listener })), 'listener');

      expect(check.detail).toContain('AccessDenied');
      expect(check.fix).toContain('elasticloadbalancing:DescribeListeners');
    });
  });

  describe('Check: targetGroups', () => {
    it("fails a group attached to another load balancer than the listener's", () => {
      const targetGroups = {
        ...healthy().targetGroups,
        green: read({ loadBalancerArns: ['arn:other-lb'], registered: 0, healthy: 0 }),
      };

      const check = byId(judgeEnvironment(staging, healthy({ targetGroups })), 'targetGroups');

      expect(check).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining("green is not attached to the listener's"),
      });
      expect(check.fix).toMatch(/target groups of the listener/);
    });
  });

  describe('Check: stickiness (R5)', () => {
    const sticky = (seconds: number) =>
      read({
        loadBalancerArn: LB,
        forwardActions: [
          {
            targetGroups: [
              { arn: BLUE, weight: 100 },
              { arn: GREEN, weight: 0 },
            ],
            stickinessSeconds: seconds,
          },
        ],
      });

    it('fails group stickiness longer than the watch where previousDesiredCount scales down', () => {
      const check = byId(judgeEnvironment(staging, healthy({ listener: sticky(3600) })), 'stickiness');

      expect(check).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('BeginRelease refuses'),
      });
      expect(check.fix).toMatch(/DurationSeconds to at most the watch/);
    });

    it('warns when stickiness is within the watch but outlasts the first bake (pinned after a rollback)', () => {
      const check = byId(judgeEnvironment(staging, healthy({ listener: sticky(240) })), 'stickiness');

      expect(check.status).toBe('warn');
      expect(check.fix).toMatch(/R5/);
    });

    it('passes stickiness shorter than the first bake', () => {
      expect(byId(judgeEnvironment(staging, healthy({ listener: sticky(60) })), 'stickiness').status).toBe(
        'ok',
      );
    });
  });

  describe('Check: traffic, targets, recorded, lock', () => {
    const split = read({
      loadBalancerArn: LB,
      forwardActions: [
        {
          targetGroups: [
            { arn: BLUE, weight: 90 },
            { arn: GREEN, weight: 10 },
          ],
        },
      ],
    });

    it('fails traffic left split with no release running, pointing at rollback', () => {
      const check = byId(judgeEnvironment(staging, healthy({ listener: split })), 'traffic');

      expect(check).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('sluice rollback --env staging'),
      });
    });

    it('accepts a split while a release holds the lock', () => {
      const facts = healthy({ listener: split, lock: read({ releaseId: 'checkout-run' }) });

      expect(byId(judgeEnvironment(staging, facts), 'traffic').status).toBe('ok');
    });

    it('fails a live group without a healthy target', () => {
      const targetGroups = {
        ...healthy().targetGroups,
        blue: read({ loadBalancerArns: [LB], registered: 2, healthy: 0 }),
      };

      const check = byId(judgeEnvironment(staging, healthy({ targetGroups })), 'targets');

      expect(check).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('register healthy targets in blue'),
      });
    });

    it('fails when the live group differs from what the last release left live (H3)', () => {
      // The last release succeeded: it made green live; the listener serves blue.
      const check = byId(judgeEnvironment(staging, healthy({ releases: read([record({})]) })), 'recorded');

      expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('something else') });
      expect(check.fix).toMatch(/H3/);
    });

    it('passes when the live group is the one a rolled-back release restored', () => {
      const facts = healthy({ releases: read([record({ status: 'rolled_back' })]) });

      expect(byId(judgeEnvironment(staging, facts), 'recorded').status).toBe('ok');
    });

    it('fails a lock held by a release that has ended', () => {
      const facts = healthy({
        lock: read({ releaseId: 'checkout-abc' }),
        releases: read([record({ status: 'failed' })]),
      });

      const check = byId(judgeEnvironment(staging, facts), 'lock');

      expect(check).toMatchObject({ status: 'fail', fix: 'run `sluice abort checkout-abc` to free it' });
    });
  });

  describe('Check: alarms', () => {
    const [first, second] = staging.alarms as [string, string];

    it('fails an alarm DescribeAlarms did not return, naming the composite-alarm permission', () => {
      // CloudWatch API reference, DescribeAlarms: composite alarms are returned only to a
      // cloudwatch:DescribeAlarms permission scoped to *.
      const alarms = read([{ name: first, kind: 'metric' as const, state: 'OK' as const }]);

      const check = byId(judgeEnvironment(staging, healthy({ alarms })), `alarm:${second}`);

      expect(check).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('composite alarm the role may not see'),
      });
      expect(check.fix).toBe(
        'create the alarm, or grant cloudwatch:DescribeAlarms on * (composite alarms are returned only to that scope)',
      );
    });

    it('warns about an alarm already in ALARM, naming what a release will do', () => {
      const alarms = read(
        staging.alarms.map((name) => ({ name, kind: 'composite' as const, state: 'ALARM' as const })),
      );

      const check = byId(judgeEnvironment(staging, healthy({ alarms })), `alarm:${first}:state`);

      expect(check).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('fails its first bake check and rolls back'),
      });
      expect(check.fix).toMatch(new RegExp(`resolve what ${first} reports`));
    });

    const noData = (since: string) =>
      read(
        staging.alarms.map((name) => ({
          name,
          kind: 'metric' as const,
          state: 'INSUFFICIENT_DATA' as const,
          stateSince: since,
          periodSeconds: 60,
        })),
      );

    it('warns about INSUFFICIENT_DATA for longer than a period, naming the insufficientData policy', () => {
      const facts = healthy({ alarms: noData('2026-12-04T10:00:00Z'), readAt: '2026-12-04T10:05:00Z' });

      const check = byId(judgeEnvironment(staging, facts), `alarm:${first}:state`);

      expect(check.status).toBe('warn');
      expect(check.detail).toContain('insufficientData policy extend: a bake waits up to 600s');
    });

    it('accepts INSUFFICIENT_DATA within the first period of a new alarm', () => {
      const facts = healthy({ alarms: noData('2026-12-04T10:00:00Z'), readAt: '2026-12-04T10:00:30Z' });

      expect(byId(judgeEnvironment(staging, facts), `alarm:${first}:state`)).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('within its first period (60s)'),
      });
    });
  });

  describe('Check: ECS', () => {
    it('fails a service without the circuit breaker, with the update-service command', () => {
      // ECS API reference, DeploymentCircuitBreaker: enable and rollback, rolling update (ECS) controller only.
      const facts = healthy(
        {},
        {
          services: {
            blue: service('blue', { circuitBreaker: { enable: true, rollback: false } }),
            green: service('green'),
          },
        },
      );

      const check = byId(judgeEnvironment(withPassRoles, facts), 'ecs:blue:circuitBreaker');

      expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('on without rollback') });
      expect(check.fix).toBe(
        "aws ecs update-service --cluster checkout-staging --service checkout-staging-blue --deployment-configuration 'deploymentCircuitBreaker={enable=true,rollback=true}'",
      );
    });

    it('fails a service behind another target group, and a CODE_DEPLOY controller', () => {
      const facts = healthy(
        {},
        {
          services: {
            blue: service('blue'),
            green: service('green', { targetGroupArns: [BLUE], deploymentController: 'CODE_DEPLOY' }),
          },
        },
      );

      const checks = judgeEnvironment(withPassRoles, facts);

      expect(byId(checks, 'ecs:green')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('attach checkout-staging-green'),
      });
      expect(byId(checks, 'ecs:green:controller')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('deploymentController type ECS'),
      });
    });

    it('fails a missing cluster and a missing service', () => {
      expect(byId(judgeEnvironment(staging, healthy({}, { cluster: undefined })), 'ecs:cluster').status).toBe(
        'fail',
      );
      const facts = healthy({}, { services: { blue: service('blue'), green: undefined } });
      expect(byId(judgeEnvironment(withPassRoles, facts), 'ecs:green')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('does not exist'),
      });
    });

    it('fails a live service that wants fewer tasks than minHealthyTargets, with the command to scale it', () => {
      // ecs-deployer.ts sizes the new version like the live service; the gate before each shift
      // waits for minHealthyTargets healthy targets in the idle group.
      const env = { ...withPassRoles, minHealthyTargets: 3 };

      const checks = judgeEnvironment(env, healthy());

      expect(byId(checks, 'ecs:blue:count')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('wants 2 tasks, fewer than minHealthyTargets (3)'),
        fix: 'aws ecs update-service --cluster checkout-staging --service checkout-staging-blue --desired-count 3, or lower minHealthyTargets of staging',
      });
      // The idle side (green) is not held to it: the deploy sizes it.
      expect(byId(checks, 'ecs:green:count').status).toBe('ok');
      expect(
        byId(judgeEnvironment({ ...env, minHealthyTargets: 2 }, healthy()), 'ecs:blue:count'),
      ).toMatchObject({
        status: 'ok',
        detail: '2 running of 2 desired',
      });
    });

    it('warns when a service runs fewer tasks than it wants', () => {
      const facts = healthy(
        {},
        { services: { blue: service('blue'), green: service('green', { runningCount: 0 }) } },
      );

      expect(byId(judgeEnvironment(withPassRoles, facts), 'ecs:green:count')).toMatchObject({
        status: 'warn',
        detail:
          'service checkout-staging-green runs 0 of 2 desired tasks: a deployment is under way, or tasks fail to start',
        fix: "aws ecs describe-services --cluster checkout-staging --services checkout-staging-green --query 'services[0].events[:5]'",
      });
    });

    it('warns when passRoles is unset and fails when it misses a task role', () => {
      expect(byId(judgeEnvironment(staging, healthy()), 'ecs:passRoles')).toMatchObject({
        status: 'warn',
        fix: `set deploy.passRoles to ${TASK_ROLE}`,
      });
      const facts = healthy(
        {},
        {
          services: {
            blue: service('blue', { roles: ['arn:aws:iam::123456789012:role/other'] }),
            green: service('green'),
          },
        },
      );
      expect(byId(judgeEnvironment(withPassRoles, facts), 'ecs:passRoles').status).toBe('fail');
    });
  });

  describe('Check: ecr', () => {
    it('fails a repository without scan-on-push when the config gates on scan findings', () => {
      const repository = read({
        exists: true,
        scanOnPush: false,
        registry: { scanType: 'BASIC' as const, ruleCovers: false },
      });

      const check = byId(judgeEnvironment(staging, healthy({ repository })), 'ecr');

      expect(check.status).toBe('fail');
      expect(check.fix).toBe(
        'aws ecr put-image-scanning-configuration --repository-name checkout --image-scanning-configuration scanOnPush=true',
      );
    });

    it('with enhanced scanning, judges the registry rules and ignores the repository flag', () => {
      // ECR: with the ENHANCED scan type, Amazon Inspector scans the repositories the registry's rules match.
      const covered = read({
        exists: true,
        scanOnPush: false,
        registry: { scanType: 'ENHANCED' as const, ruleCovers: true },
      });
      const uncovered = read({
        exists: true,
        scanOnPush: true,
        registry: { scanType: 'ENHANCED' as const, ruleCovers: false },
      });

      expect(byId(judgeEnvironment(staging, healthy({ repository: covered })), 'ecr').status).toBe('ok');
      expect(byId(judgeEnvironment(staging, healthy({ repository: uncovered })), 'ecr')).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('put-registry-scanning-configuration'),
      });
    });

    it('fails a repository that does not exist', () => {
      const repository = read({
        exists: false,
        scanOnPush: false,
        registry: { scanType: 'BASIC' as const, ruleCovers: false },
      });

      expect(byId(judgeEnvironment(staging, healthy({ repository })), 'ecr').status).toBe('fail');
    });
  });
});

describe('Check: account:role (an environment in its own account, read through its role)', () => {
  const CALLER = 'arn:aws:sts::123456789012:assumed-role/ReleaseOperator/alice';
  const OWN_ROLE = 'arn:aws:iam::555555555555:role/platform-sluice';
  const access = (assumed: Read<true>) => ({
    role: OWN_ROLE,
    principal: CALLER,
    accountId: '555555555555',
    externalId: false,
    assumed,
  });

  it('with a role of the user’s own (account.role), names its trust and existence as causes, and no target stack', () => {
    const error = `AccessDenied: User: ${CALLER} is not authorized to perform: sts:AssumeRole on resource: ${OWN_ROLE}`;

    const checks = judgeEnvironment(staging, healthy({ access: access({ ok: false, error }) }), 1);

    expect(checks.map((c) => c.id)).toEqual(['account:role', 'lock']);
    expect(checks[0]).toMatchObject({
      status: 'fail',
      detail: `${CALLER} may not assume ${OWN_ROLE}: ${error}`,
    });
    expect(checks[0]?.fix).toContain(`the role ${OWN_ROLE} (account.role) does not exist`);
    expect(checks[0]?.fix).toContain(
      'admit it in the role’s trust, with sts:SetSourceIdentity and sts:TagSession',
    );
    expect(checks[0]?.fix).toContain('the trust requires an ExternalId that account.externalId does not set');
    expect(checks[0]?.fix).not.toContain('cdk deploy');
  });

  it('says so when STS fails for another reason than AccessDenied', () => {
    const error = 'RegionDisabledException: STS is not activated in this region for account:555555555555';

    const check = judgeEnvironment(staging, healthy({ access: access({ ok: false, error }) }))[0];

    expect(check).toMatchObject({
      status: 'fail',
      detail: `AssumeRole ${OWN_ROLE} as ${CALLER} failed: ${error}`,
    });
    expect(check?.fix).toMatch(/STS is reachable/);
  });

  it('asks for the permission on the user’s own role where it cannot read a resource, at its config path', () => {
    const alarms = {
      ok: false as const,
      error: 'AccessDenied: not authorized to perform: cloudwatch:DescribeAlarms',
    };

    const checks = judgeEnvironment(
      staging,
      healthy({ alarms, access: access({ ok: true, value: true }) }),
      1,
    );

    expect(checks.find((c) => c.id === 'alarms')).toEqual({
      id: 'alarms',
      status: 'fail',
      detail: `cannot read the alarms (environments[1].alarms) with ${OWN_ROLE}: ${alarms.error}`,
      fix: `give ${OWN_ROLE} (account.role) cloudwatch:DescribeAlarms on * on environments[1].alarms, then run doctor again`,
    });
  });

  it('gives the role to admit for a role session, and a user as it is', () => {
    expect(operatorArnOf(CALLER)).toBe('arn:aws:iam::123456789012:role/<path/>ReleaseOperator');
    expect(operatorArnOf('arn:aws:iam::123456789012:user/alice')).toBe(
      'arn:aws:iam::123456789012:user/alice',
    );
  });
});

describe('Function: definitionDrift', () => {
  const local = JSON.parse(readDefinition('release'));

  it('matches the local file to a deployed definition with its placeholders substituted', () => {
    expect(definitionDrift(local, JSON.parse(localDefinition('release')))).toBeUndefined();
  });

  it('names the path where a deployed definition differs', () => {
    const deployed = JSON.parse(localDefinition('release'));
    const [first] = Object.keys(deployed.States) as [string];
    deployed.States[first].Comment = 'edited in the console';

    expect(definitionDrift(local, deployed)).toBe(`$.States.${first}.Comment`);
  });

  it('fails an ACTIVE state machine whose definition drifted, saying which checkout to deploy', () => {
    const checks = judgeGlobal(config, {
      stateMachines: [
        { name: 'release', status: read('ACTIVE'), drift: read('$.States.Deploy.TimeoutSeconds') },
      ],
      secrets: [],
    });

    expect(byId(checks, 'stateMachine:release')).toMatchObject({
      status: 'fail',
      detail:
        'the deployed release definition differs from statemachines/release.asl.json at $.States.Deploy.TimeoutSeconds',
    });
  });
});

describe('Function: judgeGlobal', () => {
  const base: GlobalFacts = {
    stateMachines: [
      { name: 'release', status: read('ACTIVE') },
      { name: 'pipeline', status: read('ACTIVE') },
    ],
    secrets: (['github-webhook', 'github-token', 'slack-signing', 'slack-bot-token'] as const).map((name) =>
      read({ name, location: `sluice/checkout/${name}`, exists: true, stages: ['AWSCURRENT'] }),
    ),
  };
  const webhook = (over: Partial<WebhookFacts['hooks'][number]> = {}): WebhookFacts => ({
    expectedUrl: 'https://hook.example/',
    hooks: [
      {
        url: 'https://hook.example/',
        active: true,
        events: ['push', 'check_suite', 'check_run'],
        lastResponse: { code: 200, status: 'active' },
        ...over,
      },
    ],
  });
  const slack = (over: Partial<SlackFacts> = {}): SlackFacts => ({
    auth: read({ userId: 'UBOT', team: 'Acme' }),
    channels: [{ channel: '#releases', member: read(true) }],
    approvers: [{ id: 'U024BE7LH', exists: read(true) }],
    ...over,
  });

  it('passes a complete setup', () => {
    const checks = judgeGlobal(config, {
      ...base,
      github: read(webhook()),
      slack: slack(),
      configDigest: { local: 'a', deployed: 'a' },
    });

    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  describe('Check: deadLetters', () => {
    const queue = (
      name: DeadLetterFacts['queue'],
      count: number,
      oldestSeconds?: number,
    ): DeadLetterFacts => ({
      queue: name,
      url: `https://sqs.us-east-1.amazonaws.com/123456789012/${name}-dlq`,
      messages: read({ count, ...(oldestSeconds === undefined ? {} : { oldestSeconds }) }),
    });

    it('passes empty queues', () => {
      const checks = judgeGlobal(config, { ...base, deadLetters: [queue('alarm', 0), queue('notifier', 0)] });

      expect(byId(checks, 'deadLetters:alarm')).toMatchObject({ status: 'ok' });
      expect(byId(checks, 'deadLetters:notifier')).toMatchObject({ status: 'ok' });
    });

    it('fails messages in the alarm and guard queue (a release may not have been rolled back), with count and age', () => {
      const check = byId(
        judgeGlobal(config, { ...base, deadLetters: [queue('alarm', 3, 7200)] }),
        'deadLetters:alarm',
      );

      expect(check).toMatchObject({
        status: 'fail',
        detail:
          '3 messages in https://sqs.us-east-1.amazonaws.com/123456789012/alarm-dlq; the oldest is 2 h old: an alarm or execution-ended event was not handled, a release may not have been rolled back',
      });
      expect(check.fix).toMatch(/^read them \(aws sqs receive-message --queue-url \S+alarm-dlq/);
    });

    it('warns about dropped notifications, saying when the age is unknown', () => {
      const check = byId(
        judgeGlobal(config, { ...base, deadLetters: [queue('notifier', 1)] }),
        'deadLetters:notifier',
      );

      expect(check).toMatchObject({ status: 'warn', fix: expect.stringContaining('purge the queue') });
      expect(check.detail).toContain('1 message in');
      expect(check.detail).toContain('age is unknown');
    });

    // A click is answered 200 before its deferred invocation acts on it (Slack needs an answer in
    // 3 s): a message parked here is a decision nobody carried out, an Abort included.
    it('fails a Slack click that was answered but never carried out, saying how to repeat it', () => {
      const check = byId(
        judgeGlobal(config, { ...base, deadLetters: [queue('clicks', 1, 900)] }),
        'deadLetters:clicks',
      );

      expect(check).toMatchObject({ status: 'fail' });
      expect(check.detail).toContain(
        '1 message in https://sqs.us-east-1.amazonaws.com/123456789012/clicks-dlq',
      );
      expect(check.detail).toContain('was answered but never carried out');
      expect(check.fix).toContain('sluice approve|reject|abort --stack');
    });

    it('passes an empty Slack click queue', () => {
      expect(
        byId(judgeGlobal(config, { ...base, deadLetters: [queue('clicks', 0)] }), 'deadLetters:clicks'),
      ).toMatchObject({
        status: 'ok',
        detail: 'the Slack click dead-letter queue is empty',
      });
    });

    it('describes ages in the largest whole unit', () => {
      expect([59, 600, 7200, 3 * 86400].map(describeAge)).toEqual(['59s', '10 min', '2 h', '3 d']);
    });
  });

  describe('Check: rules', () => {
    const ROLLBACK = 'arn:aws:lambda:us-east-1:123456789012:function:Sluice-checkout-AlarmRollback';
    const GUARD = 'arn:aws:lambda:us-east-1:123456789012:function:Sluice-checkout-ReleaseGuard';
    const alarms = [...new Set(config.environments.flatMap((e) => e.alarms))];
    const rules = (over: Partial<RuleFacts> = {}): RuleFacts[] => [
      {
        name: 'Sluice-checkout-AlarmStateRule',
        kind: 'alarm',
        state: 'ENABLED',
        targets: [ROLLBACK],
        expectedTarget: ROLLBACK,
        alarmNames: alarms,
        ...over,
      },
      {
        name: 'Sluice-checkout-ExecutionEndedRule',
        kind: 'executionEnded',
        state: 'ENABLED',
        targets: [GUARD],
        expectedTarget: GUARD,
      },
    ];

    it('passes enabled rules that target their functions and cover every alarm', () => {
      const checks = judgeGlobal(config, { ...base, rules: read(rules()) });

      expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
      expect(byId(checks, 'rule:alarm').detail).toBe(
        'Sluice-checkout-AlarmStateRule is ENABLED and targets the alarm-rollback function',
      );
      expect(byId(checks, 'rule:executionEnded').status).toBe('ok');
    });

    it('fails a disabled rule, with the command that enables it', () => {
      const check = byId(
        judgeGlobal(config, { ...base, rules: read(rules({ state: 'DISABLED' })) }),
        'rule:alarm',
      );

      expect(check).toMatchObject({
        status: 'fail',
        fix: 'aws events enable-rule --name Sluice-checkout-AlarmStateRule',
      });
    });

    it('fails a rule that targets another function, an alarm no rule matches, and a missing execution rule', () => {
      const other = 'arn:aws:lambda:us-east-1:123456789012:function:someone-else';
      const checks = judgeGlobal(config, {
        ...base,
        rules: read(rules({ targets: [other], alarmNames: alarms.slice(1) }).slice(0, 1)),
      });

      expect(byId(checks, 'rule:alarm')).toMatchObject({
        status: 'fail',
        fix: 'deploy the stack again (cdk deploy) to restore its targets',
      });
      expect(byId(checks, 'rule:alarms')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(`matches ${alarms[0]}:`),
      });
      expect(byId(checks, 'rule:executionEnded').status).toBe('fail');
    });

    it('fails with the permissions to grant when the rules cannot be read', () => {
      const check = byId(
        judgeGlobal(config, { ...base, rules: { ok: false, error: 'AccessDenied' } }),
        'rules',
      );

      expect(check.fix).toContain('events:DescribeRule');
    });
  });

  it('fails a missing secret the config needs, with the command that creates it', () => {
    const secrets = [
      ...base.secrets.slice(0, 3),
      read({
        name: 'slack-bot-token' as const,
        location: 'sluice/checkout/slack-bot-token',
        exists: false,
        stages: [],
      }),
    ];

    const check = byId(judgeGlobal(config, { ...base, secrets }), 'secret:slack-bot-token');

    expect(check).toMatchObject({ status: 'fail', detail: 'sluice/checkout/slack-bot-token does not exist' });
    expect(check.fix).toMatch(
      /^create it with a value: aws secretsmanager create-secret --name sluice\/checkout\/slack-bot-token/,
    );
  });

  it('fails a webhook not subscribed to check_run', () => {
    const check = byId(
      judgeGlobal(config, { ...base, github: read(webhook({ events: ['push', 'check_suite'] })) }),
      'github:webhook',
    );

    expect(check).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not subscribed to check_run'),
    });
    expect(check.fix).toBe('subscribe it to check_run ("Let me select individual events")');
  });

  it('fails when no webhook delivers to the stack URL, and warns on a failed last delivery', () => {
    expect(
      byId(
        judgeGlobal(config, { ...base, github: read(webhook({ url: 'https://elsewhere/' })) }),
        'github:webhook',
      ).status,
    ).toBe('fail');
    const last = byId(
      judgeGlobal(config, {
        ...base,
        github: read(webhook({ lastResponse: { code: 401, status: 'failed' } })),
      }),
      'github:deliveries',
    );
    expect(last).toMatchObject({ status: 'warn', fix: expect.stringContaining('401') });
  });

  describe('Check: github:checks', () => {
    const runs = (...list: [string, number][]) =>
      read({
        branch: 'release/1.4',
        sha: 'c'.repeat(40),
        runs: list.map(([name, appId]) => ({ name, appId })),
      });

    it('passes when every required check ran from the pinned app', () => {
      const check = byId(
        judgeGlobal(config, { ...base, requiredChecks: runs(['build', 15368], ['test', 15368]) }),
        'github:checks',
      );

      expect(check).toMatchObject({
        status: 'ok',
        detail: 'on release/1.4@ccccccc, every required check ran from app 15368',
      });
    });

    it('fails a required check from another app, and warns about one that never ran', () => {
      const foreign = byId(
        judgeGlobal(config, { ...base, requiredChecks: runs(['build', 15368], ['test', 99]) }),
        'github:checks',
      );
      const missing = byId(
        judgeGlobal(config, { ...base, requiredChecks: runs(['build', 15368]) }),
        'github:checks',
      );

      expect(foreign).toMatchObject({ status: 'fail', fix: expect.stringContaining('set checks.appId') });
      expect(missing).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining('no check run named test'),
      });
    });
  });

  it('fails when the bot is not in the approval channel, with the invite', () => {
    const check = byId(
      judgeGlobal(config, {
        ...base,
        slack: slack({ channels: [{ channel: '#releases', member: read(false) }] }),
      }),
      'slack:channel:#releases',
    );

    expect(check).toMatchObject({ status: 'fail', detail: expect.stringContaining('not_in_channel') });
    expect(check.fix).toBe('invite it: /invite @<your Sluice app> in #releases');
  });

  it('warns about a channel named #name: its membership cannot be looked up by name', () => {
    const channels = [{ channel: '#releases', member: read('by-name' as const) }];

    const check = byId(
      judgeGlobal(config, { ...base, slack: slack({ channels }) }),
      'slack:channel:#releases',
    );

    expect(check).toMatchObject({
      status: 'warn',
      fix: 'use the channel id (C…, in the channel’s details) in the config',
    });
  });

  it('fails an unknown approver and a failed auth.test', () => {
    const approver = byId(
      judgeGlobal(config, { ...base, slack: slack({ approvers: [{ id: 'U0NOPE', exists: read(false) }] }) }),
      'slack:approver:U0NOPE',
    );
    expect(approver.status).toBe('fail');
    const auth = byId(
      judgeGlobal(config, { ...base, slack: slack({ auth: { ok: false, error: 'invalid_auth' } }) }),
      'slack:auth',
    );
    expect(auth).toMatchObject({ status: 'fail', fix: expect.stringContaining('xoxb-') });
  });

  it('fails a state machine that does not exist and a config that differs from the deployed one', () => {
    const checks = judgeGlobal(config, {
      ...base,
      stateMachines: [{ name: 'release', status: read(undefined) }],
      configDigest: { local: 'a', deployed: 'b' },
    });

    expect(byId(checks, 'stateMachine:release')).toMatchObject({
      status: 'fail',
      fix: 'deploy the stack again (cdk deploy)',
    });
    expect(byId(checks, 'config').status).toBe('fail');
    expect(doctorExitCode({ environments: [], global: checks })).toBe(1);
  });
});
