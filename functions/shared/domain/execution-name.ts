import { createHash } from 'node:crypto';

/** Step Functions execution names: 1–80 of [A-Za-z0-9_-] (the service also takes a few more; we don't). */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

const sanitize = (value: string) => value.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');

/**
 * Derives an execution name from what the release is (environment, repository, pushed SHA) and
 * not from how it arrived, so a redelivered or retried push lands on the same name and
 * Step Functions' ExecutionAlreadyExists makes it a no-op.
 */
export function executionName(environment: string, repository: string, sha: string): string {
  const full = `${sanitize(environment)}-${sanitize(repository)}-${sanitize(sha)}`;
  if (full.length <= 80) return full;
  // Truncation alone could make two long names collide; a digest of the whole keeps them apart.
  const digest = createHash('sha256').update(`${environment}\n${repository}\n${sha}`).digest('hex').slice(0, 10);
  return `${sanitize(environment).slice(0, 12)}-${sanitize(repository).slice(0, 14)}-${digest}-${sanitize(sha).slice(0, 40)}`
    .replace(/-+/g, '-')
    .slice(0, 80);
}
