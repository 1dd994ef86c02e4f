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
