import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from '../../embedded/config.js';
import { EnvironmentClients } from '../../functions/shared/aws/environment-clients.js';
import { type AccessScope, accessScope, targetStackName } from '../../functions/shared/domain/accounts.js';
import {
  AccountsError,
  functionRoleName,
  functionsReaching,
  functionsWithEnvironmentPorts,
  SESSION_TAG_KEYS,
} from '../../infra/accounts.js';
import { SluiceFunction } from '../../infra/constructs/sluice-function.js';
import { FUNCTION_PORTS, type FunctionName } from '../../infra/function-ports.js';
import { addSluice } from '../../infra/sluice-app.js';
import { SluiceTargetStack } from '../../infra/target-stack.js';
import { type AuthRequest, authorize, evaluate, type Statement } from '../support/iam/evaluator.js';
import { PASS_THROUGH, recordSdkCalls } from '../support/iam/sdk-recorder.js';
import { type CfnResource, functionStatements, TemplateResolver } from '../support/iam/template.js';
import { describeWithTool } from '../support/tools.js';

/**
 * Environments in their own accounts (issue 19), held to IAM's own evaluation: the fixture's
 * staging, prod and perf live in accounts 333333333333, 222222222222 and 444444444444; Sluice
 * runs in 123456789012. Trust, identity and event bus policies of the synthesized templates are
 * evaluated with the IAM contract test's evaluator (test/support/iam/evaluator.ts), each rule
 * of which iam-evaluator.test.ts holds to the IAM User Guide.
 */

const root = new URL('../..', import.meta.url).pathname;
const FIXTURE = join(root, 'test/fixtures/accounts/sluice.config.yaml');
const DELIVERY = { account: '123456789012', region: 'us-east-1' };
const OPERATORS = 'arn:aws:iam::123456789012:role/SluiceOperators';

const config = loadConfig(FIXTURE);

// One synth for the file, bundling skipped; cdk-nag is run per stack below.
const app = new App({
  outdir: mkdtempSync(join(tmpdir(), 'sluice-cdk-')),
  context: {
    'aws:cdk:bundling-stacks': [],
    'sluice:deliveryAccount': DELIVERY.account,
    'sluice:deliveryRegion': DELIVERY.region,
    'sluice:operatorPrincipalArns': OPERATORS,
  },
});
const delivery = addSluice(app, { config, nag: false });
const targets = app.node.children.filter((c): c is SluiceTargetStack => c instanceof SluiceTargetStack);
const assembly = app.synth();
const resourcesOf = (stack: Stack) =>
  assembly.getStackByName(stack.stackName).template.Resources as Record<string, CfnResource>;
const resolverOf = (stack: Stack) =>
  new TemplateResolver(resourcesOf(stack), {
    partition: 'aws',
    region: stack.region,
    account: stack.account,
    stackName: stack.stackName,
  });

const deliveryResources = resourcesOf(delivery);
const deliveryResolver = resolverOf(delivery);
const functionIds = new Map<FunctionName, string>(
  delivery.node
    .findAll()
    .filter((c): c is SluiceFunction => c instanceof SluiceFunction)
    .map((fn) => [
      fn.node.id.replace(/Function$/, '') as FunctionName,
      Stack.of(fn).getLogicalId(fn.function.node.defaultChild as CfnElement),
    ]),
);
const names = Object.keys(FUNCTION_PORTS) as FunctionName[];

/** A delivery function as IAM sees it: its role's ARN (what aws:PrincipalArn holds) and its identity policy. */
function caller(name: FunctionName) {
  const logicalId = functionIds.get(name)!;
  const fn = deliveryResources[logicalId]!;
  const arn = deliveryResolver.resolve(fn.Properties.Role) as string;
  return {
    principal: { arn, account: DELIVERY.account },
    identity: functionStatements(deliveryResources, deliveryResolver, logicalId),
  };
}

