import { createHash } from 'node:crypto';

/** Step Functions execution names: 1–80 of [A-Za-z0-9_-] (the service also takes a few more; we don't). */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

const sanitize = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * The readable form `<environment>-<owner>-<name>[-r<route>]-<sha>` is only used when it can be
 * read back unambiguously: split from the right, SHA, route tag (fixed form), owner and name hold
 * no dash, and the environment is kept as is. Otherwise `acme/checkout-api` and
 * `acme-checkout/api`, or environments `dev` and `dev-`, would share a name, and the second
 * release would be dropped as a duplicate.
 */
const UNAMBIGUOUS_ENVIRONMENT = /^[A-Za-z0-9_-]+$/;
const UNAMBIGUOUS_REPOSITORY = /^[A-Za-z0-9_]+\/[A-Za-z0-9_]+$/;
const UNAMBIGUOUS_SHA = /^[A-Za-z0-9_]+$/;

/** A short tag of the route (its branch patterns and environments): 6 hex digits of a SHA-256. */
export function routeTag(route: { name: string; environments: readonly string[] }): string {
  return `r${createHash('sha256')
    .update(`${route.name}\n${route.environments.join(',')}`)
    .digest('hex')
    .slice(0, 6)}`;
}

/**
 * Derives an execution name from what the release is (environment, repository, pushed SHA, and
 * the route it walks) and not from how it arrived, so a redelivered or retried push lands on the
 * same name and Step Functions' ExecutionAlreadyExists makes it a no-op, while the same commit
 * pushed to a branch of another route gets a name of its own (review R6).
 */
export function executionName(environment: string, repository: string, sha: string, route?: string): string {
  const tag = route === undefined ? '' : `-${route}`;
  const readable = `${environment}-${repository.replace('/', '-')}${tag}-${sha}`;
  if (
    readable.length <= 80 &&
    UNAMBIGUOUS_ENVIRONMENT.test(environment) &&
    UNAMBIGUOUS_REPOSITORY.test(repository) &&
    UNAMBIGUOUS_SHA.test(sha) &&
    (route === undefined || /^r[0-9a-f]{6}$/.test(route))
  ) {
    return readable;
  }
  // Truncation or sanitizing alone could make two names collide; a digest of the whole keeps them apart.
  const digest = createHash('sha256')
    .update(`${environment}\n${repository}\n${sha}${route === undefined ? '' : `\n${route}`}`)
    .digest('hex')
    .slice(0, 10);
  return `${sanitize(environment).slice(0, 12)}-${sanitize(repository).slice(0, 14)}-${digest}-${sanitize(sha).slice(0, 40)}`
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 80);
}

/**
 * The name of a later attempt: Step Functions refuses a name used by any execution of the state
 * machine in the last 90 days, closed or not, so a re-push after a failure needs a new one.
 * Attempt 1 keeps the plain name.
 */
export function attemptName(name: string, attempt: number): string {
  if (attempt <= 1) return name;
  const suffix = `-a${attempt}`;
  return `${name.slice(0, 80 - suffix.length)}${suffix}`;
}
