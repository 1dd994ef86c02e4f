import type { App } from 'aws-cdk-lib';
import { type EnvironmentAccount, targetRoleArn } from '../functions/shared/domain/accounts.js';
import type { EnvironmentConfig, SluiceConfig } from '../functions/shared/domain/config.js';
import type { Delivery } from './environment-access.js';
import { arnParts } from './policies.js';

export {
  type Delivery,
  environmentPortsOf,
  functionRoleArn,
  functionRoleName,
  functionsReaching,
  functionsWithEnvironmentPorts,
  SESSION_TAG_KEYS,
} from './environment-access.js';

/**
 * The CDK side of environments in their own AWS accounts (issue 19): which functions reach which
 * environment, the fixed names of their roles (so a target stack in another account can trust
 * them before either stack is deployed), and where the delivery stack lives.
 */

/** A config or context problem of a multi-account installation, found at synth. */
export class AccountsError extends Error {
  override readonly name = 'AccountsError';
}

/** An environment's `account`, if it lives in its own account. */
export function accountOf(env: EnvironmentConfig): EnvironmentAccount | undefined {
  return env.account;
}

/** The environments reached through a role in their own account, each with that account. */
export function remoteEnvironments(
  config: SluiceConfig,
): { env: EnvironmentConfig; account: EnvironmentAccount }[] {
  return config.environments.flatMap((env) => {
    const account = accountOf(env);
    return account ? [{ env, account }] : [];
  });
}

/** The config narrowed to the environments the delivery stack's functions reach with their own role. */
export function localConfig(config: SluiceConfig): SluiceConfig {
  return { ...config, environments: config.environments.filter((env) => !accountOf(env)) };
}

/** The config narrowed to one environment: what that environment's role is granted. */
export function environmentConfig(config: SluiceConfig, env: EnvironmentConfig): SluiceConfig {
  return { ...config, environments: [env] };
}

/**
 * `-c sluice:deliveryAccount=… -c sluice:deliveryRegion=…` (or cdk.json). Deliberately not
 * CDK_DEFAULT_ACCOUNT: `cdk deploy --profile prod SluiceTarget-…` runs with the prod account's
 * credentials, and the target role must still trust the delivery account's functions.
 */
export function deliveryFromContext(app: App): Partial<Delivery> {
  const account = app.node.tryGetContext('sluice:deliveryAccount');
  const region = app.node.tryGetContext('sluice:deliveryRegion');
  return {
    ...(account !== undefined ? { account: String(account) } : {}),
    ...(region !== undefined ? { region: String(region) } : {}),
  };
}

/** The delivery account and region, required once any environment lives in its own account. */
export function requireDelivery(config: SluiceConfig, delivery: Partial<Delivery>): Delivery | undefined {
  const remote = remoteEnvironments(config);
  if (remote.length === 0) return undefined;
  const names = remote.map(({ env }) => env.name).join(', ');
  if (!delivery.account || !/^\d{12}$/.test(delivery.account)) {
    throw new AccountsError(
      `environments ${names} live in their own accounts: give the delivery account Sluice runs in with -c sluice:deliveryAccount=<12-digit id> (got ${delivery.account ?? 'nothing'})`,
    );
  }
  if (!delivery.region || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(delivery.region)) {
    throw new AccountsError(
      `environments ${names} live in their own accounts: give the delivery region with -c sluice:deliveryRegion=<region> (got ${delivery.region ?? 'nothing'})`,
    );
  }
  return { account: delivery.account, region: delivery.region };
}

/** The partition every ARN of the environment is in (its listener's). */
export const partitionOf = (env: EnvironmentConfig) => arnParts(env.listenerArn).partition;

/** Where an environment's target stack deploys: its account, in its region or the delivery region. */
export function targetEnvOf(account: EnvironmentAccount, delivery: Delivery): Delivery {
  return { account: account.id, region: account.region ?? delivery.region };
}

/** The role a delivery function assumes for an environment (the configured one, else the target stack's). */
export const environmentRoleArn = (
  config: SluiceConfig,
  env: EnvironmentConfig,
  account: EnvironmentAccount,
) => targetRoleArn(config.service, env.name, account);

/** The delivery account's default event bus, where the target stacks forward alarm state changes. */
export const deliveryBusArn = (partition: string, delivery: Delivery) =>
  `arn:${partition}:events:${delivery.region}:${delivery.account}:event-bus/default`;