const target = (env: string) => {
  const stack = targets.find((t) => t.stackName === targetStackName('checkout', env));
  if (!stack) throw new Error(`no target stack for ${env}`);
  const resources = resourcesOf(stack);
  const resolver = resolverOf(stack);
  const roleId = stack.getLogicalId(stack.role!.node.defaultChild as CfnElement);
  const role = resources[roleId]!;
  const roleArn = `arn:aws:iam::${stack.account}:role/${role.Properties.RoleName}`;
  const trust = resolver.resolve(role.Properties.AssumeRolePolicyDocument.Statement) as Statement[];
  const permissions = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((r) => resolver.resolve(r.Properties.PolicyDocument.Statement) as Statement[]);
  return { stack, resources, resolver, roleArn, trust, permissions };
};

const envNamed = (name: string) => config.environments.find((e) => e.name === name)!;
const PROD_EXTERNAL_ID = 'sluice-checkout-prod-7f3a';
const sessionTags = (env: string) => ({
  'aws:TagKeys': [...SESSION_TAG_KEYS],
  'aws:RequestTag/sluice:environment': env,
  'aws:RequestTag/sluice:release': 'checkout-prod-a1b2c3d',
});

/** An STS call on the environment's role, decided as IAM decides a cross-account AssumeRole. */
function sts(
  env: ReturnType<typeof target>,
  who: { principal: { arn: string; account: string }; identity: Statement[] },
  action: 'sts:AssumeRole' | 'sts:TagSession' | 'sts:SetSourceIdentity',
  context: AuthRequest['context'] = {},
) {
  return authorize(
    {
      identity: who.identity,
      resourcePolicy: env.trust,
      resourceAccount: env.stack.account,
      resourcePolicyRequired: true,
    },
    { action, resource: env.roleArn, principal: who.principal, context },
  ).allowed;
}

describe('Stacks: one delivery stack and a target stack per environment in its own account', () => {
  it('synthesizes Sluice-checkout in the delivery account and SluiceTarget-checkout-<env> in each account', () => {
    expect(delivery.account).toBe(DELIVERY.account);
    expect(delivery.region).toBe(DELIVERY.region);
    expect(
      targets
        .map((t) => [t.stackName, t.account, t.region])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['SluiceTarget-checkout-perf', '444444444444', 'us-west-2'],
      ['SluiceTarget-checkout-prod', '222222222222', 'us-east-1'],
      ['SluiceTarget-checkout-staging', '333333333333', 'us-east-1'],
    ]);
  });

  it.each([
    'Sluice-checkout',
    'SluiceTarget-checkout-prod',
    'SluiceTarget-checkout-staging',
    'SluiceTarget-checkout-perf',
  ])('%s has no unacknowledged cdk-nag finding (AwsSolutions, Serverless)', (name) => {
    const stack = [delivery, ...targets].find((s) => s.stackName === name)!;
    for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
      const report = pack.validateScope(stack);
      expect(
        report.violations.map(
          (v) =>
            `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId).join(', ')}`,
        ),
      ).toEqual([]);
    }
  });

  it('refuses to synthesize without the delivery account: the trust policies would name nobody', () => {
    const bare = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => addSluice(bare, { config, nag: false })).toThrow(AccountsError);
    expect(() => addSluice(bare, { config, nag: false })).toThrow(/sluice:deliveryAccount/);
  });

  it('refuses an environment whose ARNs are outside its account or region, naming each', () => {
    const prod = envNamed('prod');
    const astray = {
      ...config,
      environments: config.environments.map((env) =>
        env === prod
          ? {
              ...env,
              targetGroups: {
                ...env.targetGroups,
                green: env.targetGroups.green.replace('222222222222', '555555555555'),
              },
            }
          : env,
      ),
    };
    const other = new App({
      context: {
        'aws:cdk:bundling-stacks': [],
        'sluice:deliveryAccount': DELIVERY.account,
        'sluice:deliveryRegion': DELIVERY.region,
      },
    });
    expect(() => addSluice(other, { config: astray, nag: false })).toThrow(
      /environments\.prod lives in 222222222222\/us-east-1, but these are elsewhere:\n {2}environments\.prod\.targetGroups\.green: arn:aws:elasticloadbalancing:us-east-1:555555555555:targetgroup\/checkout-prod-green/,
    );
  });

  it('gives the functions that hold environment ports fixed role names the target stacks name', () => {
    for (const name of functionsWithEnvironmentPorts()) {
      expect(caller(name).principal.arn).toBe(
        `arn:aws:iam::123456789012:role/${functionRoleName('checkout', 'us-east-1', name)}`,
      );
    }
    const long = functionRoleName('a'.repeat(40), 'ap-southeast-2', 'SlackInteractions');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(functionRoleName('a'.repeat(40), 'ap-southeast-1', 'SlackInteractions'));
  });
});

