import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

// Apart from engine.ts, which loads the Step Functions engine and its SDK clients: a handler test
// needs a context, not the engine.
/** A Lambda context for an in-process invocation. */
export function lambdaContext(functionArn: string): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: functionArn.split(':').at(-1) ?? functionArn,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: 'embedded',
    logStreamName: 'embedded',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
