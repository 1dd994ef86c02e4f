import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MemoryApprovalStore } from '../../embedded/adapters/approval-store.js';
import { MemoryPushLog } from '../../embedded/adapters/memory-push-log.js';
import { MemoryReleaseStore } from '../../embedded/adapters/memory-release-store.js';
import { LocalSlack } from '../../embedded/adapters/slack.js';
import { lambdaContext } from '../../embedded/lambda-context.js';
import { interactionEvent, slackHeaders } from '../../embedded/slack-interaction.js';
import { createGithubWebhookHandler } from '../../functions/github-webhook/github-webhook.js';
import type { Orchestrator, SecretName, Secrets } from '../../functions/shared/ports/index.js';
import { createSlackInteractionsHandler } from '../../functions/slack-interactions/slack-interactions.js';
import { exampleConfig } from '../support/config.js';
import { fixedClock, NOW } from '../support/ports.js';
import { FakeLoadBalancer } from '../support/traffic.js';

/*
 * A rotated signing secret must not refuse the senders that already use it for the whole cache
 * TTL: "GitHub does not automatically redeliver failed deliveries" (GitHub docs, Handling failed
 * webhook deliveries), and Slack does not retry an interaction. GetSecretValue without a
 * VersionStage returns AWSCURRENT (Secrets Manager API reference), the rotated value.
 */

const OLD = 'secret-before-rotation';
const NEW = 'secret-after-rotation';

/** A Secrets port whose cache still holds the value from before a rotation. */
class RotatedSecrets implements Secrets {
  cached = OLD;
  current = NEW;
  rereads = 0;

  async get(_name: SecretName): Promise<string> {
    return this.cached;
  }

  async reread(_name: SecretName): Promise<string> {
    this.rereads++;
    this.cached = this.current;
    return this.cached;
  }
}

const unused = async (): Promise<never> => {
  throw new Error('not used');
};
const orchestrator: Orchestrator = {
  startRelease: unused,
  startPipeline: unused,
  stopExecution: unused,
  sendTaskSuccess: unused,
  sendTaskFailure: unused,
  executionStatus: unused,
  describeExecution: unused,
};

function githubPing(secrets: Secrets, signingSecret: string) {
  const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
  const signature = `sha256=${createHmac('sha256', signingSecret).update(body).digest('hex')}`;
  const event = {
    version: '2.0',
    routeKey: 'POST /github/webhook',
    rawPath: '/github/webhook',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': signature,
    },
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
    body,
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
  return createGithubWebhookHandler({
    config: exampleConfig,
    secrets: () => secrets,
    orchestrator: () => orchestrator,
    releases: () => new MemoryReleaseStore(),
    pushes: () => new MemoryPushLog(),
    now: fixedClock,
  })(event, {} as Context) as Promise<APIGatewayProxyStructuredResultV2>;
}

function slackRequest(secrets: Secrets, signingSecret: string) {
  // Signed, but not a block_actions payload: 400 once the signature holds, 401 before.
  const body = 'payload=%7B%22type%22%3A%22view_closed%22%7D';
  const config = exampleConfig();
  return createSlackInteractionsHandler({
    config: () => config,
    secrets: () => secrets,
    approvals: () => new MemoryApprovalStore(),
    releases: () => new MemoryReleaseStore(),
    orchestrator: () => orchestrator,
    trafficRouter: new FakeLoadBalancer().router,
    notifier: () => new LocalSlack(),
    deferral: () => ({ defer: async () => undefined }),
    now: () => new Date(NOW),
  })(
    interactionEvent(body, slackHeaders(signingSecret, body, Math.floor(Date.parse(NOW) / 1000))),
    lambdaContext('slack-interactions'),
  );
}

describe('Signing secrets after a rotation', () => {
  it('accepts a GitHub delivery signed with the rotated secret by reading the secret once more', async () => {
    const secrets = new RotatedSecrets();

    const answer = await githubPing(secrets, NEW);

    expect(answer.statusCode).toBe(200);
    expect(secrets.rereads).toBe(1);
  });

  it('still refuses a GitHub delivery signed with neither secret', async () => {
    const secrets = new RotatedSecrets();

    const answer = await githubPing(secrets, 'someone-else');

    expect(answer.statusCode).toBe(401);
  });

  it('accepts a Slack request signed with the rotated secret by reading the secret once more', async () => {
    const secrets = new RotatedSecrets();

    const answer = await slackRequest(secrets, NEW);

    expect(answer.statusCode).toBe(400);
    expect(secrets.rereads).toBe(1);
  });

  it('still refuses a Slack request signed with neither secret, and a valid one reads nothing again', async () => {
    const secrets = new RotatedSecrets();

    const refused = await slackRequest(secrets, 'someone-else');
    secrets.rereads = 0;
    const valid = await slackRequest(secrets, NEW);

    expect(refused.statusCode).toBe(401);
    expect(valid.statusCode).toBe(400);
    expect(secrets.rereads).toBe(0);
  });
});