describe('Trust policy of an environment role (sts:AssumeRole across accounts)', () => {
  const prod = target('prod');
  const staging = target('staging');
  const perf = target('perf');

  // IAM User Guide, cross-account policy evaluation logic: the caller's identity policy must
  // allow sts:AssumeRole on the role, and the role's trust policy must allow the caller.
  it('admits exactly the functions holding the environment ports, each of every environment it serves', () => {
    for (const [env, spec] of [
      [prod, envNamed('prod')],
      [staging, envNamed('staging')],
      [perf, envNamed('perf')],
    ] as const) {
      const context: Record<string, string> = env === prod ? { 'sts:ExternalId': PROD_EXTERNAL_ID } : {};
      const admitted = names.filter((name) => sts(env, caller(name), 'sts:AssumeRole', context));
      // The rule, stated here on its own: the ELBv2 ports always touch the environment; the
      // alarms, metrics, deployer/serviceScaler and artifacts ports only where it has alarms, an
      // analysis, an ECS deploy, an image.
      const touches = (port: string) =>
        port === 'trafficReader' ||
        port === 'trafficRouter' ||
        (port === 'alarms' && spec.alarms.length > 0) ||
        (port === 'metrics' && spec.analysis !== undefined) ||
        ((port === 'deployer' || port === 'serviceScaler') && spec.deploy.provider === 'ecs') ||
        (port === 'artifacts' && spec.artifact !== undefined);
      const expected = names.filter((name) => (FUNCTION_PORTS[name] as readonly string[]).some(touches));
      expect(admitted.sort()).toEqual(expected.sort());
      expect(functionsReaching(spec).sort()).toEqual(expected.sort());
      expect(admitted.length).toBeGreaterThan(0);
    }
  });

  it('keeps every function without the environment ports out, even one granted sts:AssumeRole on *', () => {
    const unlimited: Statement[] = [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }];
    const without = names.filter((name) => !functionsReaching(envNamed('perf')).includes(name));
    // CheckAlarms holds the alarms port, and perf watches no alarms: it has none of perf's ports.
    expect(without).toContain('CheckAlarms');
    expect(without).toContain('RecordRelease');
    for (const name of without) {
      const fn = caller(name);
      expect(sts(perf, fn, 'sts:AssumeRole')).toBe(false);
      expect(sts(perf, { ...fn, identity: unlimited }, 'sts:AssumeRole')).toBe(false);
    }
    // ...while CheckAlarms does reach prod, whose alarms it judges.
    expect(sts(prod, caller('CheckAlarms'), 'sts:AssumeRole', { 'sts:ExternalId': PROD_EXTERNAL_ID })).toBe(
      true,
    );
  });

  it('admits no other principal of the delivery account, nor a same-named role in another account', () => {
    const unlimited: Statement[] = [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }];
    const shift = caller('ShiftTraffic');
    const impostors = [
      { arn: 'arn:aws:iam::123456789012:role/admin', account: '123456789012' },
      { arn: 'arn:aws:iam::123456789012:root', account: '123456789012' },
      { arn: shift.principal.arn.replace('123456789012', '999999999999'), account: '999999999999' },
      // Sluice in the same account but another region has other role names.
      {
        arn: `arn:aws:iam::123456789012:role/${functionRoleName('checkout', 'eu-west-1', 'ShiftTraffic')}`,
        account: '123456789012',
      },
    ];
    for (const principal of impostors) {
      expect(sts(staging, { principal, identity: unlimited }, 'sts:AssumeRole')).toBe(false);
      expect(
        sts(prod, { principal, identity: unlimited }, 'sts:AssumeRole', {
          'sts:ExternalId': PROD_EXTERNAL_ID,
        }),
      ).toBe(false);
    }
    // Never the bare account root: every statement that names an account narrows it to role ARNs.
    for (const statement of [...prod.trust, ...staging.trust, ...perf.trust]) {
      expect(statement.Condition?.ArnEquals?.['aws:PrincipalArn']).toBeDefined();
    }
  });

  // sts:ExternalId (IAM User Guide, "Access to AWS accounts owned by third parties"): when the
  // config sets one, the trust requires it, and only that value.
  it('requires the ExternalId where the config sets one', () => {
    const shift = caller('ShiftTraffic');
    expect(sts(prod, shift, 'sts:AssumeRole', { 'sts:ExternalId': PROD_EXTERNAL_ID })).toBe(true);
    expect(sts(prod, shift, 'sts:AssumeRole')).toBe(false);
    expect(sts(prod, shift, 'sts:AssumeRole', { 'sts:ExternalId': 'guessed' })).toBe(false);
    expect(sts(staging, shift, 'sts:AssumeRole')).toBe(true);
  });

  // "Pass session tags in AWS STS": the trust policy must allow sts:TagSession; aws:TagKeys and
  // aws:RequestTag hold the tags of the request.
  it('allows only the sluice session tags, with the environment tag naming this environment', () => {
    const shift = caller('ShiftTraffic');
    expect(sts(prod, shift, 'sts:TagSession', sessionTags('prod'))).toBe(true);
    expect(sts(prod, shift, 'sts:TagSession', sessionTags('staging'))).toBe(false);
    expect(
      sts(prod, shift, 'sts:TagSession', {
        ...sessionTags('prod'),
        'aws:TagKeys': [...SESSION_TAG_KEYS, 'team'],
      }),
    ).toBe(false);
    expect(sts(perf, caller('CheckAlarms'), 'sts:TagSession', sessionTags('perf'))).toBe(false);
  });

  // sts:SetSourceIdentity must be allowed by the trust policy for a session that carries one;
  // an operator's AssumeRole requires it (sts:SourceIdentity present).
  it('lets the functions and the operators set a source identity, and makes operators name themselves', () => {
    const operator = { principal: { arn: OPERATORS, account: '123456789012' }, identity: [] as Statement[] };
    operator.identity = [
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: prod.roleArn },
    ];
    expect(sts(prod, caller('Rollback'), 'sts:SetSourceIdentity', { 'sts:SourceIdentity': 'alice' })).toBe(
      true,
    );
    expect(sts(prod, operator, 'sts:SetSourceIdentity', { 'sts:SourceIdentity': 'alice' })).toBe(true);
    expect(
      sts(prod, operator, 'sts:AssumeRole', {
        'sts:ExternalId': PROD_EXTERNAL_ID,
        'sts:SourceIdentity': 'alice',
      }),
    ).toBe(true);
    expect(sts(prod, operator, 'sts:AssumeRole', { 'sts:ExternalId': PROD_EXTERNAL_ID })).toBe(false);
  });
});

