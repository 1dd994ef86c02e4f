export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';

export interface ImageReport {
  /** Undefined when no image of that tag exists. */
  digest: string | undefined;
  /** Count of scan findings by severity; undefined when the image has no completed scan. */
  findings?: Partial<Record<Severity, number>>;
  /** The scan's status when it is not complete (IN_PROGRESS, FAILED, …). */
  scanStatus?: string;
}

/** Reads what the image registry knows about an image: whether it exists, and its scan findings. */
export interface ArtifactVerifier {
  describe(repository: string, tag: string, withFindings: boolean): Promise<ImageReport>;
}
