import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ACTIONS } from '../functions/shared/domain/approval.js';
import { slackSignature } from '../functions/shared/slack-signature.js';

/**
 * Slack-format interactions, built and signed as Slack sends them: what `sluice serve`'s page,
 * `sluice approve` and the demo post to /slack/interactions, and what tests sign.
 */

export type ClickAction = keyof typeof ACTIONS;

/**
 * A block_actions payload for a button click, with the fields Slack documents
 * (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
export function blockActionsPayload(click: {
  action: ClickAction;
  value: string;
  user: string;
  responseUrl: string;
  channel?: string;
  messageTs?: string;
}) {
  const ts = click.messageTs ?? `${Math.floor(Date.now() / 1000)}.000100`;
  return {
    type: 'block_actions',
    user: {
      id: click.user,
      username: click.user.toLowerCase(),
      name: click.user.toLowerCase(),
      team_id: 'T0LOCAL',
    },
    api_app_id: 'A0LOCAL',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: ts,
      channel_id: click.channel ?? 'C0LOCAL',
      is_ephemeral: false,
    },
    trigger_id: `${Date.now()}.local`,
    team: { id: 'T0LOCAL', domain: 'local' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: click.channel ?? 'C0LOCAL', name: 'releases' },
    message: { type: 'message', ts, text: 'approval' },
    state: { values: {} },
    response_url: click.responseUrl,
    actions: [
      {
        action_id: ACTIONS[click.action],
        block_id: `approval:${click.value}`,
        text: { type: 'plain_text', text: click.action, emoji: true },
        value: click.value,
        type: 'button',
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** Slack posts the payload form-encoded, as one `payload` field holding JSON. */
export const formBody = (payload: unknown) =>
  new URLSearchParams({ payload: JSON.stringify(payload) }).toString();

/** The headers Slack sends with a signed request. */
export function slackHeaders(secret: string, body: string, nowSeconds = Math.floor(Date.now() / 1000)) {
  const timestamp = String(nowSeconds);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': slackSignature(secret, timestamp, body),
  };
}

/** The request as API Gateway's HTTP API hands it to the Lambda (payload format 2.0). */
export function interactionEvent(body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /slack/interactions',
    rawPath: '/slack/interactions',
    rawQueryString: '',
    headers,
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
