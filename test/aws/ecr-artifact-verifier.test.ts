import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { EcrArtifactVerifier } from '../../functions/shared/aws/ecr-artifact-verifier.js';

const TAG = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

describe('Class: EcrArtifactVerifier', () => {
  const ecr = mockClient(ECRClient);
  const verifier = new EcrArtifactVerifier(new ECRClient({ region: 'us-east-1' }));

  beforeEach(() => ecr.reset());

  it('asks DescribeImages for the tag, then DescribeImageScanFindings by digest for the severity counts', async () => {
    ecr
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ imageDigest: 'sha256:5b0b', imageTags: [TAG] }] });
    ecr.on(DescribeImageScanFindingsCommand).resolves({
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindings: { findingSeverityCounts: { HIGH: 1, LOW: 3 }, findings: [] },
    });

    await expect(verifier.describe('checkout', TAG, true)).resolves.toEqual({
      digest: 'sha256:5b0b',
      findings: { HIGH: 1, LOW: 3 },
    });
    expect(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'checkout',
      imageIds: [{ imageTag: TAG }],
    });
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)[0]?.args[0].input).toEqual({
      repositoryName: 'checkout',
      imageId: { imageDigest: 'sha256:5b0b' },
      maxResults: 1,
    });
  });

  it('reports a tag that is not in the repository (ImageNotFoundException) as no image', async () => {
    ecr.on(DescribeImagesCommand).rejects(
      Object.assign(new Error(`The image with imageId {imageTag:'${TAG}'} does not exist`), {
        name: 'ImageNotFoundException',
      }),
    );

    await expect(verifier.describe('checkout', TAG, true)).resolves.toEqual({ digest: undefined });
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(0);
  });

  it('reports a scan that is not complete, and an image never scanned', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: 'sha256:5b0b' }] });
    ecr.on(DescribeImageScanFindingsCommand).resolvesOnce({ imageScanStatus: { status: 'IN_PROGRESS' } });

    await expect(verifier.describe('checkout', TAG, true)).resolves.toEqual({
      digest: 'sha256:5b0b',
      scanStatus: 'IN_PROGRESS',
    });
    ecr
      .on(DescribeImageScanFindingsCommand)
      .rejects(Object.assign(new Error('no scan'), { name: 'ScanNotFoundException' }));
    await expect(verifier.describe('checkout', TAG, true)).resolves.toEqual({
      digest: 'sha256:5b0b',
      scanStatus: 'NOT_SCANNED',
    });
  });
});
