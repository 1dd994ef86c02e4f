import type {
  ArtifactVerifier,
  ImageReport,
  Severity,
} from '../../functions/shared/ports/artifact-verifier.js';
import type { LocalPrincipal } from '../accounts.js';

/**
 * The local image registry: every image exists with no findings unless a test says otherwise
 * (the embedded deployer starts a sample app for any version, so there is nothing to pull).
 */
export class LocalArtifacts implements ArtifactVerifier {
  private readonly missing = new Set<string>();
  private readonly findings = new Map<string, Partial<Record<Severity, number>>>();
  private readonly scans = new Map<string, { statuses: string[]; then: 'complete' | 'repeat' }>();
  private readonly readCounts = new Map<string, number>();

  /** An image that was never pushed. */
  remove(repository: string, tag: string): void {
    this.missing.add(`${repository}:${tag}`);
  }

  /** The scan findings an image reports. */
  setFindings(repository: string, tag: string, findings: Partial<Record<Severity, number>>): void {
    this.findings.set(`${repository}:${tag}`, findings);
  }

  /**
   * The scan statuses an image reports, one per read, before its findings (ECR: IN_PROGRESS or
   * PENDING while a scan runs; FAILED or UNSUPPORTED_IMAGE when it never completes). The last
   * status repeats unless `then` is 'complete'.
   */
  setScanStatuses(repository: string, tag: string, statuses: string[], then: 'complete' | 'repeat'): void {
    this.scans.set(`${repository}:${tag}`, { statuses: [...statuses], then });
  }

  /** How many times an image was read. */
  reads(repository: string, tag: string): number {
    return this.readCounts.get(`${repository}:${tag}`) ?? 0;
  }

  async describe(repository: string, tag: string, withFindings: boolean): Promise<ImageReport> {
    const key = `${repository}:${tag}`;
    this.readCounts.set(key, this.reads(repository, tag) + 1);
    if (this.missing.has(key)) return { digest: undefined };
    const digest = `sha256:${Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)}`;
    if (!withFindings) return { digest };
    const scan = this.scans.get(key);
    if (scan && scan.statuses.length > 0) {
      const status =
        scan.statuses.length > 1 || scan.then === 'complete' ? scan.statuses.shift()! : scan.statuses[0]!;
      return { digest, scanStatus: status };
    }
    return { digest, findings: this.findings.get(key) ?? {} };
  }
}

/** ECR's answer for a repository the caller's registry does not hold. */
export class RepositoryNotFoundError extends Error {
  // The name is ECR's error code, which is what the SDK's callers match on.
  override readonly name = 'RepositoryNotFoundException';
}

/**
 * The registry of one account as `principal` reads it: DescribeImages without a registryId reads
 * the caller's own registry, so the environment's repositories are found only as a principal of
 * the environment's account; otherwise RepositoryNotFoundException, worded as ECR (and moto) word it.
 */
export function artifactsAs(
  registry: ArtifactVerifier,
  principal: Pick<LocalPrincipal, 'identity'>,
  account: string,
): ArtifactVerifier {
  return {
    describe: async (repository, tag, withFindings) => {
      const caller = principal.identity().account;
      if (caller !== account) {
        throw new RepositoryNotFoundError(
          `The repository with name '${repository}' does not exist in the registry with id '${caller}'`,
        );
      }
      return registry.describe(repository, tag, withFindings);
    },
  };
}
