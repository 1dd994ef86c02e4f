import fc from 'fast-check';
import { parseConfigFile } from '../../embedded/config.js';
import type { SluiceConfig } from '../../functions/shared/domain/config.js';
import { EXECUTION_NAME, executionName } from '../../functions/shared/domain/execution-name.js';
import { type PushEvent, planRelease, type ReleasePlan } from '../../functions/shared/domain/plan.js';
import type { Targets, Weights } from '../../functions/shared/domain/release.js';
import {
  readListener,
  restoredWeights,
  stepWeights,
  weightsMatch,
} from '../../functions/shared/domain/traffic.js';
import {
  configDocument,
  environmentName,
  releasePush,
  releasePushFields,
  repository,
  sha,
} from '../support/arbitraries.js';

// fast-check's default run count; the look-alike names search below keeps its own 2,000.
const RUNS = { numRuns: 100 };

/** A generated valid config and a release push to its repository. */
const configAndPush = () =>
  fc.tuple(configDocument(), releasePushFields()).map(([document, fields]) => ({
    config: parseConfigFile(document),
    push: releasePush(document.repository, fields),
  }));

function release(config: SluiceConfig, push: PushEvent, deliveryId?: string): ReleasePlan {
  const plan = planRelease(config, push, deliveryId);
  if (plan.kind !== 'release') throw new Error(`expected a release: ${plan.reason}`);
  return plan;
}

const groupArn = fc.stringMatching(
  /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/[a-z]{1,8}\/[0-9a-f]{4}$/,
);
const targets = () =>
  fc
    .uniqueArray(groupArn, { minLength: 2, maxLength: 2 })
    .map(([live, idle]): Targets => ({ live: live!, idle: idle! }));

describe('Property: release plans', () => {
  it('every generated config plans a release whose steps rise strictly to 100', () => {
    fc.assert(
      fc.property(configAndPush(), ({ config, push }) => {
        // Act
        const plan = release(config, push);

        // Assess
        expect(plan.environments.map((env) => env.name)).toEqual(config.environments.map((env) => env.name));
        for (const env of plan.environments) {
          const weights = env.input.steps.map((step) => step.weight);
          weights.forEach((weight, i) => {
            if (i > 0) expect(weight).toBeGreaterThan(weights[i - 1]!);
          });
          expect(weights.at(-1)).toBe(100);
          expect(env.input.steps.map((step) => step.index)).toEqual(weights.map((_, i) => i));
        }
      }),
      RUNS,
    );
  });

  it('ends every environment with exactly one target group live at 100', () => {
    fc.assert(
      fc.property(configAndPush(), targets(), ({ config, push }, t) => {
        // Act
        const plan = release(config, push);

        // Assess
        for (const env of plan.environments) {
          const last = env.input.steps.at(-1)!;
          const final = stepWeights(t, last.weight);
          expect(Object.values(final).filter((weight) => weight === 100)).toHaveLength(1);
          expect(readListener(final, { blue: t.live, green: t.idle })).toEqual({
            kind: 'settled',
            targets: { live: t.idle, idle: t.live },
          });
        }
      }),
      RUNS,
    );
  });

  it('starts the first environment on the push and every later one on promotion', () => {
    fc.assert(
      fc.property(configAndPush(), ({ config, push }) => {
        const plan = release(config, push);
        expect(plan.environments.map((env) => env.startsOn)).toEqual(
          plan.environments.map((_, i) => (i === 0 ? 'push' : 'promotion')),
        );
      }),
      RUNS,
    );
  });

  it('adds up expected seconds from the bakes and watches, and never detects later than the longest wait', () => {
    fc.assert(
      fc.property(configAndPush(), ({ config, push }) => {
        const plan = release(config, push);
        plan.environments.forEach((env, i) => {
          const watch = config.environments[i]!.watch;
          const bakes = env.input.steps.map((step) => step.bakeSeconds);
          expect(env.expectedSeconds).toBe(bakes.reduce((a, b) => a + b, 0) + watch);
          expect(env.worstCaseDetectionSeconds).toBe(Math.max(watch, ...bakes));
        });
        expect(plan.expectedSeconds).toBe(
          plan.environments.reduce((sum, env) => sum + env.expectedSeconds, 0),
        );
      }),
      RUNS,
    );
  });

  it('is pure: the same config and push give the same plan, and the config is not changed', () => {
    fc.assert(
      fc.property(configAndPush(), fc.uuid(), ({ config, push }, delivery) => {
        // Prepare
        const before = structuredClone(config);

        // Act
        const first = planRelease(config, push, delivery);
        const second = planRelease(config, push, delivery);

        // Assess
        expect(second).toEqual(first);
        expect(config).toEqual(before);
      }),
      RUNS,
    );
  });
});

