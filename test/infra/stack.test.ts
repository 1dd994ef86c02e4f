import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '../../embedded/config.js';
import { LAMBDA_ENV_NAMES } from '../../functions/shared/aws/env.js';
import { DEFERRED_MAX_EVENT_AGE_SECONDS } from '../../functions/shared/domain/approval.js';
import {
  ALARM_STATE_CHANGE,
  alarmPattern,
  alarmRuleGroups,
  EVENT_PATTERN_MAX_CHARACTERS,
  EXECUTION_STATUS_CHANGE,
} from '../../infra/constructs/alarm-rollback.js';
import {
  ecsDeployStatements,
  isReadOnlyAction,
  passRolesOf,
  STAR_ONLY_MUTATING_ACTIONS,
} from '../../infra/policies.js';
import { addSluice } from '../../infra/sluice-app.js';
import { SluiceStack } from '../../infra/sluice-stack.js';
import { placeholders as aslPlaceholders } from '../../statemachines/definitions.js';

const root = new URL('../..', import.meta.url).pathname;
const config = loadConfig(join(root, 'sluice.config.yaml'));

// One synth for the whole file; bundling skipped (the assets are not what these tests check).
const app = new App({
  outdir: mkdtempSync(join(tmpdir(), 'sluice-cdk-')),
  context: { 'aws:cdk:bundling-stacks': [] },
});
const stack = addSluice(app, { config, nag: false });
const assembly = app.synth();
const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON; the assertions check its shape.
type CfnProperties = any;
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: CfnProperties; DeletionPolicy?: string }
>;

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const policies = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
const statements: (Statement & { policy: string })[] = policies.flatMap(([id, r]) =>
  (r.Properties.PolicyDocument.Statement as Statement[]).map((s) => ({ ...s, policy: id })),
);
const actionsOf = (s: Statement) => [s.Action].flat();
const resourcesOf = (s: Statement) => [s.Resource].flat();
const policyOf = (functionPath: string) =>
  statements.filter((s) => s.policy.startsWith(functionPath.replaceAll('/', '')));
const listenerArns = [...new Set(config.environments.map((e) => e.listenerArn))].sort();

