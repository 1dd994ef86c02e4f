import { verify } from '@octokit/webhooks-methods';
import { type PushEvent, planRelease, type ReleasePlan } from '../shared/domain/plan.js';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../shared/http.js';
import { log } from '../shared/log.js';
import type { Ports } from '../shared/ports/index.js';

/** The ports GithubWebhook uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type GithubWebhookPorts = Pick<
  Ports,
  'config' | 'secrets' | 'orchestrator' | 'releases' | 'pushes' | 'now'
>;

/** Attempts of one commit: far more than anyone re-pushes a failing commit within 90 days. */
const MAX_ATTEMPTS = 50;

/**
 * Starts the push's pipeline. A name is taken for 90 days by any execution, closed or not
 * (StartExecution API reference), so a redelivery lands on the same name and starts nothing,
 * while a re-push of a commit whose last attempt failed, was aborted or rolled back starts the
 * next attempt under a suffixed name. A new push (`fresh`: not a redelivery of the recorded
 * push) of a commit whose attempt succeeded starts the next attempt too: the branch moved back
 * to it, e.g. a force push to roll back (review R6). A running attempt stays the answer.
 */
async function startPipeline(
  p: GithubWebhookPorts,
  event: PushEvent,
  deliveryId: string | undefined,
  fresh: boolean,
): Promise<{ plan: ReleasePlan; started: boolean; status?: string }> {
  for (let attempt = 1; ; attempt++) {
    const plan = planRelease(p.config(), event, deliveryId, attempt) as ReleasePlan;
    const orchestrator = p.orchestrator();
    const result = await orchestrator.startPipeline(plan.pipeline.input);
    if (result.started) return { plan, started: true };
    const status = await orchestrator.executionStatus(plan.pipeline.executionName, 'pipeline');
    const done =
      status === 'RUNNING' ||
      status === undefined ||
      (status === 'SUCCEEDED' && !fresh) ||
      attempt >= MAX_ATTEMPTS;
    if (done) return { plan, started: false, ...(status ? { status } : {}) };
  }
}

/** The head SHA of a completed check_suite or check_run event, if it is one. */
function completedCheck(
  name: string | undefined,
  payload: unknown,
): { sha: string; repository: string } | undefined {
  if (name !== 'check_suite' && name !== 'check_run') return undefined;
  const body = payload as {
    action?: string;
    check_suite?: { head_sha?: string };
    check_run?: { head_sha?: string };
    repository?: { full_name?: string };
  };
  if (body.action !== 'completed') return undefined;
  const sha = (name === 'check_suite' ? body.check_suite : body.check_run)?.head_sha;
  const repository = body.repository?.full_name;
  return typeof sha === 'string' && typeof repository === 'string' ? { sha, repository } : undefined;
}

/**
 * Wakes every release of the commit that waits in VerifyBuild: its Task gets `{ recheck: true }`
 * and VerifyBuild judges the check runs again. A token that ended meanwhile (the release moved
 * on, or the slow poll replaced it) is no longer valid, which is fine.
 */
async function wakeWaitingReleases(p: GithubWebhookPorts, sha: string): Promise<string[]> {
  const waiting = (await p.releases().waitingForChecks(sha)).filter((r) => r.status === 'in_progress');
  const woken: string[] = [];
  for (const record of waiting) {
    const taskToken = record.buildWait?.taskToken;
    if (!taskToken) continue;
    try {
      await p.orchestrator().sendTaskSuccess(taskToken, { recheck: true });
      woken.push(record.executionName);
    } catch (error) {
      log.info('waiting release not woken', { executionName: record.executionName, error });
    }
  }
  return woken;
}

/**
 * GitHub webhook: verify X-Hub-Signature-256 over the raw body before anything is parsed, then
 * turn a push to a branch of a route into one pipeline execution (which releases each
 * environment of the route in turn), and a completed check suite or run into a wake-up for the
 * releases that wait for that commit's checks.
 */
