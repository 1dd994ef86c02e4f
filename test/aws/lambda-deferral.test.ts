import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { awsDeferral, LambdaDeferral } from '../../functions/shared/aws/lambda-deferral.js';
import { forgetBuilt } from '../../functions/shared/aws/once.js';
import {
  type DeferredSlackEvent,
  isDeferredSlackEvent,
  type SlackAction,
} from '../../functions/shared/ports/index.js';

/*
 * Lambda's documented behaviour this adapter relies on:
 * - Invoke with InvocationType `Event` queues the event and answers 202 at once; Lambda runs the
 *   function later and retries twice when it fails (Lambda developer guide, "Asynchronous
 *   invocation"; API reference, Invoke).
 * - Lambda sets AWS_LAMBDA_FUNCTION_NAME, the function's name, in every function's environment
 *   ("Defined runtime environment variables").
 */

const lambda = mockClient(LambdaClient);
const ACTION: SlackAction = {
  actionId: 'sluice_approve',
  value: 'ap_X72qmTloILGk',
  user: 'U024BE7LH',
  responseUrl: 'https://hooks.slack.com/actions/T9TK3CUKW/397677982144/yJfcAmqSZUhPrArTnaIX35Ks',
};

const EVENT: DeferredSlackEvent = {
  sluiceDeferredSlackAction: ACTION,
  issuedAt: 1_796_385_600,
  seal: 'ab'.repeat(32),
};

describe('Class: LambdaDeferral', () => {
  beforeEach(() => lambda.reset());

  describe('Method: defer', () => {
    it('invokes the function asynchronously (InvocationType Event) with the action as a deferred event', async () => {
      // Prepare
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      const deferral = new LambdaDeferral(
        new LambdaClient({ region: 'us-east-1' }),
        'Sluice-checkout-SlackInteractions',
      );

      // Act
      await deferral.defer(EVENT);

      // Assess
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
      const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
      expect(input).toMatchObject({
        FunctionName: 'Sluice-checkout-SlackInteractions',
        InvocationType: 'Event',
      });
      const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array));
      expect(isDeferredSlackEvent(event)).toBe(true);
      expect(event).toEqual(EVENT);
    });

    it('throws when Lambda refuses to queue the event, so the click is acted on at once', async () => {
      lambda
        .on(InvokeCommand)
        .rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
      const deferral = new LambdaDeferral(new LambdaClient({ region: 'us-east-1' }), 'fn');

      await expect(deferral.defer(EVENT)).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    });
  });

  describe('Function: awsDeferral', () => {
    const saved = process.env.AWS_LAMBDA_FUNCTION_NAME;
    afterEach(() => {
      if (saved === undefined) delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      else process.env.AWS_LAMBDA_FUNCTION_NAME = saved;
      forgetBuilt();
    });

    it('invokes the function it runs in, by AWS_LAMBDA_FUNCTION_NAME', async () => {
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'Sluice-checkout-SlackInteractionsFunction-AbC123';
      forgetBuilt();

      await awsDeferral().defer(EVENT);

      expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
        FunctionName: 'Sluice-checkout-SlackInteractionsFunction-AbC123',
      });
    });

    it('refuses to build outside Lambda, naming the missing variable', () => {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      forgetBuilt();

      expect(() => awsDeferral()).toThrow(/AWS_LAMBDA_FUNCTION_NAME/);
    });
  });
});
