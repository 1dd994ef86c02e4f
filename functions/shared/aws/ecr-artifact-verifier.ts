import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import type { AccessScope } from '../domain/accounts.js';
import type { ArtifactVerifier, ImageReport, Severity } from '../ports/artifact-verifier.js';
import { environmentClient } from './environment-clients.js';
import { isNamed } from './sdk-errors.js';

/** Images in ECR: DescribeImages says whether the tag exists, DescribeImageScanFindings what its scan found. */
export class EcrArtifactVerifier implements ArtifactVerifier {
  constructor(private readonly client: ECRClient) {}

  async describe(repository: string, tag: string, withFindings: boolean): Promise<ImageReport> {
    let digest: string | undefined;
    try {
      const { imageDetails } = await this.client.send(
        new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
      );
      digest = imageDetails?.[0]?.imageDigest;
    } catch (error) {
      // A tag that is not in the repository is ImageNotFoundException (ECR API reference).
      if (isNamed(error, 'ImageNotFoundException')) return { digest: undefined };
      throw error;
    }
    if (!digest || !withFindings) return { digest };
    try {
      const { imageScanStatus, imageScanFindings } = await this.client.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: repository,
          imageId: { imageDigest: digest },
          maxResults: 1,
        }),
      );
      if (imageScanStatus?.status !== 'COMPLETE' && imageScanStatus?.status !== 'ACTIVE') {
        return { digest, ...(imageScanStatus?.status ? { scanStatus: imageScanStatus.status } : {}) };
      }
      // findingSeverityCounts covers every finding, whatever page size the call asked for.
      return {
        digest,
        findings: (imageScanFindings?.findingSeverityCounts ?? {}) as Partial<Record<Severity, number>>,
      };
    } catch (error) {
      if (isNamed(error, 'ScanNotFoundException')) return { digest, scanStatus: 'NOT_SCANNED' };
      throw error;
    }
  }
}

/** The ArtifactVerifier port on AWS. */
export const awsArtifacts = (scope: AccessScope): ArtifactVerifier =>
  new EcrArtifactVerifier(environmentClient(ECRClient, scope));
