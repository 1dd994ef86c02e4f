import type {
  ArtifactVerifier,
  ImageReport,
  Severity,
} from '../../functions/shared/ports/artifact-verifier.js';

/**
 * The local image registry: every image exists with no findings unless a test says otherwise
 * (the embedded deployer starts a sample app for any version, so there is nothing to pull).
 */
export class LocalArtifacts implements ArtifactVerifier {
  private readonly missing = new Set<string>();
  private readonly findings = new Map<string, Partial<Record<Severity, number>>>();

  /** An image that was never pushed. */
  remove(repository: string, tag: string): void {
    this.missing.add(`${repository}:${tag}`);
  }

  /** The scan findings an image reports. */
  setFindings(repository: string, tag: string, findings: Partial<Record<Severity, number>>): void {
    this.findings.set(`${repository}:${tag}`, findings);
  }

  async describe(repository: string, tag: string, withFindings: boolean): Promise<ImageReport> {
    const key = `${repository}:${tag}`;
    if (this.missing.has(key)) return { digest: undefined };
    return {
      digest: `sha256:${Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)}`,
      ...(withFindings ? { findings: this.findings.get(key) ?? {} } : {}),
    };
  }
}
