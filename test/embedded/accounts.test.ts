import { fileURLToPath } from 'node:url';
import { LocalAccounts } from '../../embedded/accounts.js';
import { artifactsAs, LocalArtifacts } from '../../embedded/adapters/artifacts.js';
import type { AlarmStateChangeEvent } from '../../embedded/cloudwatch.js';
import { loadConfig } from '../../embedded/config.js';
import { LocalEventBuses } from '../../embedded/event-bus.js';
import { assumeRoleInput } from '../../functions/shared/aws/environment-clients.js';
import { accessScope } from '../../functions/shared/domain/accounts.js';

/*
 * The local STS holds the trust the target stack's role has (infra/target-stack.ts): the delivery
 * functions holding the environment's ports, the ExternalId when configured, Sluice's session tag
 * keys with `sluice:environment` naming the role's environment. STS answers a refused AssumeRole
 * with AccessDenied, "User: <caller> is not authorized to perform: sts:AssumeRole on resource: <role>".
 */
const FIXTURE = fileURLToPath(new URL('../fixtures/accounts/sluice.config.yaml', import.meta.url));
const config = loadConfig(FIXTURE);
const prod = config.environments.find((e) => e.name === 'prod')!;
const PROD_ROLE = 'arn:aws:iam::222222222222:role/sluice-checkout-prod';

describe('Class: LocalAccounts', () => {
  const request = (overrides = {}) => ({
    ...assumeRoleInput('checkout', accessScope('prod', 'checkout-abc123'), prod.account!),
    ...overrides,
  });

  describe('Method: sts.assumeRole', () => {
    it('lets a function holding prod’s ports assume prod’s role, as the session the release names', () => {
      const accounts = new LocalAccounts(config);

      const { AssumedRoleUser } = accounts.sts.assumeRole(
        accounts.functionIdentity('ShiftTraffic'),
        request(),
      );

      expect(AssumedRoleUser.Arn).toBe(
        'arn:aws:sts::222222222222:assumed-role/sluice-checkout-prod/checkout-abc123',
      );
    });

    it.each([
      ['a function without prod’s ports', 'GithubWebhook', {}],
      ['a request without the ExternalId', 'ShiftTraffic', { ExternalId: undefined }],
      ['a wrong ExternalId', 'ShiftTraffic', { ExternalId: 'guess' }],
    ])('refuses %s with AccessDenied naming the caller', (_case, fn, overrides) => {
      const accounts = new LocalAccounts(config);
      const caller = accounts.functionIdentity(fn as 'GithubWebhook');

      expect(() => accounts.sts.assumeRole(caller, request(overrides))).toThrow(
        expect.objectContaining({
          name: 'AccessDenied',
          message: expect.stringContaining(
            `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${PROD_ROLE}`,
          ),
        }),
      );
      expect(accounts.sts.calls.map((c) => c.outcome)).toEqual(['denied']);
    });

    it('refuses session tags that name another environment', () => {
      const accounts = new LocalAccounts(config);

      expect(() =>
        accounts.sts.assumeRole(
          accounts.functionIdentity('ShiftTraffic'),
          request({ Tags: [{ Key: 'sluice:environment', Value: 'staging' }] }),
        ),
      ).toThrow(/sts:TagSession/);
    });

    it('refuses the operator a session that does not name the human (SourceIdentity)', () => {
      const accounts = new LocalAccounts(config);

      expect(() => accounts.sts.assumeRole(accounts.operator, request())).toThrow(
        /AccessDenied|not authorized/,
      );
      expect(() =>
        accounts.sts.assumeRole(accounts.operator, request({ SourceIdentity: 'ana' })),
      ).not.toThrow();
    });
  });

  describe('Method: principal', () => {
    it('refuses staging’s session on prod’s listener, and the function’s own credentials too', () => {
      const accounts = new LocalAccounts(config);
      const staging = accounts.runAs('ShiftTraffic', () => accounts.principal(accessScope('staging', 'r1')));
      const own = accounts.runAs('ShiftTraffic', () => accounts.own());

      expect(() => staging.authorize('elasticloadbalancing:ModifyListener', prod.listenerArn)).toThrow(
        `User: arn:aws:sts::333333333333:assumed-role/sluice-checkout-staging/r1 is not authorized to perform: elasticloadbalancing:ModifyListener on resource: ${prod.listenerArn}`,
      );
      expect(() => own.authorize('elasticloadbalancing:ModifyListener', prod.listenerArn)).toThrow(
        'User: arn:aws:sts::123456789012:assumed-role/sluice-checkout-us-east-1-ShiftTraffic/ShiftTraffic is not authorized',
      );
      const prodSession = accounts.runAs('ShiftTraffic', () => accounts.principal(accessScope('prod', 'r1')));
      expect(() =>
        prodSession.authorize('elasticloadbalancing:ModifyListener', prod.listenerArn),
      ).not.toThrow();
    });
  });
});

