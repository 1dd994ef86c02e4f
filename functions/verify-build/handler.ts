import { awsBuildVerifier } from '../shared/aws/github-build-verifier.js';
import { judgeChecks } from '../shared/domain/checks.js';
import { BuildNotVerifiedError, BuildPendingError } from '../shared/domain/errors.js';
import type { ReleaseInput } from '../shared/domain/release.js';
import { taskHandler } from '../shared/handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'>;

/** The ports VerifyBuild uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type VerifyBuildPorts = Pick<Ports, 'buildVerifier'>;

/** Checks that every required GitHub check run succeeded on the pushed commit. */
export const createVerifyBuildHandler = (ports: VerifyBuildPorts) =>
  taskHandler<Input, { checks: string[] }, VerifyBuildPorts>(
    'VerifyBuild',
    ports,
    async ({ release, environment }, p) => {
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
    },
  );

export const handler = createVerifyBuildHandler({ buildVerifier: awsBuildVerifier });
