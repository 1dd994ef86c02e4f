import { despiteContention, stopRelease, stopUnfinished } from '../shared/control/release-control.js';
import {
  ACTIONS,
  APPROVAL_REJECTED,
  type Approval,
  DEFERRED_MAX_EVENT_AGE_SECONDS,
  mayApprove,
  SLACK_INTERACTION_TIMEOUT_SECONDS,
} from '../shared/domain/approval.js';
import { nameOf } from '../shared/domain/caught.js';
import type { EnvironmentConfig } from '../shared/domain/config.js';
import { approversOf, environmentNamed } from '../shared/domain/environments.js';
import { isTerminal, type ReleaseRecord } from '../shared/domain/release.js';
import { approvalDecided, ephemeral } from '../shared/domain/slack-messages.js';
import { ack, type HttpRequest, type HttpResponse, httpHandler, json } from '../shared/http.js';
import { log } from '../shared/log.js';
import {
  type DeferredSlackEvent,
  isDeferredSlackEvent,
  type Ports,
  type SlackAction,
  type TaskDelivery,
} from '../shared/ports/index.js';
import { checkSlackSignature, sealDeferred, sealHolds } from '../shared/slack-signature.js';

/** The fields of Slack's block_actions payload this handler reads. */
export interface BlockActions {
  type: 'block_actions';
  user: { id: string; username?: string; name?: string };
  response_url: string;
  actions: { action_id: string; value: string }[];
}

