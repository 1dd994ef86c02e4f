import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { assumeRoleInput, REFRESH_BEFORE_MS } from '../functions/shared/aws/environment-clients.js';
import {
  type AccessScope,
  arnLocation,
  type EnvironmentAccount,
  environmentAccountId,
  targetRoleArn,
} from '../functions/shared/domain/accounts.js';
import type { EnvironmentConfig, SluiceConfig } from '../functions/shared/domain/config.js';
import {
  type Delivery,
  functionRoleArn,
  functionRoleName,
  functionsReaching,
  SESSION_TAG_KEYS,
} from '../infra/environment-access.js';
import type { FunctionName } from '../infra/function-ports.js';

/*
 * Accounts on one machine (issue 19). Each environment's local load balancer, alarms, metrics and
 * deployer belong to the account its ARNs name; Sluice's functions run as their roles in the
 * delivery account, and reach another account's resources only as the role they assumed there
 * through the local STS, which checks the trust as the target stack's role does
 * (infra/target-stack.ts). Nothing under functions/ knows: the ports receive the AccessScope they
 * receive on AWS, and the local adapters act as the principal it resolves to.
 */

/**
 * AWS's refusal of a call, as the SDK surfaces it: an error named by its code, `AccessDenied`
 * (STS and ELBv2 answer that code), with IAM's message, "User: <principal ARN> is not authorized
 * to perform: <action> on resource: <resource ARN> because no <type> policy allows the <action>
 * action" (IAM User Guide, "Troubleshooting access denied error messages").
 */
export class AccessDeniedError extends Error {
  // The name is AWS's error code, which is what a caller of the SDK matches on.
  override readonly name = 'AccessDenied';
  readonly $metadata = { httpStatusCode: 403 };
}

/** STS refused the request's shape (e.g. a chained session longer than an hour). */
export class StsValidationError extends Error {
  override readonly name = 'ValidationError';
}

/** Who makes a call: the ARN AWS prints in a refusal, the ARN trust policies match, the account. */
export interface LocalIdentity {
  /** e.g. arn:aws:sts::222222222222:assumed-role/sluice-checkout-prod/checkout-4f2a… */
  arn: string;
  /** `aws:PrincipalArn`: the role behind a session. */
  principalArn: string;
  account: string;
}

/** The credentials AssumeRole returns; locally they only stand for the session they name. */
export interface LocalCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: Date;
}

/** One AssumeRole the local STS answered, as CloudTrail in the target account would show it. */
export interface AssumeRoleRecord {
  caller: string;
  input: AssumeRoleCommandInput;
  at: Date;
  outcome: 'assumed' | 'denied';
  /** The session's ARN when assumed; the refusal's message when denied. */
  detail: string;
}

/** A role in an environment's account, trusted as infra/target-stack.ts trusts its role. */
interface LocalRole {
  arn: string;
  name: string;
  account: string;
  environment: string;
  externalId?: string;
  /** aws:PrincipalArn → whether the principal must name itself (sts:SourceIdentity). */
  trusted: Map<string, { operator: boolean }>;
}

/** Role chaining: "if you assume a role using role chaining … greater than one hour, the operation fails" (STS API reference, AssumeRole). */
const CHAINED_SESSION_MAX_SECONDS = 3600;
const DEFAULT_DELIVERY_ACCOUNT = '123456789012';
const LOCAL_OPERATOR_ROLE = 'sluice-local-operator';

/** The local CloudTrail keeps the newest entries only, so a long `sluice serve` does not grow without bound. */
const KEPT = 10_000;
function remember<T>(log: T[], entry: T): void {
  if (log.length >= KEPT) log.shift();
  log.push(entry);
}

const denied = (who: string, action: string, resource: string, policy: string) =>
  new AccessDeniedError(
    `User: ${who} is not authorized to perform: ${action} on resource: ${resource} because no ${policy} policy allows the ${action} action`,
  );

/**
 * The local STS: AssumeRole into an environment's role, trusted as the target stack's is — only the
 * delivery functions holding the environment's ports (and the local operator, naming itself with a
 * SourceIdentity), the ExternalId when the config sets one, session tags of Sluice's keys with
 * `sluice:environment` naming the role's environment.
 */
export class LocalSts {
  /** Every AssumeRole, assumed or denied, oldest first. */
  readonly calls: AssumeRoleRecord[] = [];
  private readonly sessions = new Map<string, LocalIdentity>();