// The IAM contract's drive for STS: the AssumeRole that functions/shared/aws/environment-clients.ts
// sends, recorded as the SDK sends it, decided against the synthesized identity and trust policies.
// (iam-contract.test.ts synthesizes the single-account example, where no function assumes a role.)
describe('The AssumeRole the environment clients send, as IAM decides it', () => {
  /** The calls an environment client makes to get its credentials, STS answered in place of AWS. */
  async function credentialCalls(scope: AccessScope) {
    const clients = new EnvironmentClients({
      config: () => config,
      base: { region: 'us-east-1', credentials: { accessKeyId: 'contract', secretAccessKey: 'contract' } },
    });
    const recording = recordSdkCalls((call) =>
      call.command === 'AssumeRole'
        ? {
            Credentials: {
              AccessKeyId: 'ASIACONTRACT',
              SecretAccessKey: 'contract',
              SessionToken: 'contract',
              Expiration: new Date(Date.now() + 3_600_000),
            },
          }
        : PASS_THROUGH,
    );
    try {
      const elb = clients.client(ElasticLoadBalancingV2Client, scope);
      await (elb.config.credentials as () => Promise<unknown>)();
    } finally {
      recording.stop();
    }
    return recording.calls;
  }

  /** What IAM evaluates for one AssumeRole request ("Pass session tags in AWS STS", "sts:SourceIdentity"). */
  function requestOf(input: AssumeRoleCommandInput) {
    const context: AuthRequest['context'] = {
      ...(input.ExternalId ? { 'sts:ExternalId': input.ExternalId } : {}),
      ...(input.SourceIdentity ? { 'sts:SourceIdentity': input.SourceIdentity } : {}),
      ...(input.Tags?.length ? { 'aws:TagKeys': input.Tags.map((t) => t.Key ?? '') } : {}),
      ...Object.fromEntries((input.Tags ?? []).map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ''])),
    };
    const actions = [
      'sts:AssumeRole' as const,
      ...(input.Tags?.length ? (['sts:TagSession'] as const) : []),
      ...(input.SourceIdentity ? (['sts:SetSourceIdentity'] as const) : []),
    ];
    return { context, actions };
  }

  it("is allowed for each function holding the environment's ports, and for no other", async () => {
    for (const name of ['prod', 'staging', 'perf']) {
      const env = target(name);
      const calls = await credentialCalls(accessScope(name, `checkout-${name}-a1b2c3d`));

      expect(calls.map((c) => `${c.service}:${c.command}`)).toEqual(['STS:AssumeRole']);
      const input = calls[0]!.input as unknown as AssumeRoleCommandInput;
      expect(input).toMatchObject({ RoleArn: env.roleArn, RoleSessionName: `checkout-${name}-a1b2c3d` });
      const { context, actions } = requestOf(input);
      expect(actions).toContain('sts:TagSession');
      const reaching = functionsReaching(envNamed(name));
      for (const fn of names) {
        for (const action of actions) {
          expect([fn, action, sts(env, caller(fn), action, context)]).toEqual([
            fn,
            action,
            reaching.includes(fn),
          ]);
        }
      }
    }
  });

  it("carries prod's ExternalId and the human actor as SourceIdentity, both admitted by prod's trust", async () => {
    const prod = target('prod');
    const calls = await credentialCalls(
      accessScope(
        'prod',
        'checkout-prod-a1b2c3d',
        'arn:aws:sts::123456789012:assumed-role/Admin/alice@acme.com',
      ),
    );

    const input = calls[0]!.input as unknown as AssumeRoleCommandInput;
    expect(input).toMatchObject({ ExternalId: PROD_EXTERNAL_ID, SourceIdentity: 'alice@acme.com' });
    const { context, actions } = requestOf(input);
    expect(actions).toEqual(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);
    for (const action of actions) expect(sts(prod, caller('Rollback'), action, context)).toBe(true);
  });
});

