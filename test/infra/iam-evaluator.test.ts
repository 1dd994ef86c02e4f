import { authorizationsFor, type CallContext } from '../support/iam/actions.js';
import { authorize, evaluate, principalMatches, type Statement } from '../support/iam/evaluator.js';
import { TemplateResolver } from '../support/iam/template.js';

const allow = (statement: Omit<Statement, 'Effect'>): Statement => ({ Effect: 'Allow', ...statement });
const allowed = (
  statements: Statement[],
  action: string,
  resource: string,
  context?: Record<string, string | string[]>,
) => evaluate(statements, { action, resource, ...(context ? { context } : {}) }).allowed;

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/releases';

describe('IAM evaluator, against the IAM User Guide', () => {
  describe('Policy evaluation logic', () => {
    // "By default, all requests are implicitly denied" (Policy evaluation logic).
    it('denies what no statement allows', () => {
      expect(evaluate([], { action: 'dynamodb:GetItem', resource: TABLE })).toEqual({
        allowed: false,
        reason: 'implicitDeny',
      });
      expect(
        allowed([allow({ Action: 'dynamodb:PutItem', Resource: TABLE })], 'dynamodb:GetItem', TABLE),
      ).toBe(false);
    });

    // "An explicit allow in an identity-based policy overrides this default."
    it('allows what an Allow statement names', () => {
      expect(
        allowed([allow({ Action: 'dynamodb:GetItem', Resource: TABLE })], 'dynamodb:GetItem', TABLE),
      ).toBe(true);
    });

    // "An explicit deny in any policy overrides any allows."
    it('lets an explicit Deny win over an Allow', () => {
      const statements: Statement[] = [
        allow({ Action: 'dynamodb:*', Resource: '*' }),
        { Effect: 'Deny', Action: 'dynamodb:DeleteItem', Resource: TABLE },
      ];
      expect(allowed(statements, 'dynamodb:DeleteItem', TABLE)).toBe(false);
      expect(allowed(statements, 'dynamodb:GetItem', TABLE)).toBe(true);
    });
  });

  describe('Action and NotAction', () => {
    // IAM JSON policy elements: Action — "prefixes and action names are case insensitive", and
    // wildcards (* and ?) may stand for part of an action name.
    it('matches action names case-insensitively, with * and ?', () => {
      const s = [allow({ Action: 'DynamoDB:getitem', Resource: TABLE })];
      expect(allowed(s, 'dynamodb:GetItem', TABLE)).toBe(true);
      expect(allowed([allow({ Action: 'dynamodb:Get*', Resource: TABLE })], 'dynamodb:GetItem', TABLE)).toBe(
        true,
      );
      expect(
        allowed([allow({ Action: 'dynamodb:?etItem', Resource: TABLE })], 'dynamodb:GetItem', TABLE),
      ).toBe(true);
      expect(allowed([allow({ Action: 'dynamodb:Get*', Resource: TABLE })], 'dynamodb:PutItem', TABLE)).toBe(
        false,
      );
    });

    // IAM JSON policy elements: NotAction — with Allow, it allows every action except those listed.
    it('allows with NotAction every action except the listed ones', () => {
      const s = [allow({ NotAction: 'dynamodb:Delete*', Resource: TABLE })];
      expect(allowed(s, 'dynamodb:GetItem', TABLE)).toBe(true);
      expect(allowed(s, 'dynamodb:DeleteItem', TABLE)).toBe(false);
    });
  });

  describe('Resource and NotResource', () => {
    // IAM JSON policy elements: Resource — "the IAM user name is case sensitive": resources match case-sensitively.
    it('matches resources case-sensitively', () => {
      expect(
        allowed([allow({ Action: '*', Resource: TABLE })], 'dynamodb:GetItem', TABLE.toUpperCase()),
      ).toBe(false);
    });

    // "You can use wildcard characters (* and ?) within the individual segments of an ARN (the
    // parts separated by colons)": * any combination of characters, ? any single character.
    it('uses * and ? within a segment', () => {
      const s = [
        allow({
          Action: '*',
          Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/token-??????',
        }),
      ];
      expect(
        allowed(
          s,
          'secretsmanager:GetSecretValue',
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/token-AbC123',
        ),
      ).toBe(true);
      expect(
        allowed(
          s,
          'secretsmanager:GetSecretValue',
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/token-AbC12',
        ),
      ).toBe(false);
      expect(
        allowed(
          s,
          'secretsmanager:GetSecretValue',
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice/token-other-AbC123',
        ),
      ).toBe(false);
      expect(
        allowed(
          [allow({ Action: '*', Resource: 'arn:aws:dynamodb:*:123456789012:table/releases' })],
          'dynamodb:GetItem',
          TABLE,
        ),
      ).toBe(true);
    });

    // Wildcards work "within the individual segments of an ARN (the parts separated by colons)":
    // a * that does not end its segment stays within it.
    it('does not let a * inside a segment run across a colon', () => {
      const s = [allow({ Action: '*', Resource: 'arn:aws:states:us-east-1:123456789012:execution:a*b:x' })];
      expect(
        allowed(s, 'states:StopExecution', 'arn:aws:states:us-east-1:123456789012:execution:a:c:b:x'),
      ).toBe(false);
      expect(
        allowed(s, 'states:StopExecution', 'arn:aws:states:us-east-1:123456789012:execution:a-1-b:x'),
      ).toBe(true);
    });

    // "If the * wildcard is the last character of a resource ARN segment, it can expand to match
    // beyond the colon boundaries", and * "can expand to replace everything within the segment,
    // including characters like a forward slash (/)".
    it('lets a * that ends a segment run across colons and slashes', () => {
      const s = [
        allow({ Action: '*', Resource: 'arn:aws:states:us-east-1:123456789012:execution:sluice-release:*' }),
      ];
      expect(
        allowed(
          s,
          'states:StopExecution',
          'arn:aws:states:us-east-1:123456789012:execution:sluice-release:dev-x:y',
        ),
      ).toBe(true);
      expect(
        allowed(s, 'states:StopExecution', 'arn:aws:states:us-east-1:123456789012:execution:other:dev-x'),
      ).toBe(false);
      expect(
        allowed(
          [allow({ Action: '*', Resource: 'arn:aws:iam::123456789012:role/*' })],
          'iam:PassRole',
          'arn:aws:iam::123456789012:role/path/x',
        ),
      ).toBe(true);
    });

    // IAM JSON policy elements: Resource — "*" alone is every resource; "Resource": "*" is how
    // actions without resource-level permissions are granted, and only it matches a call on "*".
    it('matches a call authorized on * only with a * resource', () => {
      expect(
        allowed(
          [allow({ Action: 'cloudwatch:DescribeAlarms', Resource: '*' })],
          'cloudwatch:DescribeAlarms',
          '*',
        ),
      ).toBe(true);
      expect(
        allowed(
          [
            allow({
              Action: 'cloudwatch:DescribeAlarms',
              Resource: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-5xx',
            }),
          ],
          'cloudwatch:DescribeAlarms',
          '*',
        ),
      ).toBe(false);
    });

    // IAM JSON policy elements: NotResource — with Allow, every resource except those listed.
    it('allows with NotResource every resource except the listed ones', () => {
      const s = [allow({ Action: 'dynamodb:GetItem', NotResource: TABLE })];
      expect(allowed(s, 'dynamodb:GetItem', `${TABLE}-other`)).toBe(true);
      expect(allowed(s, 'dynamodb:GetItem', TABLE)).toBe(false);
    });
  });

  describe('Condition', () => {
    const passRole = allow({
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::123456789012:role/*',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    const role = 'arn:aws:iam::123456789012:role/task';

    // IAM condition operators: StringEquals is an exact, case-sensitive match.
    it('holds StringEquals exactly', () => {
      expect(
        allowed([passRole], 'iam:PassRole', role, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' }),
      ).toBe(true);
      expect(
        allowed([passRole], 'iam:PassRole', role, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
      ).toBe(false);
      expect(
        allowed([passRole], 'iam:PassRole', role, { 'iam:PassedToService': 'ECS-tasks.amazonaws.com' }),
      ).toBe(false);
    });

    // IAM condition operators: "If the key that you specify in a policy condition is not present
    // in the request context, the values do not match and the condition is false."
    it('does not hold when the key is missing from the request context', () => {
      expect(allowed([passRole], 'iam:PassRole', role)).toBe(false);
    });

    // "...If the policy condition requires that the key is not matched, such as StringNotLike or
    // ArnNotLike, and the right key is not present, the condition is true." And ...IfExists: true when the key is absent.
    it('holds a negated operator, and an ...IfExists one, when the key is missing', () => {
      const notLike = allow({
        Action: '*',
        Resource: '*',
        Condition: { StringNotLike: { 'aws:PrincipalTag/team': 'x*' } },
      });
      const ifExists = allow({
        Action: '*',
        Resource: '*',
        Condition: { StringEqualsIfExists: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      });
      expect(allowed([notLike], 'ecs:TagResource', '*')).toBe(true);
      expect(allowed([notLike], 'ecs:TagResource', '*', { 'aws:PrincipalTag/team': 'xyz' })).toBe(false);
      expect(allowed([ifExists], 'ecs:TagResource', '*')).toBe(true);
      expect(allowed([ifExists], 'ecs:TagResource', '*', { 'ecs:CreateAction': 'CreateService' })).toBe(
        false,
      );
    });

    // Conditions with multiple context keys or values: operators AND, keys AND, a key's values OR.
    it('ANDs operators and keys, ORs the values of one key', () => {
      const s = allow({
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: {
            'ecs:CreateAction': ['RegisterTaskDefinition', 'CreateService'],
            'aws:RequestedRegion': 'us-east-1',
          },
          ArnLike: { 'aws:SourceArn': 'arn:aws:states:us-east-1:123456789012:stateMachine:*' },
        },
      });
      const context = {
        'ecs:CreateAction': 'CreateService',
        'aws:RequestedRegion': 'us-east-1',
        'aws:SourceArn': 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice',
      };
      expect(allowed([s], 'ecs:TagResource', '*', context)).toBe(true);
      expect(allowed([s], 'ecs:TagResource', '*', { ...context, 'aws:RequestedRegion': 'eu-west-1' })).toBe(
        false,
      );
      expect(
        allowed([s], 'ecs:TagResource', '*', {
          ...context,
          'aws:SourceArn': 'arn:aws:states:us-east-1:123456789012:execution:x',
        }),
      ).toBe(false);
    });

    // A statement whose condition this evaluator cannot evaluate never allows (and a Deny one applies).
    it('never allows on a condition operator it does not know', () => {
      const s = allow({
        Action: '*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
      });
      expect(allowed([s], 'dynamodb:GetItem', TABLE, { 'aws:SourceIp': '10.1.2.3' })).toBe(false);
    });
  });
});

describe('CloudFormation intrinsics in policies', () => {
  const resolver = new TemplateResolver(
    {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: {} },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'sluice-release' },
      },
    },
    { partition: 'aws', region: 'us-east-1', account: '123456789012', stackName: 'Sluice-checkout' },
  );

  it('resolves Ref, Fn::GetAtt, Fn::Join and Fn::Sub with pseudo parameters to concrete strings', () => {
    expect(
      resolver.resolve({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':states:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':execution:sluice-release:*',
          ],
        ],
      }),
    ).toBe('arn:aws:states:us-east-1:123456789012:execution:sluice-release:*');
    expect(resolver.resolve({ 'Fn::GetAtt': ['Table', 'Arn'] })).toBe(
      'arn:aws:dynamodb:us-east-1:123456789012:table/Table',
    );
    expect(resolver.resolve({ Ref: 'Machine' })).toBe(
      'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
    );
    expect(
      resolver.resolve({
        'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x:*',
      }),
    ).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/x:*');
  });

  it('refuses an intrinsic it does not know rather than guess', () => {
    expect(() => resolver.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/cannot resolve Fn::ImportValue/);
  });
});

describe('SDK command → IAM authorization (iam-data)', () => {
  const ctx: CallContext = {
    partition: 'aws',
    region: 'us-east-1',
    account: '123456789012',
    releaseStateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:sluice-release',
  };

  it('builds the resource from the input with the resource type ARN format, and * for wildcard-only actions', async () => {
    expect(
      await authorizationsFor(
        { service: 'DynamoDB', command: 'Query', input: { TableName: 't', IndexName: 'i' } },
        ctx,
      ),
    ).toEqual([
      { action: 'dynamodb:Query', resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i' },
    ]);
    expect(
      await authorizationsFor(
        { service: 'ECS', command: 'UpdateService', input: { cluster: 'c', service: 's' } },
        ctx,
      ),
    ).toEqual([{ action: 'ecs:UpdateService', resource: 'arn:aws:ecs:us-east-1:123456789012:service/c/s' }]);
    expect(
      await authorizationsFor(
        { service: 'Elastic Load Balancing v2', command: 'DescribeTargetHealth', input: {} },
        ctx,
      ),
    ).toEqual([{ action: 'elasticloadbalancing:DescribeTargetHealth', resource: '*' }]);
  });

  it('refuses a command it cannot map, so a new one fails the contract until it is mapped', async () => {
    await expect(
      authorizationsFor({ service: 'ECS', command: 'CreateService', input: {} }, ctx),
    ).rejects.toThrow(/RESOURCES/);
    await expect(
      authorizationsFor({ service: 'SQS', command: 'SendMessage', input: {} }, ctx),
    ).rejects.toThrow(/IAM_SERVICE/);
  });
});

describe('IAM evaluator: set operators and Null, against the IAM User Guide', () => {
  const tagKeys = allow({
    Action: 'sts:TagSession',
    Resource: '*',
    Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['sluice:environment', 'sluice:release'] } },
  });
  const anyKey = allow({
    Action: 'sts:TagSession',
    Resource: '*',
    Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['sluice:environment'] } },
  });

  // Set operators for multivalued context keys: ForAllValues "returns true if every context key
  // value in the request matches at least one context key value in the policy. It also returns
  // true if there's no context key in the request".
  it('holds ForAllValues when every request value is listed, and when the key is missing', () => {
    expect(allowed([tagKeys], 'sts:TagSession', '*', { 'aws:TagKeys': ['sluice:environment'] })).toBe(true);
    expect(
      allowed([tagKeys], 'sts:TagSession', '*', { 'aws:TagKeys': ['sluice:environment', 'sluice:release'] }),
    ).toBe(true);
    expect(allowed([tagKeys], 'sts:TagSession', '*', { 'aws:TagKeys': ['sluice:environment', 'team'] })).toBe(
      false,
    );
    expect(allowed([tagKeys], 'sts:TagSession', '*')).toBe(true);
  });

  // ForAnyValue "returns true if at least one ... value in the request matches"; false when the key is missing.
  it('holds ForAnyValue when one request value is listed, and not when the key is missing', () => {
    expect(allowed([anyKey], 'sts:TagSession', '*', { 'aws:TagKeys': ['team', 'sluice:environment'] })).toBe(
      true,
    );
    expect(allowed([anyKey], 'sts:TagSession', '*', { 'aws:TagKeys': ['team'] })).toBe(false);
    expect(allowed([anyKey], 'sts:TagSession', '*')).toBe(false);
  });

  // Null condition operator: "true" checks the key is absent from the request context, "false" that it is present.
  it('holds Null true on an absent key and Null false on a present one', () => {
    const present = allow({
      Action: '*',
      Resource: '*',
      Condition: { Null: { 'sts:SourceIdentity': 'false' } },
    });
    const absent = allow({
      Action: '*',
      Resource: '*',
      Condition: { Null: { 'sts:SourceIdentity': 'true' } },
    });
    expect(allowed([present], 'sts:AssumeRole', '*', { 'sts:SourceIdentity': 'alice' })).toBe(true);
    expect(allowed([present], 'sts:AssumeRole', '*')).toBe(false);
    expect(allowed([absent], 'sts:AssumeRole', '*')).toBe(true);
    expect(allowed([absent], 'sts:AssumeRole', '*', { 'sts:SourceIdentity': 'alice' })).toBe(false);
  });
});

describe('IAM evaluator: resource-based policies and Principal, against the IAM User Guide', () => {
  const ROLE = 'arn:aws:iam::222222222222:role/target';
  const CALLER = { arn: 'arn:aws:iam::111111111111:role/caller', account: '111111111111' };
  const OTHER = { arn: 'arn:aws:iam::111111111111:role/other', account: '111111111111' };
  const canAssume = allow({ Action: 'sts:AssumeRole', Resource: ROLE });
  const trustAccount = (condition?: Statement['Condition']): Statement => ({
    Effect: 'Allow',
    Principal: { AWS: 'arn:aws:iam::111111111111:root' },
    Action: 'sts:AssumeRole',
    ...(condition ? { Condition: condition } : {}),
  });
  const assume = (
    identity: Statement[],
    trust: Statement[],
    principal: { arn: string; account: string },
    context?: Record<string, string>,
  ) =>
    authorize(
      { identity, resourcePolicy: trust, resourceAccount: '222222222222', resourcePolicyRequired: true },
      { action: 'sts:AssumeRole', resource: ROLE, principal, ...(context ? { context } : {}) },
    ).allowed;

  // Cross-account policy evaluation logic: "the identity-based policy and the resource-based
  // policy must both allow" a request from another account.
  it('allows a cross-account request only when both the identity and the resource policy allow it', () => {
    expect(assume([canAssume], [trustAccount()], CALLER)).toBe(true);
    expect(assume([], [trustAccount()], CALLER)).toBe(false);
    expect(assume([canAssume], [], CALLER)).toBe(false);
  });

  // Principal element: "arn:aws:iam::123456789012:root" (or the bare account id) names the
  // account; a role ARN names that role. A principal of another account matches neither.
  it('matches the Principal element by account or by ARN, and nothing else', () => {
    const byArn: Statement = { ...trustAccount(), Principal: { AWS: CALLER.arn } };
    expect(assume([canAssume], [byArn], CALLER)).toBe(true);
    expect(assume([canAssume], [byArn], OTHER)).toBe(false);
    expect(assume([canAssume], [{ ...trustAccount(), Principal: { AWS: '111111111111' } }], OTHER)).toBe(
      true,
    );
    expect(
      assume([canAssume], [trustAccount()], {
        arn: 'arn:aws:iam::333333333333:role/caller',
        account: '333333333333',
      }),
    ).toBe(false);
    expect(principalMatches({ Service: 'events.amazonaws.com' }, { service: 'events.amazonaws.com' })).toBe(
      'principal',
    );
    expect(principalMatches({ AWS: '*' }, OTHER)).toBe('principal');
  });

  // aws:PrincipalArn is in every request context: the ARN of the role for a role session.
  // Narrowing an account principal with it admits only the listed roles.
  it('adds aws:PrincipalArn from the principal, so ArnEquals on it narrows an account principal', () => {
    const narrowed = trustAccount({ ArnEquals: { 'aws:PrincipalArn': [CALLER.arn] } });
    expect(assume([canAssume], [narrowed], CALLER)).toBe(true);
    expect(assume([canAssume], [narrowed], OTHER)).toBe(false);
  });

  // Within one account, "the resulting permissions are the union": either policy may allow;
  // a role trust policy, though, must always allow the principal.
  it('within one account takes the union, except that a trust policy must allow', () => {
    const bus = 'arn:aws:events:us-east-1:111111111111:event-bus/default';
    const put = (identity: Statement[], policy: Statement[]) =>
      authorize(
        { identity, resourcePolicy: policy, resourceAccount: '111111111111' },
        { action: 'events:PutEvents', resource: bus, principal: CALLER },
      ).allowed;
    expect(put([allow({ Action: 'events:PutEvents', Resource: bus })], [])).toBe(true);
    expect(
      put(
        [],
        [{ Effect: 'Allow', Principal: { AWS: CALLER.arn }, Action: 'events:PutEvents', Resource: bus }],
      ),
    ).toBe(true);
    const sameAccountRole = 'arn:aws:iam::111111111111:role/target';
    expect(
      authorize(
        {
          identity: [allow({ Action: 'sts:AssumeRole', Resource: '*' })],
          resourcePolicy: [],
          resourceAccount: '111111111111',
          resourcePolicyRequired: true,
        },
        { action: 'sts:AssumeRole', resource: sameAccountRole, principal: CALLER },
      ).allowed,
    ).toBe(false);
  });

  // "An explicit deny in any policy overrides any allows", the resource policy's included.
  it('lets an explicit Deny in the resource policy win', () => {
    const deny: Statement = { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRole' };
    expect(assume([canAssume], [trustAccount(), deny], CALLER)).toBe(false);
  });
});