describe('Stack: Sluice', () => {
  it('is named after the service', () => {
    expect(stack.stackName).toBe('Sluice-checkout');
  });

  it('has no unacknowledged cdk-nag finding (AwsSolutions, Serverless)', () => {
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(stack);
      expect(
        report.violations.map(
          (v) =>
            `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`,
        ),
      ).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  // Issue 19: environments without `account` keep the single-account shape.
  it('names no role, assumes no role and opens no event bus when no environment has an account', () => {
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles.filter((r) => r.Properties.RoleName !== undefined)).toEqual([]);
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('sts:')))).toEqual([]);
    expect(Object.values(resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy')).toEqual([]);
    expect(app.node.children.filter((c) => c instanceof Stack && c !== stack)).toEqual([]);
  });

  describe('State machine', () => {
    const machines = Object.values(resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');

    it.each(readdirSync(join(root, 'statemachines')).filter((f) => f.endsWith('.asl.json')))(
      'substitutes every placeholder of %s with a Lambda ARN',
      (file) => {
        const asl = readFileSync(join(root, 'statemachines', file), 'utf8');
        const machine = machines.find((m) => m.Properties.DefinitionString === asl);
        expect(machine?.Properties.DefinitionString).toBe(asl);
        const substitutions = machine!.Properties.DefinitionSubstitutions as Record<string, unknown>;
        const placeholders = aslPlaceholders(asl);
        expect(placeholders.length).toBeGreaterThan(0);
        for (const name of placeholders) {
          if (name === 'ReleaseStateMachineArn') {
            expect(JSON.stringify(substitutions[name])).toContain(':stateMachine:sluice-checkout-release');
            continue;
          }
          expect(substitutions[name]).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
          const logicalId = (substitutions[name] as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
          expect(resources[logicalId]?.Type).toBe('AWS::Lambda::Function');
        }
      },
    );

    it('is Standard, logs every event without execution data (its Tasks carry task tokens), and traces', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        StateMachineName: 'sluice-checkout-release',
        LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
        TracingConfiguration: { Enabled: true },
      });
    });

    it('may invoke exactly their own task functions, unqualified: ten for a release, three for the pipeline; SlackInteractions only itself', () => {
      const all = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
      // SlackInteractions answers Slack within 3 s and acts in an asynchronous invocation of itself.
      const self = all.filter((s) => s.policy.includes('InvokeSelf'));
      expect(self.map((s) => [s.policy.replace(/InvokeSelf.*$/, ''), resourcesOf(s)])).toEqual([
        [
          'SlackSlackInteractions',
          [{ 'Fn::GetAtt': [expect.stringMatching(/^SlackSlackInteractionsFunction/), 'Arn'] }],
        ],
      ]);
      const invoke = all.filter((s) => !self.includes(s));
      expect(
        invoke.map((s) => [s.policy.replace(/RoleDefaultPolicy.*$/, ''), resourcesOf(s).length]),
      ).toEqual([
        ['ReleaseStateMachine', 10],
        ['PipelineStateMachine', 3],
      ]);
      for (const s of invoke)
        for (const r of resourcesOf(s)) expect(r).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    });

    it('lets the pipeline run releases as .sync children, as Step Functions documents for nested workflows', () => {
      const policy = policyOf('PipelineStateMachine');
      const byAction = (action: string) =>
        policy.filter((s) => actionsOf(s).includes(action)).map((s) => JSON.stringify(s.Resource));
      expect(byAction('states:StartExecution')).toEqual([
        expect.stringContaining(':stateMachine:sluice-checkout-release"'),
      ]);
      expect(byAction('states:DescribeExecution')).toEqual([
        expect.stringContaining(':execution:sluice-checkout-release:*'),
      ]);
      expect(byAction('states:StopExecution')).toEqual([
        expect.stringContaining(':execution:sluice-checkout-release:*'),
      ]);
      for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'])
        expect(byAction(action)).toEqual([
          expect.stringContaining(':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule'),
        ]);
    });
  });

  describe('IAM', () => {
    it('grants no mutating action on "*" beyond the ones AWS authorizes only on "*"', () => {
      const onStar = statements.filter((s) => s.Effect === 'Allow' && resourcesOf(s).includes('*'));
      const mutating = [...new Set(onStar.flatMap(actionsOf).filter((a) => !isReadOnlyAction(a)))].sort();
      for (const action of mutating) expect(Object.keys(STAR_ONLY_MUTATING_ACTIONS)).toContain(action);
      // The exceptions, named: X-Ray segments, Step Functions log delivery, ECS task definition registration.
      expect(Object.keys(STAR_ONLY_MUTATING_ACTIONS).sort()).toEqual([
        'ecs:RegisterTaskDefinition',
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });

    it('uses no wildcard actions', () => {
      for (const s of statements) for (const a of actionsOf(s)) expect(a).not.toContain('*');
    });

    it('scopes ModifyListener to the configured listeners', () => {
      const modify = statements.filter((s) => actionsOf(s).includes('elasticloadbalancing:ModifyListener'));
      expect(modify.length).toBeGreaterThan(0);
      for (const s of modify) expect([...resourcesOf(s)].sort()).toEqual(listenerArns);
    });

    it('lets only the functions that restore or shift traffic modify the listener', () => {
      const holders = [
        ...new Set(
          statements
            .filter((s) => actionsOf(s).includes('elasticloadbalancing:ModifyListener'))
            .map((s) => s.policy.replace(/RoleDefaultPolicy.*$/, '')),
        ),
      ].sort();
      expect(holders).toEqual([
        'AlarmRollbackAlarmRollbackFunction',
        'AlarmRollbackReleaseGuardFunction',
        'SlackSlackInteractions',
        'TasksBeginRelease',
        'TasksRollback',
        'TasksShiftTraffic',
      ]);
    });

    it('scopes DescribeServices and UpdateService to both sides’ ECS services, for Deploy and ScaleDown only', () => {
      const update = statements.filter((s) => actionsOf(s).includes('ecs:UpdateService'));
      expect(update.map((s) => s.policy.replace(/RoleDefaultPolicy.*$/, '')).sort()).toEqual([
        'TasksDeploy',
        'TasksScaleDown',
      ]);
      for (const statement of update) {
        expect(actionsOf(statement)).toContain('ecs:DescribeServices');
        expect([...resourcesOf(statement)].sort()).toEqual([
          'arn:aws:ecs:us-east-1:123456789012:service/checkout-prod/checkout-prod-blue',
          'arn:aws:ecs:us-east-1:123456789012:service/checkout-prod/checkout-prod-green',
          'arn:aws:ecs:us-east-1:123456789012:service/checkout-staging/checkout-staging-blue',
          'arn:aws:ecs:us-east-1:123456789012:service/checkout-staging/checkout-staging-green',
        ]);
      }
    });

    it('lets ScaleDown resize services and read the listener, nothing more of ECS (no task definitions, no PassRole)', () => {
      const actions = policyOf('TasksScaleDown').flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith('ecs:')).sort()).toEqual([
        'ecs:DescribeServices',
        'ecs:UpdateService',
      ]);
      expect(actions).not.toContain('iam:PassRole');
      expect(actions).not.toContain('elasticloadbalancing:ModifyListener');
    });

    it('lets PassRole reach ECS tasks only', () => {
      const pass = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
      expect(pass).toHaveLength(1);
      expect(pass[0]!.Condition).toEqual({
        StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      });
    });

    // CloudWatch API reference, DescribeAlarms: composite alarms only with a permission scoped to *.
    it('reads alarms on * (so composite alarms are returned), from the alarm checker only', () => {
      const describe = statements.filter((s) => actionsOf(s).includes('cloudwatch:DescribeAlarms'));
      expect(
        describe.map((s) => [
          s.policy.replace(/RoleDefaultPolicy.*$/, ''),
          [...actionsOf(s)],
          [...resourcesOf(s)],
        ]),
      ).toEqual([['TasksCheckAlarms', ['cloudwatch:DescribeAlarms'], ['*']]]);
    });

    // DescribeAlarmHistory returns a composite alarm's history only to a permission scoped to *
    // (CloudWatch API reference): the one wildcard, read-only, on the alarm checker alone.
    it('reads alarm history (for the soak) from the alarm checker only, and nothing else on *', () => {
      const history = statements.filter((s) => actionsOf(s).includes('cloudwatch:DescribeAlarmHistory'));
      expect(
        history.map((s) => [
          s.policy.replace(/RoleDefaultPolicy.*$/, ''),
          [...actionsOf(s)],
          [...resourcesOf(s)],
        ]),
      ).toEqual([['TasksCheckAlarms', ['cloudwatch:DescribeAlarmHistory'], ['*']]]);
    });

    it('reads each secret by name with the -?????? suffix, and only where needed', () => {
      const reads = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
      const byFunction: Record<string, string> = {};
      for (const s of reads) {
        const fn = s.policy.replace(/RoleDefaultPolicy.*$/, '');
        byFunction[fn] = `${byFunction[fn] ?? ''}${JSON.stringify(s.Resource)}`;
      }
      expect(Object.keys(byFunction).sort()).toEqual([
        'SlackReleaseNotifier',
        'SlackSlackInteractions',
        'TasksAwaitWindow',
        'TasksRecordPipeline',
        'TasksRequestApproval',
        'TasksVerifyBuild',
        'WebhooksGithubWebhook',
      ]);
      expect(byFunction.TasksRecordPipeline).toContain(':secret:sluice/checkout/github-token-??????');
      // AwaitWindow says on the check run and in Slack that a pipeline waits for a window.
      expect(byFunction.TasksAwaitWindow).toContain(':secret:sluice/checkout/github-token-??????');
      expect(byFunction.TasksAwaitWindow).toContain(':secret:sluice/checkout/slack-bot-token-??????');
      expect(byFunction.TasksAwaitWindow).not.toContain('slack-signing');
      expect(byFunction.TasksVerifyBuild).toContain(':secret:sluice/checkout/github-token-??????');
      expect(byFunction.WebhooksGithubWebhook).toContain(':secret:sluice/checkout/github-webhook-??????');
      // Interactions verify with the signing secret and update messages with the bot token.
      expect(byFunction.SlackSlackInteractions).toContain(':secret:sluice/checkout/slack-signing-??????');
      expect(byFunction.SlackSlackInteractions).toContain(':secret:sluice/checkout/slack-bot-token-??????');
      expect(byFunction.SlackReleaseNotifier).not.toContain('slack-signing');
      expect(byFunction.SlackReleaseNotifier).toContain(':secret:sluice/checkout/slack-bot-token-??????');
      expect(byFunction.SlackReleaseNotifier).toContain(':secret:sluice/checkout/github-token-??????');
      // RequestApproval posts the approval request itself (R10): the bot token, nothing else.
      expect(byFunction.TasksRequestApproval).toContain(':secret:sluice/checkout/slack-bot-token-??????');
      expect(byFunction.TasksRequestApproval).not.toContain('slack-signing');
    });

    it('lets the webhook start pipelines only, and the pipeline start releases only', () => {
      const start = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
      const byHolder = Object.fromEntries(
        start.map((s) => [s.policy.replace(/RoleDefaultPolicy.*$/, ''), JSON.stringify(s.Resource)]),
      );
      expect(Object.keys(byHolder).sort()).toEqual(['PipelineStateMachine', 'WebhooksGithubWebhook']);
      expect(byHolder.WebhooksGithubWebhook).toContain(':stateMachine:sluice-checkout-pipeline');
      expect(byHolder.PipelineStateMachine).toContain(':stateMachine:sluice-checkout-release');
      const tokens = statements.filter((s) => actionsOf(s).includes('states:SendTaskSuccess'));
      expect(tokens.map((s) => s.policy.replace(/RoleDefaultPolicy.*$/, '')).sort()).toEqual([
        'SlackSlackInteractions',
        'TasksVerifyBuild',
        'WebhooksGithubWebhook',
      ]);
      for (const s of tokens)
        expect(JSON.stringify(s.Resource)).toContain(':stateMachine:sluice-checkout-release');
      const stop = statements.filter((s) => actionsOf(s).includes('states:StopExecution'));
      for (const s of stop)
        expect(JSON.stringify(s.Resource)).toContain(':execution:sluice-checkout-release:*');
    });

    it("lets BeginRelease describe the lock holder's execution, to take over a stale lock", () => {
      const describe = policyOf('TasksBeginRelease').filter((s) =>
        actionsOf(s).includes('states:DescribeExecution'),
      );
      expect(describe).toHaveLength(1);
      expect(JSON.stringify(describe[0]!.Resource)).toContain(':execution:sluice-checkout-release:*');
      expect(policyOf('TasksBeginRelease').flatMap(actionsOf)).not.toContain('states:StartExecution');
    });

    it('lets only slack-interactions, VerifyBuild and the webhook (check events) answer task tokens, on the release state machine only', () => {
      const answer = statements
        .filter((s) => actionsOf(s).includes('states:SendTaskSuccess'))
        .filter((s) => s.policy.startsWith('SlackSlackInteractions'));
      expect(answer.map((s) => s.policy.replace(/RoleDefaultPolicy.*$/, ''))).toEqual([
        'SlackSlackInteractions',
      ]);
      expect(actionsOf(answer[0]!).sort()).toEqual(['states:SendTaskFailure', 'states:SendTaskSuccess']);
      expect(JSON.stringify(answer[0]!.Resource)).toContain(':stateMachine:sluice-checkout-release');
      expect(JSON.stringify(answer[0]!.Resource)).not.toContain('*');
    });

    it('lets the check-alarms function write nothing but the release table (it records the alarms it found)', () => {
      const writes = policyOf('TasksCheckAlarms')
        .flatMap(actionsOf)
        .filter((a) => !isReadOnlyAction(a) && !(a in STAR_ONLY_MUTATING_ACTIONS));
      expect(writes.filter((a) => !a.startsWith('logs:') && !a.startsWith('dynamodb:'))).toEqual([]);
    });

    it('grants each function the permissions of its ports and no others', () => {
      // Deploy only reads the listener (TrafficReader); ShiftTraffic writes it (TrafficRouter).
      expect(policyOf('TasksDeploy').flatMap(actionsOf)).not.toContain('elasticloadbalancing:ModifyListener');
      expect(policyOf('TasksShiftTraffic').flatMap(actionsOf)).toContain(
        'elasticloadbalancing:ModifyListener',
      );
      // VerifyBuild reads GitHub and keeps its task token on the record: no load balancer.
      expect(
        policyOf('TasksVerifyBuild')
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('elasticloadbalancing:')),
      ).toEqual([]);
      // RecordRelease has the store alone: it never touches traffic or executions.
      expect(
        policyOf('TasksRecordRelease')
          .flatMap(actionsOf)
          .filter((a) => a.startsWith('elasticloadbalancing:') || a.startsWith('states:')),
      ).toEqual([]);
    });
  });

  describe('Alarm rollback', () => {
    it('routes the configured alarms entering ALARM to the alarm-rollback Lambda', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': [ALARM_STATE_CHANGE],
          detail: {
            alarmName: config.environments.flatMap((e) => e.alarms).sort(),
            state: { value: ['ALARM'] },
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmRollbackAlarmRollbackFunction'), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'Arn'] } },
          }),
        ],
      });
    });

    // EventBridge: an event pattern is at most 2048 characters by default (EventBridge quotas).
    it('splits many alarms into rules whose patterns each fit EventBridge’s limit, covering every alarm', () => {
      const names = Array.from(
        { length: 120 },
        (_, i) => `checkout-prod-${String(i).padStart(3, '0')}-p99-latency-high`,
      );

      const groups = alarmRuleGroups(names);

      expect(groups.length).toBeGreaterThan(1);
      for (const group of groups) {
        expect(JSON.stringify(alarmPattern(group)).length).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARACTERS);
      }
      expect(groups.flat()).toEqual([...names].sort());
    });

    it('warns at synth that Deploy may pass any role while no ECS environment names its roles', () => {
      const warnings = assembly
        .getStackByName(stack.stackName)
        .messages.filter((m) => m.level === 'warning')
        .map((m) => String(m.entry.data));
      expect(warnings).toContainEqual(expect.stringContaining('may pass ANY IAM role of the account to ECS'));
      expect(passRolesOf(config)).toEqual([]);
    });

    it('narrows PassRole to the roles the config names', () => {
      const roles = [
        'arn:aws:iam::123456789012:role/checkout-task',
        'arn:aws:iam::123456789012:role/checkout-exec',
      ];
      const named = structuredClone(config);
      const staging = named.environments[1]!;
      if (staging.deploy.provider !== 'ecs') throw new Error('staging deploys to ECS in the example');
      staging.deploy.passRoles = roles;

      const pass = ecsDeployStatements(named, { passRoleArns: passRolesOf(named) })
        .map((s) => s.toStatementJson())
        .find((s) => s.Action === 'iam:PassRole');

      expect(pass.Resource).toEqual([...roles].sort());
    });

    it("routes the release state machine's failed, timed-out and aborted executions to the guard", () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.states'],
          'detail-type': [EXECUTION_STATUS_CHANGE],
          detail: {
            stateMachineArn: [{ Ref: Match.stringLikeRegexp('^ReleaseStateMachine') }],
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmRollbackReleaseGuardFunction'), 'Arn'] },
            DeadLetterConfig: Match.anyValue(),
          }),
        ],
      });
    });

    it('alarms as soon as the dead-letter queue holds a message', () => {
      // The safety net's, the notifier's and the Slack clicks' (each with its own alarm).
      template.resourceCountIs('AWS::SQS::Queue', 3);
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetterQueue'), 'QueueName'] },
          },
        ],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    });

    it('sends failed asynchronous invocations of both handlers to the dead-letter queue', () => {
      const configs = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::Lambda::EventInvokeConfig' &&
          !JSON.stringify(r.Properties.FunctionName).includes('SlackInteractions'),
      );
      expect(configs).toHaveLength(2);
      for (const c of configs) {
        expect(c.Properties.DestinationConfig.OnFailure.Destination).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'],
        });
      }
    });
  });

  it('refuses to deploy to an account and region other than the listeners’', () => {
    const elsewhere = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () =>
        new SluiceStack(elsewhere, 'Elsewhere', {
          config,
          env: { account: '999999999999', region: 'eu-west-1' },
        }),
    ).toThrow(
      /deploys to 999999999999\/eu-west-1, but these are elsewhere:\n {2}environments\.dev: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/,
    );
  });

  describe('Retained resources', () => {
    // CloudFormation keeps a Retain resource when a first create rolls back, and a fixed name then
    // fails the next deploy with "already exists"; RetainExceptOnCreate deletes it in that case.
    it('never pair a fixed physical name with plain Retain', () => {
      const fixedNameRetained = Object.entries(resources)
        .filter(([, r]) => r.DeletionPolicy === 'Retain')
        .filter(([, r]) => Object.keys(r.Properties ?? {}).some((key) => /^[A-Za-z]*Name$/.test(key)))
        .map(([id]) => id);
      expect(fixedNameRetained).toEqual([]);
    });

    it('delete the state machine’s log group only when its first create fails, and name it after the stack id', () => {
      template.hasResource('AWS::Logs::LogGroup', {
        DeletionPolicy: 'RetainExceptOnCreate',
        Properties: Match.objectLike({
          LogGroupName: {
            'Fn::Join': [
              '',
              [
                '/aws/vendedlogs/states/sluice-checkout-release-',
                { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
              ],
            ],
          },
        }),
      });
    });
  });

  describe('Release store', () => {
    it('is an on-demand, encrypted, point-in-time-recoverable table keyed pk/sk, retained on delete', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        }),
      });
    });

    // DynamoDB TTL deletes an item once the Number attribute it names, in Unix epoch seconds, has
    // passed (DynamoDB developer guide, "Using time to live"): the push log's items expire after 90 days.
    it('expires push-log items by their expiresAt attribute', () => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      });
    });
  });

  describe('Lambdas', () => {
    const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');

    it('are seventeen: ten release tasks (AnalyzeCanary among them), the pipeline recorder and window check, the webhook, alarm-rollback, release-guard, slack-interactions and the notifier', () => {
      expect(functions).toHaveLength(17);
    });

    it('run Node.js 24 on arm64 with active tracing', () => {
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Handler: 'index.handler',
        });
      }
    });

    it('get every variable the functions read (LAMBDA_ENV_NAMES), and no config in the environment', () => {
      for (const fn of functions) {
        const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
        expect(Object.keys(variables).sort()).toEqual([...LAMBDA_ENV_NAMES].sort());
        expect(JSON.stringify(variables)).not.toContain(config.repository);
      }
    });

    it('log to their own log group with a retention', () => {
      for (const fn of functions)
        expect(fn.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.any(String) });
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
    });
  });

  describe('Webhook endpoint', () => {
    it('is a throttled HTTP API route POST /webhooks/github with access logs', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /webhooks/github' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        DefaultRouteSettings: {
          ThrottlingRateLimit: Match.anyValue(),
          ThrottlingBurstLimit: Match.anyValue(),
        },
        AccessLogSettings: { DestinationArn: Match.anyValue() },
      });
      template.hasOutput('GithubWebhookUrl', {});
    });

    // VerifyBuild is woken by check_suite and check_run events (GitHub webhook events and
    // payloads), so a webhook subscribed to pushes alone leaves every release polling.
    it('tells the operator to subscribe the webhook to pushes, check suites and check runs', () => {
      const { Description } = template.findOutputs('GithubWebhookUrl').GithubWebhookUrl as {
        Description: string;
      };
      expect(Description).toMatch(/Pushes, Check suites and Check runs/);
    });

    // Review R9. A throttled delivery is answered 429 and lost: "GitHub does not automatically
    // redeliver failed deliveries" (GitHub docs, Handling failed webhook deliveries); a CI matrix
    // of up to 256 jobs sends a check_run `created` per job to the same URL as the pushes.
    it('gives POST /webhooks/github its own throttle, room for a 256-job matrix of check events twice over, created after the route', () => {
      const [[stageId, stage]] = Object.entries(template.findResources('AWS::ApiGatewayV2::Stage')) as [
        [
          string,
          {
            Properties: {
              RouteSettings?: Record<string, { ThrottlingBurstLimit?: number; ThrottlingRateLimit?: number }>;
              DefaultRouteSettings: { ThrottlingBurstLimit: number };
            };
            DependsOn?: string[];
          },
        ],
      ];
      const github = stage.Properties.RouteSettings?.['POST /webhooks/github'];
      expect(github?.ThrottlingBurstLimit).toBeGreaterThanOrEqual(2 * 256);
      expect(github?.ThrottlingRateLimit).toBeGreaterThanOrEqual(50);
      // Route-level limits may not exceed the account's (10,000 rps, burst 5,000 by default).
      expect(github?.ThrottlingBurstLimit).toBeLessThanOrEqual(5000);
      // Slack clicks (and any route without its own settings) keep a burst well above a person's clicks.
      expect(stage.Properties.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThanOrEqual(100);
      const [routeId] = Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, route]) =>
          (route as { Properties: { RouteKey: string } }).Properties.RouteKey === 'POST /webhooks/github',
      )!;
      expect({ stageId, dependsOn: stage.DependsOn ?? [] }).toEqual({
        stageId,
        dependsOn: expect.arrayContaining([routeId]),
      });
    });

    it('routes POST /slack/interactions on the same API, and feeds the notifier from the table stream', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /slack/interactions' });
      template.hasOutput('SlackInteractivityUrl', {});
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        StartingPosition: 'LATEST',
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      });
    });

    // Lambda event source mappings: a stream record past maximumRetryAttempts or
    // maximumRecordAgeInSeconds goes to the on-failure destination. Parked notifications are not
    // lost rollbacks, so they get their own queue and an alarm that says what they are.
    it('parks failed notifications in their own queue, whose alarm does not speak of rollbacks', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('NotifierDeadLetters'), 'Arn'] },
          },
        },
      });
      const alarms = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::CloudWatch::Alarm' &&
          JSON.stringify(r.Properties.Dimensions ?? []).includes('NotifierDeadLetters'),
      );
      expect(alarms).toHaveLength(1);
      expect(alarms[0]!.Properties.AlarmDescription).toContain('release notification');
      expect(alarms[0]!.Properties.AlarmDescription).not.toContain('rolled back');
      template.hasOutput('NotifierDeadLetterQueueUrl', {});
      template.hasOutput('ClickDeadLetterQueueUrl', {});
    });

    // Slack gives up after 3 s and does not retry an interaction; the Lambda must outlive that to
    // finish a decision it began (its send, its record), so a 3 s timeout would cut it off.
    it('gives slack-interactions more than Slack’s 3 s to finish a decision', () => {
      const fn = Object.entries(resources).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('SlackSlackInteractions'),
      )?.[1];
      expect(fn?.Properties.Timeout).toBeGreaterThanOrEqual(10);
    });

    // Lambda asynchronous invocation: an event is retried (MaximumRetryAttempts) and kept at most
    // MaximumEventAgeInSeconds, then sent to the on-failure destination or dropped. The approver
    // was answered 200 already, so a click that fails for good must be parked and paged.
    it('keeps a queued click no longer than the handler accepts it, and parks one that fails with an alarm', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp('^SlackSlackInteractionsFunction') },
        MaximumEventAgeInSeconds: DEFERRED_MAX_EVENT_AGE_SECONDS,
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClickDeadLetters'), 'Arn'] } },
        },
      });
      const alarms = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::CloudWatch::Alarm' &&
          JSON.stringify(r.Properties.Dimensions ?? []).includes('ClickDeadLetters'),
      );
      expect(alarms).toHaveLength(1);
      expect(alarms[0]!.Properties.AlarmDescription).toContain('not acted on');
    });
  });
});
