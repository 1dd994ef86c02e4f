import { createHash } from 'node:crypto';
import type { EnvironmentConfig } from '../functions/shared/domain/config.js';
import type { PortName } from '../functions/shared/ports/index.js';
import { FUNCTION_PORTS, type FunctionName } from './function-ports.js';

/**
 * Who may reach an environment's resources, decided from the config alone and without CDK: the
 * target stack's trust policy (infra/target-stack.ts) and the embedded runtime's local STS
 * (embedded/accounts.ts) both admit exactly these principals.
 */

/** The ports that reach an environment's own resources (its load balancer, alarms, services, images). */
export const ENVIRONMENT_PORTS = [
  'trafficReader',
  'trafficRouter',
  'alarms',
  'metrics',
  'deployer',
  'serviceScaler',
  'artifacts',
] as const satisfies readonly PortName[];
export type EnvironmentPort = (typeof ENVIRONMENT_PORTS)[number];

export const isEnvironmentPort = (port: PortName): port is EnvironmentPort =>
  (ENVIRONMENT_PORTS as readonly PortName[]).includes(port);

/** The session tags every function passes on AssumeRole; the target role's trust allows these keys only. */
export const SESSION_TAG_KEYS = ['sluice:environment', 'sluice:release'] as const;

/** The delivery stack's account and region: the account that runs Sluice's functions. */
export interface Delivery {
  readonly account: string;
  readonly region: string;
}

/** The ports a release in this environment uses: the ELBv2 ones always, the others where configured. */
export function environmentPortsOf(env: EnvironmentConfig): EnvironmentPort[] {
  return [
    'trafficReader',
    'trafficRouter',
    ...(env.alarms.length > 0 ? (['alarms'] as const) : []),
    ...(env.analysis ? (['metrics'] as const) : []),
    ...(env.deploy.provider === 'ecs' ? (['deployer', 'serviceScaler'] as const) : []),
    ...(env.artifact ? (['artifacts'] as const) : []),
  ];
}

/** The functions holding at least one of the environment's ports: the only ones that may assume its role. */
export function functionsReaching(env: EnvironmentConfig): FunctionName[] {
  const used = new Set<EnvironmentPort>(environmentPortsOf(env));
  return (Object.keys(FUNCTION_PORTS) as FunctionName[]).filter((name) =>
    (FUNCTION_PORTS[name] as readonly string[]).some(
      (port) => isEnvironmentPort(port as never) && used.has(port as EnvironmentPort),
    ),
  );
}

/** Every function holding any environment port. */
export function functionsWithEnvironmentPorts(): FunctionName[] {
  return (Object.keys(FUNCTION_PORTS) as FunctionName[]).filter((name) =>
    (FUNCTION_PORTS[name] as readonly string[]).some((port) => isEnvironmentPort(port as never)),
  );
}

const ROLE_NAME_MAX = 64;

/**
 * The fixed name of a delivery function's role, `sluice-<service>-<region>-<Function>`: a target
 * stack names it in its trust policy before (or without) reading the delivery stack. The region
 * keeps two installations of one service in two regions apart (role names are global to an account).
 */
export function functionRoleName(service: string, region: string, fn: FunctionName): string {
  const name = `sluice-${service}-${region}-${fn}`;
  if (name.length <= ROLE_NAME_MAX) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, ROLE_NAME_MAX - 9)}-${digest}`;
}

export function functionRoleArn(partition: string, delivery: Delivery, service: string, fn: FunctionName) {
  return `arn:${partition}:iam::${delivery.account}:role/${functionRoleName(service, delivery.region, fn)}`;
}
