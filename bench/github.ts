import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signature } from '../embedded/push.js';

/** A signed GitHub delivery as a Function URL hands it to the webhook Lambda. */
export function webhookEvent(
  secret: string,
  body: string,
  event = 'push',
  deliveryId: string = randomUUID(),
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': signature(secret, body),
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}