describe('Property: execution names', () => {
  it('are valid Step Functions names', () => {
    fc.assert(
      fc.property(configAndPush(), ({ config, push }) => {
        for (const env of release(config, push).environments)
          expect(env.executionName).toMatch(EXECUTION_NAME);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(environmentName(), repository(), sha(), (env, repo, commit) => {
        expect(executionName(env, repo, commit)).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
      }),
      RUNS,
    );
  });

  it('are stable: a redelivery with another delivery id lands on the same names', () => {
    fc.assert(
      fc.property(configAndPush(), fc.uuid(), fc.uuid(), ({ config, push }, first, second) => {
        const names = (delivery: string) =>
          release(config, push, delivery).environments.map((e) => e.executionName);
        expect(names(second)).toEqual(names(first));
      }),
      RUNS,
    );
  });

  it('differ between the environments of one release', () => {
    fc.assert(
      fc.property(configAndPush(), ({ config, push }) => {
        const names = release(config, push).environments.map((env) => env.executionName);
        expect(new Set(names).size).toBe(names.length);
      }),
      RUNS,
    );
  });

  it('differ for different SHAs', () => {
    fc.assert(
      fc.property(environmentName(), repository(), sha(), sha(), (env, repo, a, b) => {
        fc.pre(a !== b);
        expect(executionName(env, repo, a)).not.toBe(executionName(env, repo, b));
      }),
      RUNS,
    );
  });

  it('differ for different environments', () => {
    fc.assert(
      fc.property(environmentName(), environmentName(), repository(), sha(), (a, b, repo, commit) => {
        fc.pre(a !== b);
        expect(executionName(a, repo, commit)).not.toBe(executionName(b, repo, commit));
      }),
      RUNS,
    );
  });

  it('differ for different repositories', () => {
    fc.assert(
      fc.property(environmentName(), repository(), repository(), sha(), (env, a, b, commit) => {
        fc.pre(a.toLowerCase() !== b.toLowerCase());
        expect(executionName(env, a, commit)).not.toBe(executionName(env, b, commit));
      }),
      RUNS,
    );
  });

  it.each([
    ['a dash moved across the slash', 'acme/checkout-api', 'acme-checkout/api'],
    ['a dot where the other has a dash', 'acme/checkout.api', 'acme/checkout-api'],
  ])('differ for repositories that only differ by %s', (_what, a, b) => {
    expect(executionName('prod', a, 'f'.repeat(40))).not.toBe(executionName('prod', b, 'f'.repeat(40)));
  });

  it('differ for environment and repository pairs that read alike', () => {
    // "dev-a" + "acme/x" and "dev" + "a-acme/x" both read dev-a-acme-x
    expect(executionName('dev-a', 'acme/x', 'f'.repeat(40))).not.toBe(
      executionName('dev', 'a-acme/x', 'f'.repeat(40)),
    );
  });

  it('differ for environments that only differ by a trailing dash', () => {
    expect(executionName('dev', 'acme/checkout', 'f'.repeat(40))).not.toBe(
      executionName('dev-', 'acme/checkout', 'f'.repeat(40)),
    );
  });

  it('differ whenever environment, repository or SHA differ, even over a tiny alphabet that invites look-alikes', () => {
    const triple = fc.tuple(
      fc.stringMatching(/^[a-b-]{1,4}$/),
      fc
        .tuple(fc.stringMatching(/^[a-b-]{1,3}$/), fc.stringMatching(/^[a-b._-]{1,3}$/))
        .map(([o, n]) => `${o}/${n}`),
      fc.stringMatching(/^[a-b]{1,3}$/),
    );
    fc.assert(
      fc.property(triple, triple, (a, b) => {
        fc.pre(a.join('\n') !== b.join('\n'));
        expect(executionName(...a)).not.toBe(executionName(...b));
      }),
      { numRuns: 2000 },
    );
  });

  it('keep the readable form for a plain owner/name', () => {
    expect(executionName('dev', 'acme/checkout', 'f'.repeat(40))).toBe(`dev-acme-checkout-${'f'.repeat(40)}`);
  });
});

describe('Property: traffic weights', () => {
  it('always sum to 100, with the step weight on the idle group', () => {
    fc.assert(
      fc.property(targets(), fc.integer({ min: 0, max: 100 }), (t, weight) => {
        const weights = stepWeights(t, weight);
        expect(Object.values(weights).reduce((a, b) => a + b, 0)).toBe(100);
        expect(weights[t.idle]).toBe(weight);
        expect(weights[t.live]).toBe(100 - weight);
      }),
      RUNS,
    );
  });

  it('read back as settled on the live group at step weight 0 (the restored listener)', () => {
    fc.assert(
      fc.property(targets(), fc.boolean(), (t, liveIsBlue) => {
        const groups = liveIsBlue ? { blue: t.live, green: t.idle } : { blue: t.idle, green: t.live };
        expect(readListener(stepWeights(t, 0), groups)).toEqual({ kind: 'settled', targets: t });
        expect(restoredWeights(t)).toEqual(stepWeights(t, 0));
      }),
      RUNS,
    );
  });

  it('read back as split for any weight strictly between 0 and 100', () => {
    fc.assert(
      fc.property(targets(), fc.integer({ min: 1, max: 99 }), (t, weight) => {
        expect(readListener(stepWeights(t, weight), { blue: t.live, green: t.idle }).kind).toBe('split');
      }),
      RUNS,
    );
  });

  it('read as foreign when traffic goes to a group outside the environment', () => {
    fc.assert(
      fc.property(targets(), groupArn, fc.integer({ min: 1, max: 100 }), (t, other, weight) => {
        fc.pre(other !== t.live && other !== t.idle);
        const weights: Weights = { [t.live]: 100 - weight, [other]: weight };
        expect(readListener(weights, { blue: t.live, green: t.idle })).toEqual({
          kind: 'foreign',
          groups: [other],
        });
      }),
      RUNS,
    );
  });

  it('match symmetrically, counting an absent group as 0', () => {
    const key = fc.constantFrom('blue', 'green', 'other');
    const weights = fc.dictionary(key, fc.integer({ min: 0, max: 100 }));
    fc.assert(
      fc.property(weights, weights, (a, b) => {
        expect(weightsMatch(a, b)).toBe(weightsMatch(b, a));
        expect(weightsMatch(a, a)).toBe(true);
        expect(
          weightsMatch(
            { ...a, other: 0 },
            Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'other')),
          ),
        ).toBe(true);
      }),
      RUNS,
    );
  });
});
