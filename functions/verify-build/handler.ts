import { awsBuildVerifier } from '../shared/aws/github-build-verifier.js';
import { awsPortsWith } from '../shared/aws/ports.js';
import { judgeChecks } from '../shared/domain/checks.js';
import { BuildNotVerifiedError, BuildPendingError } from '../shared/domain/errors.js';
import type { ReleaseInput } from '../shared/domain/release.js';
import { type PortsProvider, taskHandler } from '../shared/handler.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'>;

/** Checks that every required GitHub check run succeeded on the pushed commit. */
export const createVerifyBuildHandler = (ports: PortsProvider) =>
  taskHandler<Input, { checks: string[] }>('VerifyBuild', ports, async ({ release, environment }, p) => {
    if (environment.requiredChecks.length === 0) return { checks: [] };
    const runs = await p.buildVerifier().checkRuns(release.repository, release.sha);
    const verdict = judgeChecks(environment.requiredChecks, runs);
    if (verdict.kind === 'rejected') {
      throw new BuildNotVerifiedError(`${release.sha.slice(0, 7)}: ${verdict.reasons.join('; ')}`);
    }
    if (verdict.kind === 'pending') {
      throw new BuildPendingError(`${release.sha.slice(0, 7)}: waiting for ${verdict.pending.join(', ')}`);
    }
    return { checks: verdict.checks };
  });

export const handler = createVerifyBuildHandler(awsPortsWith({ buildVerifier: awsBuildVerifier }));