describe('Identity policies of the delivery functions', () => {
  const prod = target('prod');
  const staging = target('staging');
  const perf = target('perf');
  const roles = [prod.roleArn, staging.roleArn, perf.roleArn];

  it('let each function assume exactly the roles of the environments whose ports it holds', () => {
    for (const name of names) {
      const { identity } = caller(name);
      const reachable = roles.filter(
        (role) =>
          evaluate(identity, { action: 'sts:AssumeRole', resource: role }).allowed &&
          evaluate(identity, { action: 'sts:TagSession', resource: role }).allowed,
      );
      const expected = [
        ...(functionsReaching(envNamed('prod')).includes(name) ? [prod.roleArn] : []),
        ...(functionsReaching(envNamed('staging')).includes(name) ? [staging.roleArn] : []),
        ...(functionsReaching(envNamed('perf')).includes(name) ? [perf.roleArn] : []),
      ];
      expect({ name, reachable }).toEqual({ name, reachable: expected });
      expect(
        evaluate(identity, { action: 'sts:AssumeRole', resource: 'arn:aws:iam::222222222222:role/admin' })
          .allowed,
      ).toBe(false);
    }
  });

  it('grant nothing in the delivery account on a remote environment: calls go through its role', () => {
    const prodListener = envNamed('prod').listenerArn;
    expect(
      evaluate(caller('ShiftTraffic').identity, {
        action: 'elasticloadbalancing:ModifyListener',
        resource: prodListener,
      }).allowed,
    ).toBe(false);
    expect(
      evaluate(caller('ShiftTraffic').identity, {
        action: 'elasticloadbalancing:ModifyListener',
        resource: envNamed('dev').listenerArn,
      }).allowed,
    ).toBe(true);
  });
});