/** The payload, or undefined when it is not a block_actions payload with one button action. */
export function parseBlockActions(body: string): BlockActions | undefined {
  let payload: unknown;
  try {
    const raw = new URLSearchParams(body).get('payload');
    if (!raw) return undefined;
    payload = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const p = payload as Partial<BlockActions> | null;
  if (p?.type !== 'block_actions' || typeof p.user?.id !== 'string' || typeof p.response_url !== 'string') {
    return undefined;
  }
  const action = Array.isArray(p.actions) ? p.actions[0] : undefined;
  if (typeof action?.action_id !== 'string' || typeof action.value !== 'string') return undefined;
  return p as BlockActions;
}

/** The ports SlackInteractions uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type SlackInteractionsPorts = Pick<
  Ports,
  | 'config'
  | 'secrets'
  | 'approvals'
  | 'releases'
  | 'orchestrator'
  | 'trafficRouter'
  | 'notifier'
  | 'deferral'
  | 'now'
>;

/**
 * Slack interactivity (POST /slack/interactions): verify X-Slack-Signature over the raw body
 * before reading it, answer 200 at once and act on Approve / Reject / Abort / Promote now in a
 * second, asynchronous invocation of this function (a DeferredSlackEvent): Slack shows an error
 * unless it has a 200 within 3 s ("Acknowledging requests"), and does not retry. One decision
 * per approval (a conditional write), then SendTaskSuccess or SendTaskFailure, then the message
 * says who decided. Nothing here returns, logs or records the task token.
 */
export const createSlackInteractionsHandler = (ports: SlackInteractionsPorts) =>
  httpHandler('SlackInteractions', ports, receiveSlackInteraction, {
    side: {
      matches: isDeferredSlackEvent,
      run: async function actOnDeferredClick(event: DeferredSlackEvent, p: SlackInteractionsPorts) {
        if (await sealed(p, event)) await act(p, event.sluiceDeferredSlackAction);
      },
    },
  });

async function receiveSlackInteraction(
  request: HttpRequest,
  p: SlackInteractionsPorts,
): Promise<HttpResponse> {
  const { body } = request;
  const checkWith = (secret: string) =>
    checkSlackSignature({
      secret,
      timestamp: request.header('x-slack-request-timestamp'),
      signature: request.header('x-slack-signature'),
      body,
      nowSeconds: Math.floor(p.now().getTime() / 1000),
    });
  let secret = await p.secrets().get('slack-signing');
  let check = checkWith(secret);
  // The cached secret may predate a rotation: read it again (rate-limited) before refusing.
  if (check === 'mismatch') {
    secret = await p.secrets().reread('slack-signing');
    check = checkWith(secret);
  }
  if (check !== 'valid') {
    log.warn('slack interaction refused', { check });
    return json(401, { error: `signature ${check}` });
  }
  const payload = parseBlockActions(body);
  const button = payload?.actions[0];
  if (!payload || !button) return json(400, { error: 'not a block_actions payload with a button action' });
  if (!KNOWN_ACTIONS.has(button.action_id)) return json(400, { error: `unknown action ${button.action_id}` });
  const action: SlackAction = {
    actionId: button.action_id,
    value: button.value,
    user: payload.user.id,
    responseUrl: payload.response_url,
  };
  const issuedAt = Math.floor(p.now().getTime() / 1000);
  const seal = sealDeferred(secret, issuedAt, JSON.stringify(action));
  try {
    await p.deferral().defer({ sluiceDeferredSlackAction: action, issuedAt, seal });
  } catch (error) {
    // Not queued (e.g. Invoke throttled): act now, within this invocation's own timeout.
    log.warn('deferring the click failed; acting on it now', { error });
    await act(p, action);
  }
  return ack();
}

/** Whether the deferred event was sealed by this function, recently; anything else is refused unread. */
async function sealed(p: SlackInteractionsPorts, event: DeferredSlackEvent): Promise<boolean> {
  const { issuedAt, seal, sluiceDeferredSlackAction: action } = event;
  const age = Math.floor(p.now().getTime() / 1000) - issuedAt;
  const json = JSON.stringify(action);
  const holds =
    typeof seal === 'string' &&
    Number.isInteger(issuedAt) &&
    (sealHolds(await p.secrets().get('slack-signing'), issuedAt, json, seal) ||
      sealHolds(await p.secrets().reread('slack-signing'), issuedAt, json, seal));
  if (!holds || age < -60 || age > DEFERRED_MAX_EVENT_AGE_SECONDS + 60) {
    log.warn('deferred slack action refused', { sealHolds: holds, ageSeconds: age });
    return false;
  }
  return true;
}

const KNOWN_ACTIONS = new Set<string>([ACTIONS.approve, ACTIONS.reject, ACTIONS.promoteNow, ACTIONS.abort]);

/** Acts on a verified click and tells the user through response_url. */
async function act(p: SlackInteractionsPorts, action: SlackAction): Promise<void> {
  const { actionId, value, user } = action;
  const say = (text: string) =>
    p
      .notifier()
      .respond(action.responseUrl, { ...ephemeral(text), ephemeral: true })
      .catch((error: Error) => log.warn('response_url failed', { reason: error.message }));

  if (actionId === ACTIONS.approve || actionId === ACTIONS.reject) {
    const outcome = await decide(p, value, actionId === ACTIONS.approve, user).catch(async (error: Error) => {
      if (error.name === 'ApprovalDeliveryError')
        await say('Your decision is recorded but has not reached the release yet; click again to send it.');
      throw error;
    });
    log.info('approval click', { approvalId: value, user, outcome: outcome.kind });
    if (outcome.say) await say(outcome.say);
    return;
  }
  if (actionId === ACTIONS.promoteNow) {
    const outcome = await promoteNow(p, value, user);
    log.info('promote-now click', { release: value, user, outcome });
    await say(outcome);
    return;
  }
  if (actionId === ACTIONS.abort) {
    const outcome = await abort(p, value, user);
    log.info('abort click', { release: value, user, outcome });
    await say(outcome);
  }
}

type Outcome = { kind: string; say?: string };

/** Whether the user may act on the environment's release in Slack: named as an approver, or in a named group. */
const mayActOn = (p: SlackInteractionsPorts, env: EnvironmentConfig | undefined, user: string) =>
  mayApprove(user, approversOf(env), (group) => p.notifier().groupMembers(group));

/** The release and environment an Abort or Promote now button names (`<releaseId>|<environment>`). */
function releaseButton(value: string): { releaseId?: string; environment?: string } {
  const [releaseId, environment] = value.split('|');
  return { ...(releaseId ? { releaseId } : {}), ...(environment ? { environment } : {}) };
}

async function decide(
  p: SlackInteractionsPorts,
  approvalId: string,
  approve: boolean,
  user: string,
): Promise<Outcome> {
  const approvals = p.approvals();
  const approval = await approvals.get(approvalId);
  // A well-signed click on an approval we never issued: acknowledged, nothing changes.
  if (!approval) return { kind: 'unknown' };
  const env = environmentNamed(p.config(), approval.environment);
  if (!(await mayActOn(p, env, user))) {
    return {
      kind: 'refused',
      say: `You are not an approver for ${approval.environment}; the release keeps waiting for ${approversOf(env).join(', ')}.`,
    };
  }
  const record = await p.releases().get(approval.releaseId, approval.environment);
  // RequestApproval retried after a failed post (ApprovalRequestError) waits on a newer approval.
  if (record?.approval && record.approval.id !== approval.id && !isTerminal(record)) {
    return {
      kind: 'replaced',
      say: 'This approval request was replaced by a newer one; nothing was changed.',
    };
  }
  if (approval.status !== 'pending') {
    const settled = approval.delivery && approval.delivery.outcome !== 'failed';
    if (settled || !record || isTerminal(record) || inFlight(approval, p.now()))
      return { kind: 'decided', say: alreadyDecided(approval) };
    return redeliver(p, approvalId, record);
  }
  const now = p.now();
  if (Date.parse(approval.expiresAt) <= now.getTime() || !record || isTerminal(record)) {
    return {
      kind: 'finished',
      say: `This approval has ${record && isTerminal(record) ? `ended: the release is ${record.status.replace('_', ' ')}` : 'expired'}; nothing was changed.`,
    };
  }

  const status = approve ? 'approved' : 'rejected';
  const result = await approvals.decide(approvalId, { status, by: user, at: now.toISOString() });
  if (!result.won) {
    // Lost to a concurrent click: its decider delivers it, or a later click does (redeliver).
    return { kind: 'decided', say: result.approval ? alreadyDecided(result.approval) : undefined };
  }
  return deliver(p, result.approval, result.taskToken, record);
}

/** A decision whose decider may still be sending it: no outcome yet, and younger than its Lambda's timeout. */
const inFlight = (approval: Approval, now: Date) =>
  approval.delivery === undefined &&
  now.getTime() - Date.parse(approval.decidedAt ?? '') < SLACK_INTERACTION_TIMEOUT_SECONDS * 1000;

/**
 * A decided approval whose delivery was never recorded (the send failed, or the invocation ended
 * between the decision and the send) while its release still waits: send the stored token again.
 * A token that closed meanwhile answers TaskTimedOut, which changes nothing.
 */
async function redeliver(
  p: SlackInteractionsPorts,
  approvalId: string,
  record: ReleaseRecord,
): Promise<Outcome> {
  const pending = await p.approvals().undelivered(approvalId);
  if (!pending) {
    const approval = await p.approvals().get(approvalId);
    return { kind: 'decided', say: approval ? alreadyDecided(approval) : undefined };
  }
  log.info('approval decided but not delivered; sending it again', { approvalId });
  const outcome = await deliver(p, pending.approval, pending.taskToken, record);
  // Closed here can also mean a concurrent click delivered it a moment ago: say what is known.
  const { status, decidedBy, decidedAt } = pending.approval;
  return outcome.kind === 'finished'
    ? { kind: 'decided', say: `${alreadyDecided(pending.approval)} The release no longer waits for it.` }
    : {
        ...outcome,
        say: `Already ${status} by <@${decidedBy}> at ${decidedAt}; that decision has now reached the release.`,
      };
}

/**
 * Records the decision on the release, sends it to the waiting task and records that it arrived.
 * Only a closed token (TaskTimedOut, TaskDoesNotExist, InvalidToken) means "expired"; any other
 * failure is thrown with the delivery unrecorded, so a retry or the next click sends it again.
 */
async function deliver(
  p: SlackInteractionsPorts,
  approval: Approval,
  taskToken: string,
  record: ReleaseRecord,
): Promise<Outcome> {
  const status = approval.status === 'rejected' ? 'rejected' : 'approved';
  const by = approval.decidedBy ?? 'unknown';
  const at = approval.decidedAt ?? p.now().toISOString();
  // The record first, so the thread tells the decision before what the release does next.
  if (record.approval?.id !== approval.id || record.approval.status !== status) {
    await p.releases().update(
      approval.releaseId,
      approval.environment,
      {
        approval: { id: approval.id, status, expiresAt: approval.expiresAt, decidedBy: by, decidedAt: at },
      },
      { event: status, detail: `${status} by <@${by}>` },
    );
  }
  const orchestrator = p.orchestrator();
  let outcome: TaskDelivery;
  try {
    outcome =
      status === 'approved'
        ? await orchestrator.sendTaskSuccess(taskToken, { approvedBy: by, at })
        : await orchestrator.sendTaskFailure(taskToken, APPROVAL_REJECTED, `rejected by ${by} in Slack`);
  } catch (error) {
    log.warn('approval not delivered yet', { approvalId: approval.id, error });
    await p
      .approvals()
      .setDelivery(approval.id, { outcome: 'failed', at: p.now().toISOString() })
      .catch((e: Error) => log.warn('recording the failed delivery failed', { reason: e.message }));
    throw new ApprovalDeliveryError(
      `the ${status} decision on ${approval.id} is recorded but did not reach the release (${nameOf(error)}); it is sent again on retry or on the next click`,
      { cause: error },
    );
  }
  await p.approvals().setDelivery(approval.id, { outcome, at: p.now().toISOString() });
  if (outcome === 'closed') {
    log.warn('approval arrived after its task closed', { approvalId: approval.id });
    return { kind: 'finished', say: 'This approval has expired; nothing was changed.' };
  }
  if (approval.message) {
    await p
      .notifier()
      .update(approval.message, approvalDecided(approval, record))
      .catch((error: Error) => log.warn('updating the approval message failed', { reason: error.message }));
  }
  return { kind: status };
}

/** A decision that is recorded but not yet delivered to the waiting task; retrying delivers it. */
export class ApprovalDeliveryError extends Error {
  override readonly name = 'ApprovalDeliveryError';
}

function alreadyDecided(approval: Approval): string {
  return `Already ${approval.status} by <@${approval.decidedBy}> at ${approval.decidedAt}; nothing was changed.`;
}

/**
 * Abort from the thread: the same stop as the CLI's and the alarm's (stopRelease), so traffic is
 * back on the live group, read back, before the approver is told; the release guard's
 * ABORTED event is "best effort" delivery (EventBridge, Step Functions events) and only a backstop.
 */
async function abort(p: SlackInteractionsPorts, value: string, user: string): Promise<string> {
  const { releaseId, environment } = releaseButton(value);
  const env = environmentNamed(p.config(), environment);
  if (!releaseId || !environment || !env) return 'Nothing to abort.';
  if (!(await mayActOn(p, env, user))) return `Only ${environment}'s approvers may abort its release.`;
  const record = await p.releases().get(releaseId, environment);
  if (!record || !(await stopUnfinished(p, record)))
    return 'That release has already ended; nothing was changed.';
  const message = `aborted by <@${user}> in Slack`;
  const { restored } = await despiteContention(() =>
    stopRelease(p, { releaseId, executionName: record.executionName, environment }, env, 'aborted', {
      trigger: 'manual',
      error: 'ReleaseAborted',
      by: user,
      message,
    }),
  );
  return restored && record.targets
    ? `Aborted ${releaseId} in ${environment}: all traffic is back on ${record.targets.live}.`
    : `Aborted ${releaseId} in ${environment}; its traffic was never moved.`;
}

/**
 * Promote now from the thread: the record says so, and the bake check that ends the current step
 * sends the release straight to its last step (100%), which still bakes and is watched.
 */
async function promoteNow(p: SlackInteractionsPorts, value: string, user: string): Promise<string> {
  const { releaseId, environment } = releaseButton(value);
  if (!releaseId || !environment) return 'Nothing to promote.';
  const env = environmentNamed(p.config(), environment);
  if (!(await mayActOn(p, env, user))) return `Only ${environment}'s approvers may promote its release.`;
  const record = await p.releases().get(releaseId, environment);
  if (!record || isTerminal(record) || record.status === 'promoted') {
    return 'That release is no longer baking; nothing was changed.';
  }
  if (record.promoteNow) return `Already asked by <@${record.promoteNow.by}>.`;
  const at = p.now().toISOString();
  await p.releases().update(
    releaseId,
    environment,
    { promoteNow: { by: user, at } },
    {
      event: 'promote_now',
      detail: `promote now requested by <@${user}>: after this bake, straight to 100%`,
    },
  );
  return `When this bake ends, ${releaseId} goes straight to 100% in ${environment}.`;
}