  constructor(
    private readonly roles: Map<string, LocalRole>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  assumeRole(
    caller: LocalIdentity,
    input: AssumeRoleCommandInput,
  ): { Credentials: LocalCredentials; AssumedRoleUser: { Arn: string; AssumedRoleId: string } } {
    const at = this.now();
    try {
      const role = this.trusting(caller, input);
      const duration = input.DurationSeconds ?? CHAINED_SESSION_MAX_SECONDS;
      // Every local caller is itself a role session (a function's, the operator's): chaining.
      if (duration > CHAINED_SESSION_MAX_SECONDS) {
        throw new StsValidationError(
          `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`,
        );
      }
      const session = `arn:aws:sts::${role.account}:assumed-role/${role.name}/${input.RoleSessionName}`;
      const credentials: LocalCredentials = {
        AccessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        SecretAccessKey: randomBytes(30).toString('base64'),
        SessionToken: randomBytes(48).toString('base64'),
        Expiration: new Date(at.getTime() + duration * 1000),
      };
      this.sessions.set(credentials.AccessKeyId, {
        arn: session,
        principalArn: role.arn,
        account: role.account,
      });
      remember(this.calls, { caller: caller.arn, input, at, outcome: 'assumed', detail: session });
      return {
        Credentials: credentials,
        AssumedRoleUser: {
          Arn: session,
          AssumedRoleId: `AROA${randomUUID().slice(0, 8).toUpperCase()}:${input.RoleSessionName}`,
        },
      };
    } catch (error) {
      remember(this.calls, {
        caller: caller.arn,
        input,
        at,
        outcome: 'denied',
        detail: (error as Error).message,
      });
      throw error;
    }
  }

  /** GetCallerIdentity of a session's credentials. */
  identityOf(credentials: Pick<LocalCredentials, 'AccessKeyId'>): LocalIdentity | undefined {
    return this.sessions.get(credentials.AccessKeyId);
  }

  private trusting(caller: LocalIdentity, input: AssumeRoleCommandInput): LocalRole {
    const roleArn = input.RoleArn ?? '';
    const refuse = () => denied(caller.arn, 'sts:AssumeRole', roleArn, 'resource-based');
    const role = this.roles.get(roleArn);
    if (!role) throw refuse();
    const trust = role.trusted.get(caller.principalArn);
    if (!trust) throw refuse();
    if (role.externalId !== undefined && input.ExternalId !== role.externalId) throw refuse();
    if (trust.operator && !input.SourceIdentity) throw refuse();
    const tags = input.Tags ?? [];
    const allowedKeys: readonly string[] = SESSION_TAG_KEYS;
    if (tags.some((tag) => !allowedKeys.includes(tag.Key ?? ''))) {
      throw denied(caller.arn, 'sts:TagSession', roleArn, 'resource-based');
    }
    const environmentTag = tags.find((tag) => tag.Key === SESSION_TAG_KEYS[0]);
    if (tags.length > 0 && environmentTag?.Value !== role.environment) {
      throw denied(caller.arn, 'sts:TagSession', roleArn, 'resource-based');
    }
    return role;
  }
}

/** What a port on an environment's resources acts as: resolved on its first call, as an SDK client's credentials are. */
export interface LocalPrincipal {
  /** The identity the calls are made with (the assumed role's session; AccessDenied if STS refuses it). */
  identity(): LocalIdentity;
  /** Refuses, as AWS does, a call on a resource in another account than the caller's. */
  authorize(action: string, resource: string): void;
}

/**
 * The accounts of an embedded runtime: the delivery account Sluice's functions run in (that of the
 * environments without `account`), each environment's account, its role and the local STS, and
 * who is calling now (the function whose handler runs, else the local operator).
 */
export class LocalAccounts {
  readonly delivery: Delivery;
  readonly sts: LocalSts;
  /** Who calls from outside any function: `sluice serve`'s API and the embedded doctor. */
  readonly operator: LocalIdentity;
  /** Every call on an environment's resources, who made it and whether its account allowed it (a local CloudTrail). */
  readonly trail: { who: string; action: string; resource: string; allowed: boolean }[] = [];
  private readonly caller = new AsyncLocalStorage<LocalIdentity>();
  private readonly assumed = new Map<string, { identity: LocalIdentity; expires: number }>();

  constructor(
    private readonly config: SluiceConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.delivery = deliveryOf(config);
    const operatorRole = `arn:aws:iam::${this.delivery.account}:role/${LOCAL_OPERATOR_ROLE}`;
    this.operator = {
      arn: `arn:aws:sts::${this.delivery.account}:assumed-role/${LOCAL_OPERATOR_ROLE}/sluice-serve`,
      principalArn: operatorRole,
      account: this.delivery.account,
    };
    const roles = new Map<string, LocalRole>();
    for (const env of config.environments) {
      if (!env.account) continue;
      const role = this.roleOf(env, env.account);
      role.trusted.set(operatorRole, { operator: true });
      roles.set(role.arn, role);
    }
    this.sts = new LocalSts(roles, now);
  }