export const createGithubWebhookHandler = (ports: GithubWebhookPorts) =>
  httpHandler('GithubWebhook', ports, receiveGithubWebhook, {
    deliveryHeader: 'x-github-delivery',
    errorAnswer: 'internal error; GitHub will show this delivery as failed',
  });

async function receiveGithubWebhook(request: HttpRequest, p: GithubWebhookPorts): Promise<HttpResponse> {
  const { body } = request;
  const signature = request.header('x-hub-signature-256');
  if (!signature?.startsWith('sha256=')) {
    return json(401, { error: 'missing X-Hub-Signature-256 (sha256) signature' });
  }
  const secret = await p.secrets().get('github-webhook');
  // @octokit/webhooks-methods' verify (constant-time HMAC-SHA256), not the Webhooks class: the
  // class's event tables would put this bundle over the 500 KB budget. GitHub does not
  // redeliver a refused delivery, so a secret cached from before a rotation is read again
  // (rate-limited) before the push is refused.
  if (
    !(await verify(secret, body, signature)) &&
    !(await verify(await p.secrets().reread('github-webhook'), body, signature))
  ) {
    return json(401, { error: 'signature does not match' });
  }

  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return json(400, { error: 'body is not valid JSON' });
  }
  const name = request.header('x-github-event');
  const deliveryId = request.header('x-github-delivery');
  if (name === 'ping') return json(200, { ok: true, event: 'ping' });
  const check = completedCheck(name, payload);
  if (check) {
    if (check.repository.toLowerCase() !== p.config().repository.toLowerCase()) {
      return json(202, {
        ignored: true,
        reason: `check on ${check.repository}, not ${p.config().repository}`,
      });
    }
    const woken = await wakeWaitingReleases(p, check.sha);
    log.info('check completed', { sha: check.sha, woken: woken.length });
    return json(202, { event: name, sha: check.sha, woken });
  }
  if (name !== 'push')
    return json(202, {
      ignored: true,
      reason: `event ${name ?? '(none)'} is not a push or a completed check`,
    });
  if (typeof payload !== 'object' || payload === null || !('ref' in payload) || !('repository' in payload)) {
    return json(400, { error: 'push payload lacks ref or repository' });
  }

  const plan = planRelease(p.config(), payload as PushEvent, deliveryId);
  if (plan.kind === 'ignored') {
    log.info('push ignored', { reason: plan.reason });
    return json(202, { ignored: true, reason: plan.reason });
  }
  // Recorded before anything starts, so that every release that reaches a lock can order
  // itself against the others by the branch's push chain (BeginRelease, domain/push-order.ts).
  // A push log that cannot be written never loses the push (GitHub does not redeliver a failed
  // delivery by itself): the release still starts, ordered by push time and commit id.
  const { release: pushed } = plan;
  const fresh = await p
    .pushes()
    .record({
      branch: pushed.branch,
      sha: pushed.sha,
      ...(pushed.before ? { before: pushed.before } : {}),
      ...(pushed.pushedAt !== undefined ? { pushedAt: pushed.pushedAt } : {}),
      receivedAt: p.now().toISOString(),
      ...(deliveryId ? { deliveryId } : {}),
    })
    .catch((error: unknown) => {
      log.warn('push not recorded; releases of this push are ordered by push time and commit id', {
        error,
      });
      // Unknown whether it is a redelivery: a succeeded pipeline of the commit stays the answer.
      return false;
    });
  const started = await startPipeline(p, payload as PushEvent, deliveryId, fresh);
  const { pipeline, release, route } = started.plan;
  log.info(started.started ? 'pipeline started' : 'duplicate delivery', {
    releaseId: release.id,
    attempt: release.attempt,
    executionName: pipeline.executionName,
  });
  return json(started.started ? 202 : 200, {
    releaseId: release.id,
    attempt: release.attempt,
    route: route.name,
    environments: route.environments,
    executionName: pipeline.executionName,
    started: started.started,
    ...(started.started ? {} : { duplicate: true, status: started.status }),
  });
}