describe('Function: artifactsAs', () => {
  it('finds prod’s images through prod’s role, and not in the delivery account’s registry', async () => {
    const accounts = new LocalAccounts(config);
    const registry = new LocalArtifacts();
    const asRole = accounts.runAs('Deploy', () => accounts.principal(accessScope('prod', 'r1')));
    const own = accounts.runAs('Deploy', () => accounts.own());

    await expect(
      artifactsAs(registry, asRole, '222222222222').describe('checkout', 'v1', false),
    ).resolves.toEqual({
      digest: expect.stringMatching(/^sha256:/),
    });
    await expect(
      artifactsAs(registry, own, '222222222222').describe('checkout', 'v1', false),
    ).rejects.toMatchObject({
      name: 'RepositoryNotFoundException',
      message: "The repository with name 'checkout' does not exist in the registry with id '123456789012'",
    });
  });
});

describe('Class: LocalEventBuses', () => {
  const event = (account: string, alarmName: string): AlarmStateChangeEvent => ({
    version: '0',
    id: 'e1',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: '2026-12-05T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:${account}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: 'ALARM', reason: 'x', timestamp: '2026-12-05T12:00:00.000+0000' },
      previousState: { value: 'OK', reason: 'x', timestamp: '2026-12-05T11:00:00.000+0000' },
      configuration: { metrics: [] },
    },
  });

  it('delivers the delivery account’s events, forwards an environment’s own alarms, and keeps the rest where they happened', async () => {
    const delivered: AlarmStateChangeEvent[] = [];
    const buses = new LocalEventBuses(config, new LocalAccounts(config), async (e) => void delivered.push(e));

    const routes = [
      await buses.put(event('123456789012', 'checkout-dev-5xx')),
      await buses.put(event('222222222222', 'checkout-prod-5xx')),
      await buses.put(event('222222222222', 'someone-elses-alarm')),
      await buses.put(event('999999999999', 'checkout-prod-5xx')),
    ];

    expect(routes.map((r) => r.route)).toEqual(['delivered', 'forwarded', 'not-forwarded', 'not-forwarded']);
    expect(delivered.map((e) => [e.account, e.detail.alarmName])).toEqual([
      ['123456789012', 'checkout-dev-5xx'],
      ['222222222222', 'checkout-prod-5xx'],
    ]);
  });
});

describe('Example: examples/multi-account/sluice.config.yaml', () => {
  it('puts prod in its own account, reached through its role, and the rest in the delivery account', () => {
    const example = loadConfig(
      fileURLToPath(new URL('../../examples/multi-account/sluice.config.yaml', import.meta.url)),
    );
    const accounts = new LocalAccounts(example);

    expect(accounts.delivery).toEqual({ account: '123456789012', region: 'us-east-1' });
    expect(example.environments.map((e) => [e.name, accounts.accountOf(e.name)])).toEqual([
      ['dev', '123456789012'],
      ['staging', '123456789012'],
      ['prod', '222222222222'],
    ]);
    const prodSession = accounts.runAs('ShiftTraffic', () => accounts.principal(accessScope('prod', 'r1')));
    expect(prodSession.identity().arn).toBe('arn:aws:sts::222222222222:assumed-role/sluice-checkout-prod/r1');
  });
});
