import { parseConfigFile } from '../../embedded/config.js';
import { targetRoleArn } from '../../functions/shared/domain/accounts.js';
import { ConfigError } from '../../functions/shared/domain/config.js';
import { exampleDocument } from '../support/config.js';

const PROD_ACCOUNT = '222222222222';

/** The example config with prod moved, ARN by ARN, into its own account (and optionally region). */
// biome-ignore lint/suspicious/noExplicitAny: tests edit the raw document
function prodInItsAccount(region = 'us-east-1'): any {
  const document = exampleDocument();
  const prod = document.environments[2];
  const move = (arn: string) => arn.replace(':us-east-1:123456789012:', `:${region}:${PROD_ACCOUNT}:`);
  prod.listenerArn = move(prod.listenerArn);
  prod.targetGroups = { blue: move(prod.targetGroups.blue), green: move(prod.targetGroups.green) };
  prod.account = { id: PROD_ACCOUNT, externalId: 'sluice-checkout-prod' };
  if (region !== 'us-east-1') prod.account.region = region;
  return document;
}

function problemsOf(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
  return [];
}

describe('Domain: an environment in its own account (config)', () => {
  it('accepts prod in another account, and keeps the account with the role defaulting to the target stack’s', () => {
    // Act
    const config = parseConfigFile(prodInItsAccount(), 'sluice.config.yaml');

    // Assess
    const prod = config.environments[2]!;
    expect(prod.account).toEqual({ id: PROD_ACCOUNT, externalId: 'sluice-checkout-prod' });
    expect(targetRoleArn(config.service, prod.name, prod.account!)).toBe(
      `arn:aws:iam::${PROD_ACCOUNT}:role/sluice-checkout-prod`,
    );
    expect(config.environments[0]!.account).toBeUndefined();
  });

  it('accepts prod in its own account and region when account.region names that region', () => {
    expect(problemsOf(prodInItsAccount('eu-west-1'))).toEqual([]);
  });

  it('refuses an environment whose ARNs name another account than account.id, listing each offending ARN', () => {
    // Prepare: the listener and the blue group stay in the delivery account, and so do an alarm ARN and a role to pass
    const document = prodInItsAccount();
    const prod = document.environments[2];
    prod.listenerArn = exampleDocument().environments[2].listenerArn;
    prod.targetGroups.blue = exampleDocument().environments[2].targetGroups.blue;
    prod.alarms = [
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-prod-5xx',
      'checkout-prod-p99-latency',
    ];
    prod.deploy.passRoles = [`arn:aws:iam::${PROD_ACCOUNT}:role/task`, 'arn:aws:iam::123456789012:role/exec'];
    const embeddedAlarms = document.embedded.alarms;
    embeddedAlarms[prod.alarms[0]] = embeddedAlarms['checkout-prod-5xx'];
    delete embeddedAlarms['checkout-prod-5xx'];

    // Act
    const problems = problemsOf(document);

    // Assess
    const offence = `is in account 123456789012, not in this environment's account ${PROD_ACCOUNT} (account.id)`;
    expect(problems).toEqual([
      `  environments[2].listenerArn: ${offence}`,
      `  environments[2].targetGroups.blue: ${offence}`,
      `  environments[2].alarms[0]: ${offence}`,
      `  environments[2].deploy.passRoles[1]: ${offence}`,
    ]);
  });

  it('refuses an ARN in another region than account.region, and a role in another account', () => {
    // Prepare
    const document = prodInItsAccount('eu-west-1');
    const prod = document.environments[2];
    prod.targetGroups.green = prod.targetGroups.green.replace('eu-west-1', 'eu-central-1');
    prod.account.role = 'arn:aws:iam::123456789012:role/deployer';

    // Act
    const problems = problemsOf(document);

    // Assess
    expect(problems).toEqual([
      "  environments[2].targetGroups.green: is in region eu-central-1, not in this environment's region eu-west-1 (account.region)",
      `  environments[2].account.role: is in account 123456789012, not in this environment's account ${PROD_ACCOUNT} (account.id)`,
    ]);
  });

  it('still refuses an environment without `account` in another account than the others', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[1].listenerArn = document.environments[1].listenerArn.replace(
      '123456789012',
      PROD_ACCOUNT,
    );

    // Act
    const problems = problemsOf(document);

    // Assess
    expect(problems).toEqual([
      `  environments[1].listenerArn: is in account ${PROD_ACCOUNT}, but environments[0].listenerArn is in 123456789012: environments without \`account\` are all in the stack's account; give this one an \`account\``,
    ]);
  });

  it('checks the account id, role ARN, region and ExternalId (STS AssumeRole: 2–1224 of [\\w+=,.@:/-])', () => {
    // Prepare
    const document = prodInItsAccount();
    document.environments[2].account = {
      id: '2222',
      role: 'sluice-prod',
      externalId: 'has spaces',
      region: 'Europe',
      extra: true,
    };

    // Act
    const problems = problemsOf(document);

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        '  environments[2].account.id: must be a 12-digit AWS account id',
        '  environments[2].account.role: must be an IAM role ARN',
        '  environments[2].account.externalId: must be 2 to 1224 letters, digits or _+=,.@:/- (STS ExternalId)',
        '  environments[2].account.region: must be an AWS region such as eu-west-1',
      ]),
    );
    expect(problems.some((p) => p.includes('environments[2].account') && p.includes('extra'))).toBe(true);
    const tooLong = prodInItsAccount();
    tooLong.environments[2].account.externalId = 'x'.repeat(1225);
    expect(problemsOf(tooLong)).toEqual([
      '  environments[2].account.externalId: must be 2 to 1224 letters, digits or _+=,.@:/- (STS ExternalId)',
    ]);
  });
});
