import { accessScope } from '../functions/shared/domain/accounts.js';
import {
  attempt,
  type DoctorReport,
  type EnvironmentFacts,
  type GlobalFacts,
  judge,
  type ListenerFacts,
  read,
  type SecretFacts,
  type TargetGroupFacts,
} from '../functions/shared/domain/doctor.js';
import { isReleaseRecord } from '../functions/shared/domain/release.js';
import type { SecretName } from '../functions/shared/ports/secrets.js';
import { SECRET_ENV } from './adapters/secrets.js';
import type { EmbeddedRuntime } from './runtime.js';

/** The load balancer a listener ARN belongs to (listener/app/NAME/ID/LID → loadbalancer/app/NAME/ID). */
export function loadBalancerOf(listenerArn: string): string {
  return listenerArn.replace(/:listener\/(app|net)\/([^/]+)\/([^/]+)\/[^/]+$/, ':loadbalancer/$1/$2/$3');
}

/**
 * The doctor's facts read from a running embedded runtime, through the same ports the handlers
 * use where a port has the fact, and from the local load balancer and CloudWatch otherwise.
 * Reads only: no weight, record, alarm or target changes.
 */
export async function embeddedDoctor(runtime: EmbeddedRuntime): Promise<DoctorReport> {
  const { ports, alb, config } = runtime;
  const records = await attempt(async () => (await ports.releases().list()).filter(isReleaseRecord));
  const environments: Record<string, EnvironmentFacts> = {};
  for (const env of config.environments) {
    const loadBalancerArn = loadBalancerOf(env.listenerArn);
    const scope = accessScope(env.name);
    const reader = ports.trafficReader(env, scope);
    const listener = await attempt(async (): Promise<ListenerFacts> => {
      const weights = await reader.readWeights();
      const stickiness = await reader.stickinessSeconds();
      return {
        loadBalancerArn,
        forwardActions: [
          {
            targetGroups: Object.entries(weights).map(([arn, weight]) => ({ arn, weight })),
            ...(stickiness !== undefined ? { stickinessSeconds: stickiness } : {}),
          },
        ],
      };
    });
    const group = (arn: string) =>
      attempt(
        async (): Promise<TargetGroupFacts> => ({
          loadBalancerArns: alb.inUse(arn) ? [loadBalancerArn] : [],
          registered: alb.targets(arn).length,
          healthy: await reader.healthyTargets(arn),
        }),
      );
    environments[env.name] = {
      listener,
      targetGroups: { blue: await group(env.targetGroups.blue), green: await group(env.targetGroups.green) },
      alarms: await attempt(async () =>
        (await ports.alarms(scope).describe(env.alarms)).flatMap((a) =>
          a.state
            ? [
                {
                  name: a.name,
                  kind: 'metric' as const,
                  state: a.state,
                  ...(a.updatedAt ? { stateSince: a.updatedAt } : {}),
                },
              ]
            : [],
        ),
      ),
      releases: records.ok
        ? read(
            records.value
              .filter((r) => r.environment === env.name)
              .sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
          )
        : records,
      lock: await attempt(() => ports.releases().lockHolder(env.name)),
      standIns: {
        deploy:
          'ecs: the embedded deployer stands in for ECS (sample apps on the idle group); ECS is checked with --stack',
        artifact:
          'ecr: the local registry stands in for ECR; the repository and its scanning are checked with --stack',
      },
    };
  }
  const secrets = ports.secrets();
  const global: GlobalFacts = {
    stateMachines: [
      { name: 'release', status: read(runtime.engine ? 'ACTIVE' : undefined) },
      { name: 'pipeline', status: read(runtime.pipelines ? 'ACTIVE' : undefined) },
    ],
    secrets: await Promise.all(
      (Object.keys(SECRET_ENV) as SecretName[]).map((name) =>
        attempt(
          async (): Promise<SecretFacts> => ({
            name,
            location: `the embedded secret ${name} (.sluice/secrets.json or ${SECRET_ENV[name]})`,
            exists: (await secrets.get(name)).length > 0,
            stages: ['AWSCURRENT'],
          }),
        ),
      ),
    ),
  };
  return judge(config, environments, global);
}