describe("An environment role's permissions: the single-account grants, on its own resources only", () => {
  const prod = target('prod');
  const may = (action: string, resource: string, context?: Record<string, string>) =>
    evaluate(prod.permissions, { action, resource, ...(context ? { context } : {}) }).allowed;

  it("shifts, deploys and reads prod's resources, and nothing of another environment's", () => {
    const env = envNamed('prod');
    expect(may('elasticloadbalancing:ModifyListener', env.listenerArn)).toBe(true);
    expect(may('elasticloadbalancing:ModifyListener', envNamed('staging').listenerArn)).toBe(false);
    expect(
      may(
        'ecs:UpdateService',
        'arn:aws:ecs:us-east-1:222222222222:service/checkout-prod/checkout-prod-green',
      ),
    ).toBe(true);
    expect(may('ecs:UpdateService', 'arn:aws:ecs:us-east-1:222222222222:service/other/other')).toBe(false);
    expect(may('ecr:DescribeImages', 'arn:aws:ecr:us-east-1:222222222222:repository/checkout')).toBe(true);
    expect(may('cloudwatch:DescribeAlarms', '*')).toBe(true);
    expect(
      may('iam:PassRole', 'arn:aws:iam::222222222222:role/checkout-prod-task', {
        'iam:PassedToService': 'ecs-tasks.amazonaws.com',
      }),
    ).toBe(true);
    expect(
      may('iam:PassRole', 'arn:aws:iam::222222222222:role/admin', {
        'iam:PassedToService': 'ecs-tasks.amazonaws.com',
      }),
    ).toBe(false);
  });

  it("lets an admitted operator's doctor read prod's target groups, cluster, repository and registry scanning, read-only", () => {
    // `sluice doctor --stack` reads an environment in another account through its role (#19).
    expect(may('elasticloadbalancing:DescribeTargetGroups', '*')).toBe(true);
    expect(may('ecs:DescribeClusters', 'arn:aws:ecs:us-east-1:222222222222:cluster/checkout-prod')).toBe(
      true,
    );
    expect(may('ecs:DescribeClusters', 'arn:aws:ecs:us-east-1:222222222222:cluster/other')).toBe(false);
    expect(may('ecr:DescribeRepositories', 'arn:aws:ecr:us-east-1:222222222222:repository/checkout')).toBe(
      true,
    );
    expect(may('ecr:DescribeRepositories', 'arn:aws:ecr:us-east-1:222222222222:repository/other')).toBe(
      false,
    );
    expect(may('ecr:GetRegistryScanningConfiguration', '*')).toBe(true);
  });

  it('holds none of the doctor’s reads where no operator is admitted', () => {
    const alone = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const env = envNamed('prod');
    const stack = new SluiceTargetStack(alone, 'SluiceTarget-checkout-prod', {
      config,
      environment: env,
      account: env.account!,
      delivery: DELIVERY,
      env: { account: '222222222222', region: 'us-east-1' },
    });
    const actions = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((r) =>
      (r.Properties.PolicyDocument.Statement as Statement[]).flatMap((st) => [st.Action ?? []].flat()),
    );
    expect(actions).toContain('elasticloadbalancing:ModifyListener');
    expect(actions).not.toContain('elasticloadbalancing:DescribeTargetGroups');
    expect(actions).not.toContain('ecs:DescribeClusters');
    expect(actions).not.toContain('ecr:DescribeRepositories');
  });

  it('holds no ECS, ECR or CloudWatch permission where the environment uses none', () => {
    const perf = target('perf');
    const actions = perf.permissions.flatMap((s) => [s.Action ?? []].flat());
    expect(actions.filter((a) => !a.startsWith('elasticloadbalancing:'))).toEqual([]);
  });
});

