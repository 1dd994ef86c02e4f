import type { ImageReport, Severity } from '../ports/artifact-verifier.js';

const ORDER: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

/**
 * ECR API reference, ImageScanStatus: a basic scan is IN_PROGRESS and an enhanced (Inspector) scan
 * PENDING until its findings are available; both end, so they are worth waiting for. FAILED,
 * UNSUPPORTED_IMAGE and the rest never become a completed scan by waiting.
 */
export const PENDING_SCAN_STATUSES: readonly string[] = ['IN_PROGRESS', 'PENDING'];

/** May the image deploy: yes, not yet (its scan is still running), or no, with the reason. */
export type ImageVerdict = { kind: 'deploy' } | { kind: 'wait' | 'refuse'; reason: string };

/** Whether an image may deploy: it exists, its scan completed, and no finding is at or above `failOn`. */
export function judgeImage(
  image: string,
  report: ImageReport,
  failOn: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | undefined,
): ImageVerdict {
  if (!report.digest) return { kind: 'refuse', reason: `image ${image} does not exist` };
  if (!failOn) return { kind: 'deploy' };
  if (!report.findings) {
    const status = report.scanStatus ? ` (${report.scanStatus})` : '';
    return report.scanStatus && PENDING_SCAN_STATUSES.includes(report.scanStatus)
      ? {
          kind: 'wait',
          reason: `the scan of image ${image} has not finished${status}; scan.failOn ${failOn} needs it`,
        }
      : {
          kind: 'refuse',
          reason: `image ${image} has no completed scan${status}; scan.failOn ${failOn} needs one`,
        };
  }
  const blocking = ORDER.slice(0, ORDER.indexOf(failOn) + 1)
    .filter((severity) => (report.findings?.[severity] ?? 0) > 0)
    .map((severity) => `${report.findings?.[severity]} ${severity}`);
  return blocking.length > 0
    ? {
        kind: 'refuse',
        reason: `image ${image} has scan findings at or above ${failOn}: ${blocking.join(', ')}`,
      }
    : { kind: 'deploy' };
}
