/**
 * `sluice doctor --stack` against moto_server (ELBv2 listeners and stickiness, ECS services and
 * their load balancers, ECR scan-on-push, metric alarms and their state, Secrets Manager, Step
 * Functions, CloudFormation outputs, stack resources and template, EventBridge rules and their
 * targets, SQS message counts, CloudWatch metric statistics, STS) with GitHub and Slack as
 * loopback servers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { stringify } from 'yaml';
import { awsDoctor, DoctorUnavailableError } from '../../cli/doctor-aws.js';
import { localDefinition } from '../../embedded/asl.js';
import { deployedConfig, loadConfig } from '../../embedded/config.js';
import { createReleaseTable } from '../../embedded/dynalite.js';
import { configDigest, parseConfig, type SluiceConfig } from '../../functions/shared/domain/config.js';
import { type Check, type DoctorReport, doctorExitCode } from '../../functions/shared/domain/doctor.js';
import { runCli } from '../support/cli.js';
import { exampleDocument } from '../support/config.js';
import { type MotoServer, startMoto } from '../support/moto-server.js';
import { describeWithTool } from '../support/tools.js';

const TASK_ROLE = 'arn:aws:iam::123456789012:role/checkout-task';
const WEBHOOK_URL = 'https://abc.lambda-url.us-east-1.on.aws/';
const RELEASE_SHA = 'b'.repeat(40);
const WEBHOOK_SECRET = 'acme/checkout/webhook-secret';

/** A loopback HTTP server answering each path with `answer(path)` as JSON. */
async function loopback(
  answer: (path: string) => unknown,
): Promise<{ url: string; server: Server; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    paths.push(path);
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer(path)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, paths };
}

const check = (checks: Check[], id: string) => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return found;
};

