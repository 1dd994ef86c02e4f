import { createHash } from 'node:crypto';

/**
 * An environment that lives in its own AWS account (issue 19). Sluice's functions reach its
 * resources only through `role`, assumed with STS AssumeRole; without `account` an environment
 * sits in the stack's own account and region, as before.
 */
export interface EnvironmentAccount {
  /** The 12-digit account id every ARN of the environment must name. */
  id: string;
  /** The role to assume; defaults to the one the environment's target stack creates. */
  role?: string;
  /** Required by the role's trust policy when set (confused-deputy protection). */
  externalId?: string;
  /** Defaults to the delivery stack's region. */
  region?: string;
}

/** IAM role names are at most 64 characters: a long service and environment end in a digest. */
const ROLE_NAME_MAX = 64;

/** The name of the role the target stack `SluiceTarget-<service>-<env>` creates for an environment. */
export function targetRoleName(service: string, environment: string): string {
  const name = `sluice-${service}-${environment}`;
  if (name.length <= ROLE_NAME_MAX) return name;
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, ROLE_NAME_MAX - 9)}-${digest}`;
}

/** The role a function assumes for an environment: the configured one, else the target stack's. */
export function targetRoleArn(service: string, environment: string, account: EnvironmentAccount): string {
  return account.role ?? `arn:aws:iam::${account.id}:role/${targetRoleName(service, environment)}`;
}

/** The target stack's name for an environment in its own account. */
export const targetStackName = (service: string, environment: string) =>
  `SluiceTarget-${service}-${environment}`;

/**
 * Who reaches an environment's resources, and for what: every port on an environment's resources
 * (traffic, alarms, deployer, scaler, registry) is built for one scope. On AWS an environment with
 * `account` is reached through its role, assumed for this scope; without, with the caller's own
 * credentials.
 */
export interface AccessScope {
  /** The environment's name: its account and role come from the config, never from the input. */
  environment: string;
  /** The release the call is made for: the role session's name and its `sluice:release` tag. */
  release?: string;
  /** The human behind a manual action (the CLI's caller): the session's SourceIdentity. */
  actor?: string;
}

/** The scope of a call on an environment's resources. */
export const accessScope = (environment: string, release?: string, actor?: string): AccessScope => ({
  environment,
  ...(release ? { release } : {}),
  ...(actor ? { actor } : {}),
});

// STS AssumeRole (API reference): RoleSessionName and SourceIdentity are 2–64 characters of
// [\w+=,.@-]; SourceIdentity may not start with "aws:". A session tag's value is at most 256
// characters of [\p{L}\p{Z}\p{N}_.:/=+\-@].
const SESSION_NAME_MAX = 64;
const TAG_VALUE_MAX = 256;

/** A string cut to `max` characters of `allowed`, with a digest of the whole when it had to be cut. */
function fitted(value: string, allowed: RegExp, max: number): string {
  const cleaned = value.replace(allowed, '-');
  if (cleaned.length <= max && cleaned === value) return cleaned;
  const digest = createHash('sha256').update(value).digest('hex').slice(0, 8);
  return cleaned.length + 9 <= max ? `${cleaned}-${digest}` : `${cleaned.slice(0, max - 9)}-${digest}`;
}

/** The RoleSessionName of a scope: the release id (what CloudTrail in the target account shows), else who and where. */
export function roleSessionName(scope: AccessScope): string {
  const name = scope.release ?? `sluice-${scope.actor ? 'cli' : 'fn'}-${scope.environment}`;
  return fitted(name, /[^\w+=,.@-]/g, SESSION_NAME_MAX);
}

/**
 * The SourceIdentity of a manual action: the human, not the role they came through. From a caller
 * ARN it is the last path part (`user/alice` → alice, `assumed-role/Admin/alice@acme.com` →
 * alice@acme.com); undefined when there is no human.
 */
export function sourceIdentityOf(actor: string | undefined): string | undefined {
  if (!actor) return undefined;
  const last = actor.split(/[:/]/).at(-1) ?? actor;
  const identity = fitted(last.length >= 2 ? last : `${last}--`, /[^\w+=,.@-]/g, SESSION_NAME_MAX);
  return identity.toLowerCase().startsWith('aws:') ? `u-${identity}` : identity;
}

/** The session tags every AssumeRole passes; the target role's trust allows exactly these keys. */
export function sessionTags(scope: AccessScope): { Key: string; Value: string }[] {
  const value = (v: string) => fitted(v, /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, TAG_VALUE_MAX);
  return [
    { Key: 'sluice:environment', Value: value(scope.environment) },
    ...(scope.release ? [{ Key: 'sluice:release', Value: value(scope.release) }] : []),
  ];
}

/** arn:partition:service:region:account:… → its region and account, or undefined for a name. */
export function arnLocation(arn: string): { region: string; account: string } | undefined {
  const match = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12}):/.exec(arn);
  return match ? { region: match[1] ?? '', account: match[2] ?? '' } : undefined;
}

/**
 * The account an environment's resources live in: its `account.id`, else the account of its
 * listener (the delivery stack's own, for an environment without `account`).
 */
export function environmentAccountId(env: {
  account?: EnvironmentAccount;
  listenerArn: string;
}): string | undefined {
  return env.account?.id ?? arnLocation(env.listenerArn)?.account;
}