describe('Alarm events: forwarded from each target account, admitted by the delivery bus from those only', () => {
  const bus = `arn:aws:events:us-east-1:${DELIVERY.account}:event-bus/default`;
  const busPolicy = Object.values(deliveryResources)
    .filter((r) => r.Type === 'AWS::Events::EventBusPolicy')
    .map((r) => deliveryResolver.resolve(r.Properties.Statement) as Statement);
  const alarmEvent = {
    'events:detail-type': ['CloudWatch Alarm State Change'],
    'events:source': ['aws.cloudwatch'],
  };

  /** PutEvents on the delivery bus by the forwarder role of a target stack (EventBridge assumes it). */
  const put = (
    env: ReturnType<typeof target> | undefined,
    principal: { arn: string; account: string },
    context = alarmEvent,
  ) =>
    authorize(
      {
        identity: env
          ? Object.values(env.resources)
              .filter((r) => r.Type === 'AWS::IAM::Policy')
              .filter((r) =>
                (r.Properties.Roles as { Ref: string }[]).some((ref) =>
                  ref.Ref.startsWith('AlarmForwarderRole'),
                ),
              )
              .flatMap((r) => env.resolver.resolve(r.Properties.PolicyDocument.Statement) as Statement[])
          : [{ Effect: 'Allow', Action: 'events:*', Resource: '*' }],
        resourcePolicy: busPolicy,
        resourceAccount: DELIVERY.account,
      },
      { action: 'events:PutEvents', resource: bus, principal, context },
    ).allowed;

  it("forwards each environment's alarm state changes to the delivery bus, with a role and a dead-letter queue", () => {
    const prod = target('prod');
    const rules = Object.values(prod.resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = prod.resolver.resolve(rules[0]!.Properties);
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['checkout-prod-5xx', 'checkout-prod-p99-latency'] },
    });
    // "If the target is an event bus in a different account, you must specify a role"
    // (EventBridge user guide, permissions for event buses).
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: bus,
        RoleArn: expect.stringMatching(/^arn:aws:iam::222222222222:role\//),
        DeadLetterConfig: { Arn: expect.stringMatching(/^arn:aws:sqs:us-east-1:222222222222:/) },
      }),
    ]);
    expect(Object.values(target('perf').resources).filter((r) => r.Type === 'AWS::Events::Rule')).toEqual([]);
  });

  // EventBridge user guide, "Send events to a custom bus in a different account": the bus policy
  // admits the sender's account, narrowed by events:detail-type and events:source (multivalued).
  it('admits the alarm state changes of the target accounts that forward alarms, and nothing else', () => {
    const prod = target('prod');
    const staging = target('staging');
    const forwarder = (env: ReturnType<typeof target>) => ({
      arn: env.resolver.resolve({
        'Fn::GetAtt': [
          Object.keys(env.resources).find(
            (k) => k.startsWith('AlarmForwarderRole') && env.resources[k]!.Type === 'AWS::IAM::Role',
          )!,
          'Arn',
        ],
      }) as string,
      account: env.stack.account,
    });
    expect(put(prod, forwarder(prod))).toBe(true);
    expect(put(staging, forwarder(staging))).toBe(true);
    // perf forwards nothing (no alarms), so its account is not admitted; nor is any other.
    expect(put(undefined, { arn: 'arn:aws:iam::444444444444:role/any', account: '444444444444' })).toBe(
      false,
    );
    expect(put(undefined, { arn: 'arn:aws:iam::999999999999:role/any', account: '999999999999' })).toBe(
      false,
    );
    // Another detail-type, another source, or a batch mixing one in: refused.
    expect(
      put(prod, forwarder(prod), {
        ...alarmEvent,
        'events:detail-type': ['EC2 Instance State-change Notification'],
      }),
    ).toBe(false);
    expect(put(prod, forwarder(prod), { ...alarmEvent, 'events:source': ['acme.fake'] })).toBe(false);
    expect(
      put(prod, forwarder(prod), {
        ...alarmEvent,
        'events:detail-type': ['CloudWatch Alarm State Change', 'Something Else'],
      }),
    ).toBe(false);
    // A request without the keys cannot slip through ForAllValues (the Null condition).
    expect(put(prod, forwarder(prod), {} as typeof alarmEvent)).toBe(false);
  });
});

describeWithTool('cfn-lint', 'cfn-lint on the synthesized templates', () => {
  // The same settings as `npm run cfn-lint` in .ci/run (W3005 ignored there, for the reason given).
  it('finds nothing in the delivery stack or any target stack', () => {
    const templates = [delivery, ...targets].map((s) => join(assembly.directory, s.templateFile));
    const run = () =>
      execFileSync('cfn-lint', ['--config-file', join(root, '.cfnlintrc.yaml'), '--', ...templates], {
        encoding: 'utf8',
      });
    expect(run).not.toThrow();
  });
});
