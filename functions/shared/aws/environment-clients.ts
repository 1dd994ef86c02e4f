import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import {
  type AccessScope,
  arnLocation,
  type EnvironmentAccount,
  roleSessionName,
  sessionTags,
  sourceIdentityOf,
  targetRoleArn,
} from '../domain/accounts.js';
import type { SluiceConfig } from '../domain/config.js';
import { WrongAccountError } from '../domain/errors.js';
import { awsConfig } from './config-port.js';
import { once } from './once.js';

/**
 * Lambda's execution role is itself an assumed role, so assuming an environment's role is role
 * chaining, which AWS limits to one hour: "if you assume a role using role chaining and provide a
 * DurationSeconds parameter value greater than one hour, the operation fails" (STS API reference,
 * AssumeRole, DurationSeconds).
 */
export const SESSION_SECONDS = 3600;
/** Credentials are renewed this long before they expire, so a long wait never sends an expired key. */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** Clients kept per container: one per service and session; the oldest go first. */
const MAX_CLIENTS = 64;

/** What an SDK v3 client's constructor takes that this module sets. */
export interface BaseClientConfig {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

type ClientClass<C> = new (config: BaseClientConfig) => C;

/**
 * A role's credentials, assumed on first use and again 5 minutes before they expire: a
 * CheckAlarms or Deploy that waits long keeps working, and concurrent calls share one AssumeRole.
 */
export function assumedRoleCredentials(
  sts: STSClient,
  input: AssumeRoleCommandInput,
  now: () => number = Date.now,
): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_BEFORE_MS);
  return async function environmentRoleCredentials() {
    if (fresh(current)) return current;
    pending ??= sts
      .send(new AssumeRoleCommand(input))
      .then(({ Credentials: c }) => {
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`AssumeRole ${input.RoleArn} returned no credentials`);
        current = {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
        };
        return current;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** The AssumeRole request for a scope in an environment's account. */
export function assumeRoleInput(
  service: string,
  scope: AccessScope,
  account: EnvironmentAccount,
): AssumeRoleCommandInput {
  const sourceIdentity = sourceIdentityOf(scope.actor);
  return {
    RoleArn: targetRoleArn(service, scope.environment, account),
    RoleSessionName: roleSessionName(scope),
    DurationSeconds: SESSION_SECONDS,
    Tags: sessionTags(scope),
    ...(account.externalId ? { ExternalId: account.externalId } : {}),
    ...(sourceIdentity ? { SourceIdentity: sourceIdentity } : {}),
  };
}

export interface EnvironmentClientsOptions {
  /** The config Sluice runs: where each environment's account and role come from. */
  config: () => SluiceConfig;
  /** What every client gets (region, endpoint, the caller's own credentials). */
  base?: BaseClientConfig;
  now?: () => number;
}

/**
 * The one place an environment's SDK clients are built. An environment with `account` gets
 * clients signed with its role, assumed with STS AssumeRole for the scope (session name from the
 * release, ExternalId, session tags `sluice:environment` and `sluice:release`, the human actor as
 * SourceIdentity); one without gets the caller's own. A resource outside the scope's environment
 * (its ARN in another account or region) is refused before any call.
 */
export class EnvironmentClients {
  private readonly clients = new Map<string, unknown>();
  private readonly sessions = new Map<string, AwsCredentialIdentityProvider>();
  private sts: STSClient | undefined;

  constructor(private readonly options: EnvironmentClientsOptions) {}

  /** A client of `Client` for the scope's environment; `resources` must be that environment's. */
  client<C>(Client: ClientClass<C>, scope: AccessScope, resources: (string | undefined)[] = []): C {
    const config = this.options.config();
    const env = config.environments.find((e) => e.name === scope.environment);
    if (!env) throw new WrongAccountError(`no environment ${scope.environment} in the config`);
    const home = arnLocation(env.listenerArn);
    for (const arn of resources) {
      const at = arn ? arnLocation(arn) : undefined;
      if (at && home && (at.account !== home.account || (at.region !== '' && at.region !== home.region))) {
        throw new WrongAccountError(
          `${arn} is in ${at.account}/${at.region}, not in environment ${env.name}'s ${home.account}/${home.region}: refusing to reach it with ${env.name}'s credentials`,
        );
      }
    }
    // The account comes from the config Sluice runs, never from a Task's input.
    const account = env.account;
    const input = account ? assumeRoleInput(config.service, scope, account) : undefined;
    const region = account?.region ?? this.options.base?.region;
    const session = input ? JSON.stringify([input, region]) : `own|${region ?? ''}`;
    const key = `${Client.name}|${session}`;
    const cached = this.clients.get(key);
    if (cached) return cached as C;
    const credentials = input ? this.credentials(session, input) : this.options.base?.credentials;
    const made = new Client({
      ...this.options.base,
      ...(region ? { region } : {}),
      ...(credentials ? { credentials } : {}),
    });
    this.remember(this.clients, key, made);
    return made;
  }

  private credentials(session: string, input: AssumeRoleCommandInput): AwsCredentialIdentityProvider {
    const known = this.sessions.get(session);
    if (known) return known;
    // STS is called with the caller's own credentials, in the caller's region.
    this.sts ??= new STSClient({ ...this.options.base });
    const provider = assumedRoleCredentials(this.sts, input, this.options.now);
    this.remember(this.sessions, session, provider);
    return provider;
  }

  private remember<T>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_CLIENTS) map.delete(map.keys().next().value as string);
    map.set(key, value);
  }
}

/** The Lambda functions' EnvironmentClients: the bundled config, the function's own credentials. */
export const awsEnvironmentClients = (): EnvironmentClients =>
  once('environment-clients', () => new EnvironmentClients({ config: awsConfig }));

/** An SDK client for the scope's environment, in a Lambda function (see EnvironmentClients). */
export const environmentClient = <C>(
  Client: ClientClass<C>,
  scope: AccessScope,
  resources: (string | undefined)[] = [],
): C => awsEnvironmentClients().client(Client, scope, resources);
