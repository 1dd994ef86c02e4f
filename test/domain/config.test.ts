import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configJsonSchema, loadConfig, parseConfigFile } from '../../embedded/config.js';
import { ConfigError, formatPath } from '../../functions/shared/domain/config.js';
import { formatDuration, parseDuration } from '../../functions/shared/domain/duration.js';
import { EXAMPLE_CONFIG_FILE, exampleDocument } from '../support/config.js';

/** Parses and returns the ConfigError's message lines after the heading, or fails the test. */
function problemLines(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
  throw new Error('expected the config to be invalid');
}

describe('Domain: config', () => {
  describe('Function: parseConfig', () => {
    it('parses the example sluice.config.yaml with its defaults filled in', () => {
      // Act
      const config = loadConfig(EXAMPLE_CONFIG_FILE);

      // Assess
      expect(config.repository).toBe('acme/checkout');
      expect(config.environments.map((env) => env.name)).toEqual(['dev', 'staging', 'prod']);
      const [dev, staging, prod] = config.environments;
      expect(dev?.steps).toEqual([
        { weight: 10, bake: 60 },
        { weight: 50, bake: 900 },
        { weight: 100, bake: 60 },
      ]);
      expect(dev).toMatchObject({
        watch: 60,
        minHealthyTargets: 1,
        concurrency: 'supersede',
        approval: { type: 'none' },
        insufficientData: { policy: 'fail', maxExtension: 300 },
        deploy: { provider: 'external' },
      });
      expect(staging?.insufficientData).toEqual({ policy: 'extend', maxExtension: 600 });
      expect(staging?.deploy).toEqual({
        provider: 'ecs',
        cluster: 'checkout-staging',
        services: { blue: 'checkout-staging-blue', green: 'checkout-staging-green' },
        container: 'app',
        timeout: 600,
        previousDesiredCount: 0,
      });
      expect(prod).toMatchObject({
        watch: 600,
        soak: 0,
        minHealthyTargets: 2,
        approval: { type: 'slack', channel: '#releases', approvers: ['U024BE7LH'], timeout: 14400 },
        artifact: { repository: 'checkout', scan: { failOn: 'HIGH' } },
      });
      expect(config.routes).toEqual([
        { branches: ['release/*', 'main'], environments: ['dev', 'staging', 'prod'], buildTimeout: 3600 },
        { branches: ['hotfix/*'], environments: ['prod'], buildTimeout: 3600 },
      ]);
      expect(config.checks).toEqual({ appId: 15368, allowConclusions: [] });
      expect(config.embedded.alarms['checkout-dev-5xx']).toMatchObject({ period: 60, evaluationPeriods: 1 });
    });

    it('reports every problem of a config at once, each with its path', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].steps = [
        { weight: 50, bake: '1m' },
        { weight: 20, bake: '1m' },
        { weight: 90, bake: '1m' },
      ];
      document.environments[0].rollout = 'fast';
      document.environments[1].steps[0].weight = 0;
      document.environments[1].targetGroups.blue = 'arn:aws:elasticloadbalancing:us-east-1:123:targetgroup/x';
      document.environments[2].name = 'staging';
      document.environments[2].alarms = ['checkout-dev-5xx'];

      // Act
      const lines = problemLines(document);

      // Assess
      expect(lines).toEqual([
        '  environments[0]: Unrecognized key: "rollout"',
        "  environments[0].steps[1].weight: must be greater than the previous step's weight (50)",
        '  environments[0].steps[2].weight: the last step must be 100',
        '  environments[1].targetGroups.blue: must be a target group ARN',
        '  environments[1].steps[0].weight: must be between 1 and 100',
        '  environments[2].alarms[0]: alarm "checkout-dev-5xx" is already watched by environment dev; an alarm event must name one environment',
        '  environments[2].name: duplicate "staging"',
        // prod's embedded alarms lost their owner when the test renamed prod's alarms
        '  routes[0].environments[2]: no environment named "prod"',
        '  routes[1].environments[0]: no environment named "prod"',
        '  embedded.alarms.checkout-prod-5xx: no environment lists this alarm',
        '  embedded.alarms.checkout-prod-p99-latency: no environment lists this alarm',
      ]);
    });

    it('throws one ConfigError whose heading counts the problems and names the source', () => {
      // Prepare
      const document = exampleDocument();
      document.service = 'Checkout Service';
      document.environments[0].listenerArn = 'arn:aws:ec2:us-east-1:123456789012:listener/app/x/1/2';

      // Act
      const act = () => parseConfigFile(document, 'sluice.config.yaml');

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(/^sluice\.config\.yaml is invalid \(2 problems\):\n/);
      try {
        act();
      } catch (error) {
        expect(error).toMatchObject({
          name: 'ConfigError',
          problems: [
            { path: 'service', message: 'must be lower-case letters, digits and dashes' },
            { path: 'environments[0].listenerArn', message: 'must be a listener ARN' },
          ],
        });
      }
    });

    it('still reports cross-field problems when a value has the wrong type', () => {
      // Prepare: a string weight and a fractional one used to hide the duplicate environment
      const document = exampleDocument();
      document.environments[0].steps[0].weight = '10';
      document.environments[1].steps[0].weight = 12.5;
      document.environments[2].name = 'dev';

      // Act
      const lines = problemLines(document);

      // Assess
      expect(lines).toEqual([
        '  environments[0].steps[0].weight: Invalid input: expected number, received string',
        '  environments[1].steps[0].weight: must be a whole number',
        '  environments[2].name: duplicate "dev"',
        '  routes[0].environments[2]: no environment named "prod"',
        '  routes[1].environments[0]: no environment named "prod"',
      ]);
    });

    it.each([
      [
        'a listener rule ARN where the listener goes',
        'listenerArn',
        'listener-rule/app/x/1/2/3',
        'must be a listener ARN',
      ],
      ['an ARN of another service', 'listenerArn', null, 'must be a listener ARN'],
    ])('rejects %s', (_what, field, resource, message) => {
      // Prepare
      const document = exampleDocument();
      document.environments[0][field] =
        resource === null
          ? 'arn:aws:ec2:us-east-1:123456789012:listener/app/x/1/2'
          : `arn:aws:elasticloadbalancing:us-east-1:123456789012:${resource}`;

      // Act + Assess
      expect(problemLines(document)).toEqual([`  environments[0].${field}: ${message}`]);
    });

    it('rejects a rule ARN that is not a listener rule, and identical blue and green groups', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].ruleArn = document.environments[0].listenerArn;
      document.environments[0].targetGroups.green = document.environments[0].targetGroups.blue;

      // Act + Assess
      expect(problemLines(document)).toEqual([
        '  environments[0].ruleArn: must be a listener rule ARN',
        '  environments[0].targetGroups.green: must differ from blue',
      ]);
    });

    it('accepts a listener rule ARN for an environment that shifts one rule', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].ruleArn =
        'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/checkout-dev/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee';

      // Act
      const config = parseConfigFile(document);

      // Assess
      expect(config.environments[0]?.ruleArn).toContain(':listener-rule/');
    });

    // ELBv2 ModifyListener/ModifyRule replace the whole action list and have no conditional write,
    // so two environments shifting one forward action overwrite each other unseen (review H3).
    it('refuses environments that share a listener unless each shifts its own rule, listing every one', () => {
      // Prepare: staging and prod on dev's listener without a rule; staging's rule given twice
      const document = exampleDocument();
      const rule = (id: string) =>
        `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/checkout-dev/50dc6c495c0c9188/f2f7dc8efc522ab2/${id}`;
      document.environments[1].listenerArn = document.environments[0].listenerArn;
      document.environments[2].listenerArn = document.environments[0].listenerArn;

      // Act + Assess
      expect(problemLines(document)).toEqual([
        "  environments[1].listenerArn: environment dev already shifts this listener's default action; environments that share a listener each need their own ruleArn",
        "  environments[2].listenerArn: environment dev already shifts this listener's default action; environments that share a listener each need their own ruleArn",
      ]);

      // Prepare: each with its own rule is accepted; one rule twice is not
      document.environments[1].ruleArn = rule('1111111111111111');
      document.environments[2].ruleArn = rule('2222222222222222');
      expect(parseConfigFile(document).environments.map((e) => e.ruleArn ?? 'default')).toEqual([
        'default',
        rule('1111111111111111'),
        rule('2222222222222222'),
      ]);
      document.environments[2].ruleArn = rule('1111111111111111');
      expect(problemLines(document)).toEqual([
        '  environments[2].ruleArn: environment staging already shifts this rule; environments that share a listener each need their own ruleArn',
      ]);
    });

    it('takes deploy.previousDesiredCount as a whole number of tasks, 0 or more, for ECS only', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].deploy.previousDesiredCount = 0;
      document.environments[1].deploy.previousDesiredCount = -1;
      document.environments[2].deploy.previousDesiredCount = 1.5;

      // Act + Assess
      expect(problemLines(document)).toEqual([
        '  environments[0].deploy: Unrecognized key: "previousDesiredCount"',
        '  environments[1].deploy.previousDesiredCount: must be 0 or more',
        '  environments[2].deploy.previousDesiredCount: must be a whole number',
      ]);
    });

    it('rejects an alarm that two environments list, at the second one', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[1].alarms.push('checkout-prod-5xx');

      // Act + Assess
      expect(problemLines(document)).toEqual([
        '  environments[2].alarms[0]: alarm "checkout-prod-5xx" is already watched by environment staging; an alarm event must name one environment',
      ]);
    });

    it('rejects an embedded alarm that no environment lists', () => {
      // Prepare
      const document = exampleDocument();
      document.embedded.alarms['orphan-alarm'] = { metric: 'RequestCount', threshold: 1 };

      // Act + Assess
      expect(problemLines(document)).toEqual([
        '  embedded.alarms.orphan-alarm: no environment lists this alarm',
      ]);
    });

    it('reports missing top-level fields at their own paths', () => {
      // Act + Assess
      expect(problemLines({})).toEqual([
        '  repository: Invalid input: expected string, received undefined',
        '  service: Invalid input: expected string, received undefined',
        '  environments: Invalid input: expected array, received undefined',
        '  routes: name releaseBranches or routes',
      ]);
    });

    it('reports an unreadable file and invalid YAML as a ConfigError naming the file', () => {
      // Prepare
      const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'repository: [unclosed\n');

      // Act + Assess
      expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(
        expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('cannot read') }),
      );
      expect(() => loadConfig(broken)).toThrow(
        expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('not valid YAML') }),
      );
    });
  });

  describe('Function: formatPath', () => {
    it('writes array indexes in brackets and keys with dots', () => {
      expect(formatPath(['environments', 1, 'steps', 0, 'weight'])).toBe('environments[1].steps[0].weight');
      expect(formatPath([])).toBe('');
    });
  });

  describe('Durations', () => {
    it.each([
      ['90s', 90],
      ['5m', 300],
      ['1h', 3600],
      ['1h30m', 5400],
      ['1m30s', 90],
      ['2h0m5s', 7205],
      ['0s', 0],
      [' 5m ', 300],
      [45, 45],
      [0, 0],
    ])('reads %p as %p seconds', (value, seconds) => {
      expect(parseDuration(value)).toBe(seconds);
    });

    it.each(['', '90', '1.5m', '-5s', '5 m', '30m1h', '1d', '5M', 1.5, -1])('rejects %p', (value) => {
      expect(parseDuration(value)).toBeUndefined();
    });

    it('turns every duration in the config into seconds', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].steps = [
        { weight: 10, bake: '90s' },
        { weight: 50, bake: 120 },
        { weight: 100, bake: '1h30m' },
      ];
      document.environments[0].watch = '1h';

      // Act
      const dev = parseConfigFile(document).environments[0];

      // Assess
      expect(dev?.steps.map((step) => step.bake)).toEqual([90, 120, 5400]);
      expect(dev?.watch).toBe(3600);
    });

    it('rejects a duration in the config with its path', () => {
      // Prepare
      const document = exampleDocument();
      document.environments[0].steps[0].bake = '1.5m';
      document.environments[0].watch = 'soon';

      // Act + Assess
      expect(problemLines(document)).toEqual([
        '  environments[0].steps[0].bake: must be a duration such as 30s, 5m or 1h',
        '  environments[0].watch: must be a duration such as 30s, 5m or 1h',
      ]);
    });

    it.each([
      [0, '0s'],
      [45, '45s'],
      [300, '5m'],
      [3600, '1h'],
      [3723, '1h 2m 3s'],
    ])('formats %p seconds as %p', (seconds, text) => {
      expect(formatDuration(seconds)).toBe(text);
    });
  });

  describe('Function: configJsonSchema', () => {
    it('describes the config for editors, with integer weights between 1 and 100', () => {
      // Act
      const schema = configJsonSchema() as {
        type: string;
        required: string[];
        properties: Record<string, unknown>;
      };

      // Assess
      expect(() => JSON.stringify(schema)).not.toThrow();
      expect(schema.type).toBe('object');
      expect(schema.required).toEqual(expect.arrayContaining(['repository', 'service', 'environments']));
      const environments = schema.properties.environments as {
        items: { properties: Record<string, { items?: { properties: Record<string, unknown> } }> };
      };
      expect(environments.items.properties.steps?.items?.properties.weight).toEqual({
        type: 'integer',
        minimum: 1,
        maximum: 100,
      });
      expect(Object.keys(environments.items.properties)).toEqual(
        expect.arrayContaining(['name', 'listenerArn', 'targetGroups', 'deploy', 'steps', 'alarms']),
      );
    });
  });
});
