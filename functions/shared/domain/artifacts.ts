import type { ImageReport, Severity } from '../ports/artifact-verifier.js';

const ORDER: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

/** Why an image may not deploy, or undefined when it may: it exists, and no finding is at or above `failOn`. */
export function judgeImage(
  image: string,
  report: ImageReport,
  failOn: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | undefined,
): string | undefined {
  if (!report.digest) return `image ${image} does not exist`;
  if (!failOn) return undefined;
  if (!report.findings) {
    return `image ${image} has no completed scan${report.scanStatus ? ` (${report.scanStatus})` : ''}; scan.failOn ${failOn} needs one`;
  }
  const blocking = ORDER.slice(0, ORDER.indexOf(failOn) + 1)
    .filter((severity) => (report.findings?.[severity] ?? 0) > 0)
    .map((severity) => `${report.findings?.[severity]} ${severity}`);
  return blocking.length > 0
    ? `image ${image} has scan findings at or above ${failOn}: ${blocking.join(', ')}`
    : undefined;
}
