import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Deferral, DeferredSlackEvent } from '../ports/deferral.js';
import { once } from './once.js';

/**
 * Invokes this same function again with InvocationType Event: Lambda queues the event and
 * answers 202 at once, then runs it in another invocation, retrying twice on an error
 * (Lambda developer guide, "Asynchronous invocation").
 */
export class LambdaDeferral implements Deferral {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async defer(event: DeferredSlackEvent): Promise<void> {
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  }
}

export const awsDeferral = (): Deferral =>
  once('deferral', () => {
    // Lambda sets AWS_LAMBDA_FUNCTION_NAME in every function's environment (reserved variables).
    const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
    if (!name) throw new Error('AWS_LAMBDA_FUNCTION_NAME is not set: deferral runs only inside Lambda');
    // A hung Invoke must leave time to act on the click at once (the handler's fallback).
    return new LambdaDeferral(
      new LambdaClient({ requestHandler: { requestTimeout: 1_000, connectionTimeout: 1_000 } }),
      name,
    );
  });
