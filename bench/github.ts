import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signedWebhookEvent } from '../embedded/push.js';

/** A signed GitHub delivery as a Function URL hands it to the webhook Lambda. */
export function webhookEvent(
  secret: string,
  body: string,
  event = 'push',
  deliveryId: string = randomUUID(),
): APIGatewayProxyEventV2 {
  return signedWebhookEvent(secret, event, body, deliveryId);
}