  /** The account an environment's resources belong to. */
  accountOf(environment: string): string {
    const env = this.config.environments.find((e) => e.name === environment);
    return (env && environmentAccountId(env)) ?? this.delivery.account;
  }

  /** A function's own identity: its execution role in the delivery account, in the session Lambda names after it. */
  functionIdentity(fn: FunctionName): LocalIdentity {
    const role = functionRoleArn('aws', this.delivery, this.config.service, fn);
    const name = functionRoleName(this.config.service, this.delivery.region, fn);
    return {
      arn: `arn:aws:sts::${this.delivery.account}:assumed-role/${name}/${fn}`,
      principalArn: role,
      account: this.delivery.account,
    };
  }

  /** Runs `work` as the function, as Lambda runs a handler with its execution role's credentials. */
  runAs<T>(fn: FunctionName, work: () => T): T {
    return this.caller.run(this.functionIdentity(fn), work);
  }

  /** Who is calling now: the function whose handler runs, else the local operator. */
  current(): LocalIdentity {
    return this.caller.getStore() ?? this.operator;
  }

  /**
   * The principal a port built for `scope` acts as: for an environment with `account`, its role,
   * assumed by the current caller with the request the AWS adapters send (assumeRoleInput: the
   * release as session name, the ExternalId, the session tags, the actor as SourceIdentity); for
   * one without, the caller itself. The operator names itself: an actor-less call from outside a
   * function carries `sluice-serve` as its SourceIdentity.
   */
  principal(scope: AccessScope): LocalPrincipal {
    const caller = this.current();
    const env = this.config.environments.find((e) => e.name === scope.environment);
    const account = env?.account;
    const asOperator = caller === this.operator && !scope.actor ? { ...scope, actor: 'sluice-serve' } : scope;
    const resolve = account
      ? () => this.session(caller, assumeRoleInput(this.config.service, asOperator, account))
      : () => caller;
    return this.acting(resolve);
  }

  /** A principal acting with the caller's own credentials, whatever the environment: what skipping the role looks like. */
  own(identity: LocalIdentity = this.current()): LocalPrincipal {
    return this.acting(() => identity);
  }

  private acting(resolve: () => LocalIdentity): LocalPrincipal {
    return {
      identity: resolve,
      authorize: (action, resource) => {
        const who = resolve();
        const at = arnLocation(resource);
        const allowed = !at || at.account === who.account;
        remember(this.trail, { who: who.arn, action, resource, allowed });
        if (!allowed) throw denied(who.arn, action, resource, 'resource-based');
      },
    };
  }

  /** A session of the role, assumed once per caller and request, and again 5 minutes before it expires. */
  private session(caller: LocalIdentity, input: AssumeRoleCommandInput): LocalIdentity {
    const key = JSON.stringify([caller.principalArn, input]);
    const known = this.assumed.get(key);
    if (known && known.expires - this.now().getTime() > REFRESH_BEFORE_MS) return known.identity;
    const { Credentials } = this.sts.assumeRole(caller, input);
    const identity = this.sts.identityOf(Credentials);
    if (!identity) throw new Error('the local STS lost a session it just issued');
    this.assumed.set(key, { identity, expires: Credentials.Expiration.getTime() });
    return identity;
  }

  private roleOf(env: EnvironmentConfig, account: EnvironmentAccount): LocalRole {
    const arn = targetRoleArn(this.config.service, env.name, account);
    return {
      arn,
      name:
        arn
          .slice(arn.indexOf(':role/') + ':role/'.length)
          .split('/')
          .at(-1) ?? arn,
      account: account.id,
      environment: env.name,
      ...(account.externalId ? { externalId: account.externalId } : {}),
      trusted: new Map(
        functionsReaching(env).map((fn) => [
          functionRoleArn('aws', this.delivery, this.config.service, fn),
          { operator: false },
        ]),
      ),
    };
  }
}

/**
 * The delivery account and region: those of the environments without `account` (config validation
 * holds them to one account and region), else a local stand-in that no environment uses.
 */
export function deliveryOf(config: SluiceConfig): Delivery {
  const home = config.environments.find((env) => !env.account);
  const at = home ? arnLocation(home.listenerArn) : undefined;
  if (at) return { account: at.account, region: at.region };
  const used = new Set(config.environments.map((env) => env.account?.id));
  const first = config.environments[0];
  const region = (first && (first.account?.region ?? arnLocation(first.listenerArn)?.region)) || 'us-east-1';
  return { account: used.has(DEFAULT_DELIVERY_ACCOUNT) ? '000000000000' : DEFAULT_DELIVERY_ACCOUNT, region };
}
