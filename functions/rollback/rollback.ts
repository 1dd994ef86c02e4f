import { listenerIsOurs, restoreTraffic } from '../shared/control/release-control.js';
import { accessScope } from '../shared/domain/accounts.js';
import { type CauseError, describeCaught, isCause } from '../shared/domain/errors.js';
import { causeOf, endStatus } from '../shared/domain/records.js';
import { isTerminal, type ReleaseInput, type ReleaseRecord, type Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets?: Targets;
  error: { Error?: string; Cause?: string };
};

/** The ports Rollback uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type RollbackPorts = Pick<Ports, 'trafficRouter' | 'releases' | 'now'>;

/**
 * Restores the live target group to 100% (read back), records why, and releases the lock.
 * Returns the error and cause the RolledBack Fail state ends the execution with.
 */
export const createRollbackHandler = (ports: RollbackPorts) =>
  lambdaHandler<Input, { error: string; cause: string }, RollbackPorts>(
    'Rollback',
    ports,
    async (input, p) => {
      const { release, environment } = input;
      const store = p.releases();
      const caught = describeCaught(input.error);
      const record = await store.get(release.id, environment.name);
      const { error, message } = approvalEnding(caught, record);
      const targets = input.targets ?? record?.targets;

      const owner = { releaseId: release.id, executionName: input.executionName };
      // A newer release that superseded this one owns the listener now: leave its canary alone.
      const ours = await listenerIsOurs(p, environment.name, owner);
      const moved =
        targets && ours
          ? await restoreTraffic(p, environment, targets, accessScope(environment.name, release.id))
          : false;
      const status =
        isCause(error, 'ApprovalRejectedError') && !moved ? 'rejected' : endStatus(record, moved);
      const alarm = isCause(error, 'AlarmFiredError') ? (record?.firedAlarms ?? []).join(', ') : '';
      if (!isTerminal(record)) {
        const now = p.now().toISOString();
        await store.update(
          release.id,
          environment.name,
          {
            status,
            cause: causeOf(error, message, alarm ? { alarm } : {}),
            endedAt: now,
            ...(targets && status === 'rolled_back' ? { restoredAt: now } : {}),
          },
          { event: status, detail: `${error}: ${message}` },
        );
      }
      await store.releaseLock(environment.name, owner);
      const where = !ours
        ? 'a newer release holds the environment'
        : targets && status === 'rolled_back'
          ? `all traffic is on ${targets.live}`
          : 'no traffic had moved';
      return { error, cause: `${message} (${status.replace('_', ' ')}; ${where})` };
    },
  );

/** A timeout while the approval was pending says so: Step Functions' own cause is empty. */
function approvalEnding(
  caught: { error: CauseError; message: string },
  record: ReleaseRecord | undefined,
): { error: CauseError; message: string } {
  if (isCause(caught.error, 'States.Timeout') && record?.approval?.status === 'pending') {
    return {
      error: 'ApprovalTimedOut',
      message: `no decision on approval ${record.approval.id} before it expired at ${record.approval.expiresAt}`,
    };
  }
  return caught;
}
