import { randomBytes } from 'node:crypto';
import { postApprovalRequest } from '../shared/control/approval-request.js';
import type { Approval } from '../shared/domain/approval.js';
import { messageOf } from '../shared/domain/caught.js';
import { environmentNamed } from '../shared/domain/environments.js';
import { ApprovalRequestError, InvalidInputError } from '../shared/domain/errors.js';
import type { ReleaseInput, Targets } from '../shared/domain/release.js';
import { lambdaHandler } from '../shared/lambda-handler.js';
import type { Ports } from '../shared/ports/index.js';

type Input = Pick<ReleaseInput, 'release' | 'environment' | 'executionName'> & {
  targets: Targets;
  taskToken: string;
};

/** The ports RequestApproval uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type RequestApprovalPorts = Pick<
  Ports,
  'config' | 'approvals' | 'releases' | 'threads' | 'notifier' | 'now'
>;

/** 72 random bits, URL-safe: short enough for a button value, too many to guess. */
export const newApprovalId = () => `ap_${randomBytes(9).toString('base64url')}`;

/**
 * The approval step (a `.waitForTaskToken` Task): keeps the task token server-side under a short
 * approval id, posts the request with its buttons, and records that the release waits; a decision
 * in slack-interactions resumes the execution. The post is made here, not left to the stream
 * notifier, whose records are dropped after an hour of failures (maximumRecordAgeInSeconds) while
 * the release would wait out its whole approval timeout with nobody asked. A failed post is an
 * ApprovalRequestError, which the state machine retries with a fresh token.
 * What this returns is ignored by Step Functions and carries no token.
 */
export const createRequestApprovalHandler = (ports: RequestApprovalPorts) =>
  lambdaHandler<Input, { approvalId: string }, RequestApprovalPorts>(
    'RequestApproval',
    ports,
    async (input, p) => {
      const { release, environment } = input;
      const env = environmentNamed(p.config(), environment.name);
      if (environment.approval.type !== 'slack' || env?.approval.type !== 'slack') {
        throw new InvalidInputError(`environment ${environment.name} has no Slack approval configured`);
      }
      if (typeof input.taskToken !== 'string' || input.taskToken.length === 0) {
        throw new InvalidInputError('RequestApproval needs the task token ($$.Task.Token)');
      }
      const now = p.now();
      const approval: Approval = {
        id: newApprovalId(),
        releaseId: release.id,
        environment: environment.name,
        executionName: input.executionName,
        service: release.service,
        version: release.version,
        channel: env.approval.channel,
        status: 'pending',
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + environment.approval.timeoutSeconds * 1000).toISOString(),
      };
      await p.approvals().create(approval, input.taskToken);
      const record = await p.releases().get(release.id, environment.name);
      if (!record) throw new InvalidInputError(`no record of ${release.id} in ${environment.name}`);
      try {
        await postApprovalRequest(p, approval, record, env, env.approval.channel);
      } catch (error) {
        throw new ApprovalRequestError(
          `posting the approval request to ${env.approval.channel} failed: ${messageOf(error)}`,
          { cause: error },
        );
      }
      await p.releases().update(
        release.id,
        environment.name,
        { approval: { id: approval.id, status: 'pending', expiresAt: approval.expiresAt } },
        {
          event: 'approval_requested',
          detail: `${input.targets.idle} serves the new version with no traffic; waiting for ${env.approval.approvers.join(', ')} until ${approval.expiresAt}`,
        },
      );
      return { approvalId: approval.id };
    },
  );
