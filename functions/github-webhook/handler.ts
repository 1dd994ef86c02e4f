import middy from '@middy/core';
import { Webhooks } from '@octokit/webhooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { awsConfig } from '../shared/aws/config-port.js';
import { awsSecrets } from '../shared/aws/secrets-manager.js';
import { awsOrchestrator } from '../shared/aws/sfn-orchestrator.js';
import { type PushEvent, planRelease } from '../shared/domain/plan.js';
import { log } from '../shared/log.js';
import type { Ports } from '../shared/ports/index.js';

type Response = APIGatewayProxyStructuredResultV2;

const json = (statusCode: number, body: Record<string, unknown>): Response => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Function URLs and HTTP APIs hand over the body as text, or base64 when it is not. */
function rawBody(event: APIGatewayProxyEventV2): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

let verifier: { secret: string; webhooks: Webhooks } | undefined;
function webhooksFor(secret: string): Webhooks {
  if (verifier?.secret !== secret) verifier = { secret, webhooks: new Webhooks({ secret }) };
  return verifier.webhooks;
}

/** The ports GithubWebhook uses: its wiring below, the embedded runtime and its IAM grants supply exactly these. */
export type GithubWebhookPorts = Pick<Ports, 'config' | 'secrets' | 'orchestrator'>;

/**
 * GitHub webhook: verify X-Hub-Signature-256 over the raw body before anything is parsed, then
 * turn a push to a release branch into one execution of the first environment's release.
 * Redeliveries and retried pushes derive the same execution name, so they start nothing new.
 */
export const createGithubWebhookHandler = (ports: GithubWebhookPorts) =>
  middy<APIGatewayProxyEventV2, Response, Error, Context>()
    .use({
      onError: async function answerUnexpectedError(request) {
        log.error('webhook failed', { error: request.error?.name, reason: request.error?.message });
        request.response = json(500, { error: 'internal error; GitHub will show this delivery as failed' });
      },
    })
    .handler(async function receiveGithubWebhook(event) {
      const p = ports;
      const body = rawBody(event);
      const signature = header(event, 'x-hub-signature-256');
      if (!signature?.startsWith('sha256=')) {
        return json(401, { error: 'missing X-Hub-Signature-256 (sha256) signature' });
      }
      const secret = await p.secrets().get('github-webhook');
      if (!(await webhooksFor(secret).verify(body, signature))) {
        return json(401, { error: 'signature does not match' });
      }

      let payload: unknown;
      try {
        payload = JSON.parse(body);
      } catch {
        return json(400, { error: 'body is not valid JSON' });
      }
      const name = header(event, 'x-github-event');
      const deliveryId = header(event, 'x-github-delivery');
      if (name === 'ping') return json(200, { ok: true, event: 'ping' });
      if (name !== 'push')
        return json(202, { ignored: true, reason: `event ${name ?? '(none)'} is not a push` });
      if (
        typeof payload !== 'object' ||
        payload === null ||
        !('ref' in payload) ||
        !('repository' in payload)
      ) {
        return json(400, { error: 'push payload lacks ref or repository' });
      }

      const plan = planRelease(p.config(), payload as PushEvent, deliveryId);
      if (plan.kind === 'ignored') {
        log.info('push ignored', { deliveryId, reason: plan.reason });
        return json(202, { ignored: true, reason: plan.reason });
      }
      const first = plan.environments[0]!;
      const started = await p.orchestrator().startRelease(first.input);
      log.info(started.started ? 'release started' : 'duplicate delivery', {
        deliveryId,
        releaseId: plan.release.id,
        executionName: first.executionName,
      });
      return json(started.started ? 202 : 200, {
        releaseId: plan.release.id,
        environment: first.name,
        executionName: first.executionName,
        started: started.started,
        ...(started.started ? {} : { duplicate: true }),
      });
    });

export const handler = createGithubWebhookHandler({
  config: awsConfig,
  secrets: awsSecrets,
  orchestrator: awsOrchestrator,
});
