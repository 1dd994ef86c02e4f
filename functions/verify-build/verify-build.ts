import { judgeChecks } from '../shared/domain/checks.js';
import { BuildNotVerifiedError, InvalidInputError } from '../shared/domain/errors.js';
import type { ReleaseInput } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import { log } from '../shared/log.js';
import type { Orchestrator, Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  /** `$$.Task.Token`: the Task waits until SendTaskSuccess/Failure names it. */
  taskToken: string;
  /** `$$.Execution.StartTime`: the build deadline counts from here. */
  startedAt: string;
};

/** The ports VerifyBuild uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type VerifyBuildPorts = Pick<Ports, 'buildVerifier' | 'orchestrator' | 'releases' | 'now'>;

/**
 * Checks that every required GitHub check run of the pinned app succeeded on the pushed commit.
 * Runs as a `.waitForTaskToken` Task: a verified build completes the token at once, a rejected one
 * fails the Lambda (and so the Task); a pending one leaves the token on the record and returns,
 * and the Task waits until a check_suite/check_run event wakes it (the webhook sends
 * `{ recheck: true }`) or its timeout polls again. Past the route's build timeout, pending is rejected.
 */
export const createVerifyBuildHandler = (ports: VerifyBuildPorts) =>
  lambdaHandler<Input, { waiting: boolean }, VerifyBuildPorts>('VerifyBuild', ports, async (input, p) => {
    const { release, environment, taskToken } = input;
    if (typeof taskToken !== 'string' || taskToken.length === 0) {
      throw new InvalidInputError('VerifyBuild needs the task token ($$.Task.Token)');
    }
    const orchestrator = p.orchestrator();
    if (environment.requiredChecks.length === 0) {
      await completeUnlessWoken(orchestrator, taskToken, { checks: [] });
      return { waiting: false };
    }
    const store = p.releases();
    const now = p.now();
    // The token goes on the record before GitHub is read: an event that arrives after the read
    // then finds this token, so no completion falls between the read and the wait.
    await store.update(
      release.id,
      environment.name,
      { buildWait: { taskToken, since: now.toISOString(), pending: environment.requiredChecks } },
      { event: 'verifying_build' },
    );
    const runs = await p.buildVerifier().checkRuns(release.repository, release.sha);
    const verdict = judgeChecks(environment.requiredChecks, runs, environment.checks);
    const short = release.sha.slice(0, 7);
    if (verdict.kind === 'rejected') {
      await store.update(release.id, environment.name, { buildWait: undefined }, { event: 'build_rejected' });
      throw new BuildNotVerifiedError(`${short}: ${verdict.reasons.join('; ')}`);
    }
    if (verdict.kind === 'verified') {
      await store.update(
        release.id,
        environment.name,
        { buildWait: undefined },
        { event: 'build_verified', detail: verdict.checks.join(', ') },
      );
      await completeUnlessWoken(orchestrator, taskToken, { checks: verdict.checks });
      return { waiting: false };
    }
    const deadline = Date.parse(input.startedAt) + environment.checks.buildTimeoutSeconds * 1000;
    if (Number.isFinite(deadline) && now.getTime() >= deadline) {
      await store.update(
        release.id,
        environment.name,
        { buildWait: undefined },
        { event: 'build_timed_out' },
      );
      throw new BuildNotVerifiedError(
        `${short}: still pending after ${environment.checks.buildTimeoutSeconds}s — ${verdict.reasons.join('; ')}`,
      );
    }
    // While GitHub was read, a check event may have woken this token and the next invocation put
    // its own on the record: writing this closed one back would leave the next event nothing to
    // wake. Only this execution's record, still holding this token, gets the pending state.
    const current = await store.get(release.id, environment.name);
    if (current?.executionName !== input.executionName || current.buildWait?.taskToken !== taskToken) {
      log.info('build still pending; a newer wait holds the record', { releaseId: release.id });
      return { waiting: true };
    }
    await store.update(
      release.id,
      environment.name,
      { buildWait: { taskToken, since: now.toISOString(), pending: verdict.pending } },
      { event: 'build_pending', detail: verdict.reasons.join('; ') },
      { whileRunning: true },
    );
    return { waiting: true };
  });

/**
 * A check event can wake this very token between the handler's read and its own completion; the
 * task has then moved on (to judge again), and its token is closed ("the task associated with the
 * token has already been closed", SendTaskSuccess API reference).
 */
async function completeUnlessWoken(orchestrator: Orchestrator, taskToken: string, output: unknown) {
  if ((await orchestrator.sendTaskSuccess(taskToken, output)) === 'closed') log.info('task already woken');
}