describeWithTool('moto_server', 'sluice doctor --stack on moto_server', () => {
  let moto: MotoServer;
  let config: SluiceConfig;
  let github: Awaited<ReturnType<typeof loopback>>;
  let slack: Awaited<ReturnType<typeof loopback>>;
  let report: DoctorReport;

  beforeAll(async () => {
    moto = await startMoto();
    const cc = moto.clientConfig;

    // ELBv2: one load balancer, blue and green, and a group of another load balancer; the
    // listener's forward action lists blue and the other group, with 1 h of group stickiness.
    const elbv2 = new ElasticLoadBalancingV2Client(cc);
    const subnets = await moto.defaultSubnets();
    const lb = async (Name: string) =>
      (
        await elbv2.send(
          new CreateLoadBalancerCommand({ Name, Type: 'application', Subnets: subnets.slice(0, 2) }),
        )
      ).LoadBalancers![0]!;
    const web = await lb('checkout');
    const elsewhere = await lb('elsewhere');
    const group = async (Name: string) =>
      (
        await elbv2.send(
          new CreateTargetGroupCommand({
            Name,
            Protocol: 'HTTP',
            Port: 80,
            VpcId: web.VpcId,
            TargetType: 'ip',
          }),
        )
      ).TargetGroups![0]!.TargetGroupArn!;
    const blue = await group('checkout-blue');
    const green = await group('checkout-green');
    const other = await group('other');
    const { Listeners } = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: web.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: blue, Weight: 100 },
                { TargetGroupArn: other, Weight: 0 },
              ],
              TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 3600 },
            },
          },
        ],
      }),
    );
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: elsewhere.LoadBalancerArn,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: other }],
      }),
    );

    // The config: one ECS environment whose previous version is scaled to 0 after a 5 min watch.
    const doc = exampleDocument();
    const staging = doc.environments[1];
    Object.assign(staging, {
      listenerArn: Listeners![0]!.ListenerArn!,
      targetGroups: { blue, green },
      deploy: {
        provider: 'ecs',
        cluster: 'checkout',
        services: { blue: 'checkout-blue', green: 'checkout-green' },
        previousDesiredCount: 0,
        passRoles: [TASK_ROLE],
      },
      alarms: ['checkout-5xx', 'checkout-latency'],
      approval: { type: 'slack', channel: 'C0RELEASES', approvers: ['U024BE7LH'] },
      minHealthyTargets: 2,
    });
    doc.environments = [staging];
    doc.routes = [{ branches: ['release/*'], environments: ['staging'] }];
    delete doc.embedded;
    config = parseConfig(doc);

    // ECS: blue's service is behind the other group, green's behind green.
    const ecs = new ECSClient(cc);
    await ecs.send(new CreateClusterCommand({ clusterName: 'checkout' }));
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'checkout',
        taskRoleArn: TASK_ROLE,
        containerDefinitions: [{ name: 'app', image: 'checkout:1', memory: 128 }],
      }),
    );
    for (const [serviceName, targetGroupArn] of [
      ['checkout-blue', other],
      ['checkout-green', green],
    ] as const) {
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'checkout',
          serviceName,
          taskDefinition: taskDefinition!.taskDefinitionArn!,
          desiredCount: 1,
          loadBalancers: [{ targetGroupArn, containerName: 'app', containerPort: 80 }],
        }),
      );
    }

    // ECR: the repository exists, without scan-on-push.
    await new ECRClient(cc).send(
      new CreateRepositoryCommand({
        repositoryName: 'checkout',
        imageScanningConfiguration: { scanOnPush: false },
      }),
    );

    // CloudWatch: checkout-5xx is already in ALARM; checkout-latency does not exist.
    const cloudwatch = new CloudWatchClient(cc);
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'checkout-5xx',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HTTPCode_Target_5XX_Count',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: 'checkout-5xx',
        StateValue: 'ALARM',
        StateReason: 'Threshold Crossed',
      }),
    );

    // Secrets: all but slack-signing; the deploy renamed github-webhook (secretNames), so only
    // the stack's template says where it is.
    const secrets = new SecretsManagerClient(cc);
    for (const name of [WEBHOOK_SECRET, 'sluice/checkout/github-token', 'sluice/checkout/slack-bot-token'])
      await secrets.send(new CreateSecretCommand({ Name: name, SecretString: `${name}-value` }));

    // SQS: two events in the alarm and guard dead-letter queue, 40 min old by the CloudWatch metric
    // (moto accepts PutMetricData in AWS/SQS, which AWS reserves for SQS itself); the notifier's is empty.
    const sqs = new SQSClient(cc);
    const queueUrl = async (QueueName: string) =>
      (await sqs.send(new CreateQueueCommand({ QueueName }))).QueueUrl!;
    const deadLetters = await queueUrl('Sluice-checkout-DeadLetterQueue');
    const notifierDeadLetters = await queueUrl('Sluice-checkout-NotifierDeadLetters');
    const clickDeadLetters = await queueUrl('Sluice-checkout-ClickDeadLetters');
    for (const body of ['{"detail-type":"CloudWatch Alarm State Change"}', '{"requestContext":{}}'])
      await sqs.send(new SendMessageCommand({ QueueUrl: deadLetters, MessageBody: body }));
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/SQS',
        MetricData: [
          {
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: 'Sluice-checkout-DeadLetterQueue' }],
            Timestamp: new Date(Date.now() - 60_000),
            Value: 2400,
            Unit: 'Seconds',
          },
        ],
      }),
    );

    // Step Functions: the release state machine; the pipeline's output names one that is gone.
    const { stateMachineArn } = await new SFNClient(cc).send(
      new CreateStateMachineCommand({
        name: 'release',
        roleArn: 'arn:aws:iam::123456789012:role/sfn',
        // The local file with ARNs substituted, as the stack deploys it.
        definition: localDefinition('release'),
      }),
    );
    await createReleaseTable(new DynamoDBClient(cc), 'sluice-releases');

    // CloudFormation: a stack with Sluice's outputs.
    const outputs = {
      StateMachineArn: stateMachineArn!,
      PipelineStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:gone',
      ReleaseTableName: 'sluice-releases',
      ConfigDigest: configDigest(config),
      GithubWebhookUrl: WEBHOOK_URL,
      DeadLetterQueueUrl: deadLetters,
      NotifierDeadLetterQueueUrl: notifierDeadLetters,
      ClickDeadLetterQueueUrl: clickDeadLetters,
    };
    // CloudFormation: the safety net's functions and rules under the logical ids the CDK gives them
    // (AlarmRollback/AlarmStateRule → AlarmRollbackAlarmStateRule<hash>); the execution rule is
    // DISABLED and the alarm rule matches checkout-5xx only.
    const fn = (variables: Record<string, string>) => ({
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
        Code: { ZipFile: 'exports.handler = async () => undefined;' },
        Environment: { Variables: variables },
      },
    });
    const target = (logicalId: string) => [{ Id: 'Target0', Arn: { 'Fn::GetAtt': [logicalId, 'Arn'] } }];
    await new CloudFormationClient(cc).send(
      new CreateStackCommand({
        StackName: 'sluice-checkout',
        Capabilities: ['CAPABILITY_IAM'],
        TemplateBody: JSON.stringify({
          Resources: {
            FunctionRole: {
              Type: 'AWS::IAM::Role',
              Properties: {
                AssumeRolePolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Principal: { Service: 'lambda.amazonaws.com' },
                      Action: 'sts:AssumeRole',
                    },
                  ],
                },
              },
            },
            AlarmRollbackAlarmRollbackFunction3C2A9F6E: fn({
              SLUICE_GITHUB_WEBHOOK_SECRET_NAME: WEBHOOK_SECRET,
              SLUICE_GITHUB_TOKEN_SECRET_NAME: 'sluice/checkout/github-token',
              SLUICE_SLACK_SIGNING_SECRET_NAME: 'sluice/checkout/slack-signing',
              SLUICE_SLACK_BOT_TOKEN_SECRET_NAME: 'sluice/checkout/slack-bot-token',
            }),
            AlarmRollbackReleaseGuardFunction0B1D7E44: fn({}),
            AlarmRollbackAlarmStateRule5F0E0C2B: {
              Type: 'AWS::Events::Rule',
              Properties: {
                State: 'ENABLED',
                EventPattern: {
                  source: ['aws.cloudwatch'],
                  'detail-type': ['CloudWatch Alarm State Change'],
                  detail: { alarmName: ['checkout-5xx'], state: { value: ['ALARM'] } },
                },
                Targets: target('AlarmRollbackAlarmRollbackFunction3C2A9F6E'),
              },
            },
            AlarmRollbackExecutionEndedRuleA1B2C3D4: {
              Type: 'AWS::Events::Rule',
              Properties: {
                State: 'DISABLED',
                EventPattern: {
                  source: ['aws.states'],
                  'detail-type': ['Step Functions Execution Status Change'],
                },
                Targets: target('AlarmRollbackReleaseGuardFunction0B1D7E44'),
              },
            },
          },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
        }),
      }),
    );

    // GitHub REST "List repository webhooks": the hook misses check_run.
    github = await loopback((path) => {
      // GitHub REST "List branches" and "List check runs for a Git reference": `test` came from another app.
      if (path === '/repos/acme/checkout/branches')
        return [
          { name: 'feature/x', commit: { sha: 'a'.repeat(40) } },
          { name: 'release/1.4', commit: { sha: RELEASE_SHA } },
        ];
      if (path === `/repos/acme/checkout/commits/${RELEASE_SHA}/check-runs`)
        return {
          total_count: 2,
          check_runs: [
            { name: 'build', app: { id: 15368 } },
            { name: 'test', app: { id: 4242 } },
          ],
        };
      return path === '/repos/acme/checkout/hooks'
        ? [
            {
              id: 1,
              active: true,
              events: ['push', 'check_suite'],
              config: { url: WEBHOOK_URL, content_type: 'json' },
              last_response: { code: 200, status: 'active', message: 'OK' },
            },
          ]
        : { message: 'Not Found' };
    });
    // Slack Web API: the bot exists; conversations.info says it is not a member of the channel.
    slack = await loopback((path) => {
      if (path.endsWith('/auth.test')) return { ok: true, user_id: 'UBOT', team: 'Acme' };
      if (path.endsWith('/conversations.info'))
        return { ok: true, channel: { id: 'C0RELEASES', is_member: false } };
      if (path.endsWith('/users.info')) return { ok: true, user: { id: 'U024BE7LH', deleted: false } };
      return { ok: false, error: 'unknown_method' };
    });

    report = await awsDoctor(config, {
      stack: 'sluice-checkout',
      clientConfig: cc,
      githubApiUrl: github.url,
      slackApiUrl: `${slack.url}/api/`,
    });
  }, 60_000);

  afterAll(async () => {
    for (const api of [github, slack]) {
      api?.server.closeAllConnections();
      api?.server.close();
    }
    await moto?.stop();
  });

  const staging = () => report.environments[0]!.checks;

  it('fails the listener whose forward action lists a group other than green', () => {
    expect(check(staging(), 'listener')).toMatchObject({
      status: 'fail',
      fix: 'make the forward action list the two configured target groups and no other (ForwardConfig.TargetGroups)',
    });
  });

  it("fails group stickiness (3600 s) longer than the watch, read from the listener's ForwardConfig", () => {
    const stickiness = check(staging(), 'stickiness');

    expect(stickiness.status).toBe('fail');
    expect(stickiness.detail).toContain('group stickiness 3600s outlasts the watch (300s)');
    expect(stickiness.fix).toMatch(/DurationSeconds to at most the watch/);
  });

  it("fails the blue service behind another load balancer's group", () => {
    expect(check(staging(), 'ecs:blue')).toMatchObject({
      status: 'fail',
      fix: 'attach checkout-blue to the blue target group (its loadBalancers), or swap deploy.services',
    });
    expect(check(staging(), 'ecs:green').status).toBe('ok');
    expect(check(staging(), 'ecs:passRoles').status).toBe('ok');
  });

  it('fails the ECR repository without scan-on-push (the config gates on HIGH findings)', () => {
    expect(check(staging(), 'ecr')).toMatchObject({
      status: 'fail',
      fix: 'aws ecr put-image-scanning-configuration --repository-name checkout --image-scanning-configuration scanOnPush=true',
    });
  });

  it('warns about the alarm already in ALARM and fails the alarm CloudWatch does not return', () => {
    expect(check(staging(), 'alarm:checkout-5xx:state')).toMatchObject({
      status: 'warn',
      fix: 'resolve what checkout-5xx reports, or fix its threshold, before releasing',
    });
    expect(check(staging(), 'alarm:checkout-latency').status).toBe('fail');
  });

  it('fails the missing secret and the missing pipeline state machine; reads the caller and the config digest', () => {
    expect(check(report.global, 'secret:slack-signing')).toMatchObject({
      status: 'fail',
      detail: 'sluice/checkout/slack-signing does not exist',
    });
    expect(check(report.global, 'secret:github-token').status).toBe('ok');
    expect(check(report.global, 'stateMachine:release')).toMatchObject({
      status: 'ok',
      detail: 'the release state machine is ACTIVE, its definition as in the local file',
    });
    expect(check(report.global, 'stateMachine:pipeline').status).toBe('fail');
    expect(check(report.global, 'caller').detail).toMatch(/^running as arn:aws:sts::123456789012:/);
    expect(check(report.global, 'config').status).toBe('ok');
  });

  it('reads the secret names from the stack template, so a renamed secret is checked where it is', () => {
    expect(check(report.global, 'secret:github-webhook')).toMatchObject({
      status: 'ok',
      detail: `${WEBHOOK_SECRET} has a current value`,
    });
    expect(check(report.global, 'secret:names').detail).toMatch(/^secret names from the stack's template/);
  });

  it('fails the alarm dead-letter queue holding 2 messages, with the age of the oldest; passes the empty notifier queue', () => {
    // SQS GetQueueAttributes ApproximateNumberOfMessages; the age is CloudWatch's AWS/SQS
    // ApproximateAgeOfOldestMessage (SQS Developer Guide, "Available CloudWatch metrics").
    expect(check(report.global, 'deadLetters:alarm')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^2 messages in \S+Sluice-checkout-DeadLetterQueue; the oldest is 40 min old: .* a release may not have been rolled back$/,
      ),
      fix: expect.stringContaining('aws sqs receive-message --queue-url'),
    });
    expect(check(report.global, 'deadLetters:notifier').status).toBe('ok');
    expect(check(report.global, 'deadLetters:clicks').status).toBe('ok');
  });

  it('fails the disabled execution rule and the alarm the rules do not match; passes the alarm rule on its function', () => {
    // EventBridge DescribeRule (State, EventPattern) and ListTargetsByRule (Arn), named by the
    // stack's resources (CloudFormation ListStackResources: a rule's physical id is its name).
    expect(check(report.global, 'rule:alarm')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(
        /^sluice-checkout-AlarmRollbackAlarmStateRule5F0E0C2B-\w+ is ENABLED and targets the alarm-rollback function$/,
      ),
    });
    const executionRule = check(report.global, 'rule:executionEnded');
    expect(executionRule.status).toBe('fail');
    expect(executionRule.fix).toMatch(
      /^aws events enable-rule --name sluice-checkout-AlarmRollbackExecutionEndedRuleA1B2C3D4-\w+$/,
    );
    expect(check(report.global, 'rule:alarms')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('no alarm-state rule of the stack matches checkout-latency'),
    });
  });

  it("fails the live service's desired count below minHealthyTargets", () => {
    expect(check(staging(), 'ecs:blue:count')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('wants 1 task, fewer than minHealthyTargets (2)'),
      fix: 'aws ecs update-service --cluster checkout --service checkout-blue --desired-count 2, or lower minHealthyTargets of staging',
    });
  });

  it('fails the webhook not subscribed to check_run, read with the github-token secret', () => {
    expect(github.paths).toContain('/repos/acme/checkout/hooks');
    expect(check(report.global, 'github:webhook')).toMatchObject({
      status: 'fail',
      fix: 'subscribe it to check_run ("Let me select individual events")',
    });
  });

  it("fails a required check created by another app than checks.appId, on a release branch's head", () => {
    expect(github.paths).toContain(`/repos/acme/checkout/commits/${RELEASE_SHA}/check-runs`);
    expect(check(report.global, 'github:checks')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(
        'on release/1.4@bbbbbbb, test (from app 4242) did not come from checks.appId 15368',
      ),
      fix: 'set checks.appId to the app that creates the required checks, or create them from that app',
    });
  });

  it('fails Slack channel membership (conversations.info is_member false)', () => {
    expect(check(report.global, 'slack:auth').status).toBe('ok');
    expect(check(report.global, 'slack:channel:C0RELEASES')).toMatchObject({
      status: 'fail',
      fix: 'invite it: /invite @<your Sluice app> in C0RELEASES',
    });
    expect(check(report.global, 'slack:approver:U024BE7LH').status).toBe('ok');
    expect(doctorExitCode(report)).toBe(1);
  });

  describe('Command: sluice doctor --stack', () => {
    const saved = { ...process.env };
    let file: string;

    beforeAll(async () => {
      // The CLI builds its clients from the environment, as a user's shell does.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
      });
      // Another service without Slack: its secrets do not exist, so nothing reaches GitHub or Slack.
      const doc = {
        ...exampleDocument(),
        service: 'other',
        environments: [{ ...structuredClone(config.environments[0]), approval: { type: 'none' } }],
      };
      doc.routes = [{ branches: ['release/*'], environments: ['staging'] }];
      delete doc.embedded;
      for (const env of doc.environments) {
        Object.assign(env, {
          watch: `${env.watch}s`,
          soak: `${env.soak}s`,
          steps: env.steps.map((s: { weight: number; bake: number }) => ({
            weight: s.weight,
            bake: `${s.bake}s`,
          })),
        });
        delete env.insufficientData;
        delete env.deploy.timeout;
      }
      file = join(mkdtempSync(join(tmpdir(), 'sluice-doctor-')), 'sluice.config.yaml');
      writeFileSync(file, stringify(doc));
      await new CloudFormationClient(moto.clientConfig).send(
        new CreateStackCommand({
          StackName: 'sluice-other',
          TemplateBody: JSON.stringify({
            Resources: { Queue: { Type: 'AWS::SQS::Queue' } },
            Outputs: {
              StateMachineArn: { Value: 'arn:aws:states:us-east-1:123456789012:stateMachine:release' },
              ConfigDigest: { Value: configDigest(deployedConfig(loadConfig(file))) },
              GithubWebhookUrl: { Value: WEBHOOK_URL },
            },
          }),
        }),
      );
    });

    afterAll(() => {
      for (const key of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'])
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
    });

    it('exits 1 and prints the issue’s JSON shape when a check fails', async () => {
      const { code, output } = await runCli('doctor', '--stack', 'sluice-other', '-c', file, '--json');

      expect(code).toBe(1);
      const report = JSON.parse(output) as DoctorReport;
      expect(Object.keys(report).sort()).toEqual(['environments', 'global']);
      expect(report.environments.map((e) => e.name)).toEqual(['staging']);
      expect(check(report.global, 'config').status).toBe('ok');
      expect(check(report.global, 'secret:github-token')).toMatchObject({
        status: 'fail',
        detail: 'sluice/other/github-token does not exist',
      });
      // Its template names no secret: the defaults, and why.
      expect(check(report.global, 'secret:names').detail).toBe(
        'secret names from the defaults sluice/other/… (the template names none)',
      );
    });

    it('exits 2 with the reason when the stack does not exist', async () => {
      const { code, output } = await runCli('doctor', '--stack', 'no-such-stack', '-c', file);

      expect(code).toBe(2);
      expect(output).toMatch(/^sluice doctor could not run: cannot read stack no-such-stack: /);
    });
  });

  it('refuses to run (exit 2) against a stack that does not exist', async () => {
    await expect(
      awsDoctor(config, { stack: 'no-such-stack', clientConfig: moto.clientConfig }),
    ).rejects.toThrow(DoctorUnavailableError);
  });
});
