import fc from 'fast-check';
import type { PushEvent } from '../../functions/shared/domain/plan.js';

const ACCOUNT = '123456789012';
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));

/** A commit SHA that is not the all-zero "deleted" one. */
export const sha = () => hex(40).filter((value) => !/^0+$/.test(value));

/** owner/name as GitHub allows them (owner: letters, digits, dashes; name: also dots and underscores). */
export const repository = () =>
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/), fc.stringMatching(/^[A-Za-z0-9._-]{1,100}$/))
    .map(([owner, name]) => `${owner}/${name}`);

export const environmentName = () => fc.stringMatching(/^[a-z][a-z0-9-]{0,31}$/);

/** Strictly increasing canary weights that end at 100. */
export const stepWeights = () =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 })
    .map((weights) => [...weights.sort((a, b) => a - b), 100]);

/** A duration as the config takes it, up to `max` seconds: a number, or "90s", "5m", "1h30m". */
export const duration = (max = 7200) =>
  fc.oneof(
    fc.integer({ min: 0, max }),
    fc.integer({ min: 0, max: Math.min(max, 3600) }).map((s) => `${s}s`),
    fc.integer({ min: 0, max: Math.floor(max / 60) }).map((m) => `${m}m`),
    ...(max >= 3600
      ? [
          fc
            .tuple(fc.integer({ min: 1, max: Math.floor(max / 3600) }), fc.integer({ min: 0, max: 59 }))
            .map(([h, m]) => `${h}h${Math.min(m, Math.floor((max - h * 3600) / 60))}m`),
        ]
      : []),
  );

const HEX16 = hex(16);
// Seven bakes of up to 15 minutes and a watch of up to 30 keep every generated environment within
// a release execution's limit (functions/shared/domain/limits.ts), as a valid config must be.
const BAKE = duration(900);
const WATCH = duration(1800);

/** One environment's settings; built once, as stringMatching arbitraries are costly to construct. */
const ENVIRONMENT_BODY = fc
  .record({
    weights: stepWeights(),
    bakes: fc.array(BAKE, { minLength: 7, maxLength: 7 }),
    watch: WATCH,
    lb: HEX16,
    listener: HEX16,
    blue: HEX16,
    green: HEX16,
    alarms: fc.integer({ min: 0, max: 3 }),
    policy: fc.constantFrom('fail', 'extend'),
    ecs: fc.boolean(),
  })
  .filter(({ blue, green }) => blue !== green);

type EnvironmentBody = typeof ENVIRONMENT_BODY extends fc.Arbitrary<infer T> ? T : never;

const environmentDocument = (name: string, env: EnvironmentBody) => ({
  name,
  listenerArn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/${name}/${env.lb}/${env.listener}`,
  targetGroups: {
    blue: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${name}-blue/${env.blue}`,
    green: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${name}-green/${env.green}`,
  },
  deploy: env.ecs
    ? { provider: 'ecs', cluster: name, services: { blue: `${name}-blue`, green: `${name}-green` } }
    : { provider: 'external' },
  steps: env.weights.map((weight, i) => ({ weight, bake: env.bakes[i] })),
  alarms: Array.from({ length: env.alarms }, (_, i) => `${name}-alarm-${i}`),
  watch: env.watch,
  insufficientData: { policy: env.policy },
});

/** A valid config document (before parsing): one to four environments with distinct names. */
export const configDocument = () =>
  fc
    .record({
      repository: repository(),
      service: fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/),
      names: fc.uniqueArray(environmentName(), { minLength: 1, maxLength: 4 }),
      bodies: fc.array(ENVIRONMENT_BODY, { minLength: 4, maxLength: 4 }),
    })
    .map(({ repository, service, names, bodies }) => ({
      repository,
      service,
      releaseBranches: ['release/*', 'main'],
      environments: names.map((name, i) => environmentDocument(name, bodies[i]!)),
    }));

/** What varies between pushes of a release branch: the commit, the branch, who pushed. */
export const releasePushFields = () =>
  fc.record({
    after: sha(),
    branch: fc.oneof(
      fc.constant('main'),
      fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,19}$/).map((v) => `release/${v}`),
    ),
    pusher: fc.stringMatching(/^[A-Za-z0-9-]{1,39}$/),
  });

/** A push event of a release branch of the given repository. */
export function releasePush(
  repositoryName: string,
  { after, branch, pusher }: { after: string; branch: string; pusher: string },
): PushEvent {
  return {
    ref: `refs/heads/${branch}`,
    after,
    deleted: false,
    repository: { full_name: repositoryName },
    pusher: { name: pusher },
  };
}
