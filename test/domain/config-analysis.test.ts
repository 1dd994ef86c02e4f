import { describeAnalysis } from '../../cli/format.js';
import { parseConfigFile } from '../../embedded/config.js';
import { ConfigError } from '../../functions/shared/domain/config.js';
import { environmentInput } from '../../functions/shared/domain/plan.js';
import { exampleDocument } from '../support/config.js';

function problems(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
}

describe('Domain: config — canary analysis and alarms at the start', () => {
  it('fills the defaults: 5xx rate +0.5 points and p99 +20%, 95% confidence, every minute, inconclusive passes', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[1].analysis = {};

    // Act
    const config = parseConfigFile(document, 'sluice.config.yaml');
    const input = environmentInput(config, config.environments[1]!);

    // Assess
    expect(input.analysis).toEqual({
      intervalSeconds: 60,
      confidence: 0.95,
      minRequests: 200,
      inconclusive: 'pass',
      comparisons: [
        { kind: 'errorRate', maxIncreasePoints: 0.5 },
        { kind: 'latency', percentile: 99, maxIncreasePercent: 20 },
      ],
    });
    expect(input.alarmsAtStart).toBe('refuse');
    expect(environmentInput(config, config.environments[2]!).analysis).toBeUndefined();
  });

  it('reads a CloudWatch metric comparison with a TargetGroup dimension', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[2].analysis = {
      comparisons: [
        {
          metric: 'cloudwatch',
          namespace: 'Checkout',
          name: 'PaymentFailures',
          statistic: 'Sum',
          maxIncreasePercent: 10,
        },
      ],
      inconclusive: 'fail',
    };
    document.environments[2].alarmsAtStart = 'wait';

    // Act
    const config = parseConfigFile(document, 'sluice.config.yaml');
    const input = environmentInput(config, config.environments[2]!);

    // Assess
    expect(input.analysis?.comparisons).toEqual([
      {
        kind: 'metric',
        namespace: 'Checkout',
        name: 'PaymentFailures',
        statistic: 'Sum',
        maxIncreasePercent: 10,
      },
    ]);
    expect(describeAnalysis('prod', input)).toBe(
      "prod: canary analysis every 1m of each bake — Checkout/PaymentFailures Sum ≤ baseline +10%; 95% confidence, ≥ 200 requests a side; inconclusive at a bake's end: fail; alarms in ALARM at the start: wait",
    );
  });

  it('rejects an interval that is not whole minutes, a bake shorter than the interval, and a bad statistic', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[0].analysis = { interval: '90s' };
    document.environments[1].analysis = {
      interval: '5m',
      comparisons: [
        { metric: 'cloudwatch', namespace: 'X', name: 'Y', statistic: 'Median', maxIncreasePercent: 5 },
      ],
    };
    document.environments[2].alarmsAtStart = 'sometimes';

    // Act
    const found = problems(document);

    // Assess
    expect(found).toEqual(
      expect.arrayContaining([
        '  environments[0].analysis.interval: must be a whole number of minutes (the ALB metrics have one-minute resolution)',
        '  environments[1].steps[0].bake: must be at least the analysis interval (5m)',
        '  environments[1].analysis.comparisons[0].statistic: must be Sum, Average, Maximum, Minimum, SampleCount or pNN',
      ]),
    );
    expect(found.some((p) => p.startsWith('  environments[2].alarmsAtStart:'))).toBe(true);
  });
});
