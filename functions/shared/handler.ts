import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { log } from './log.js';
import type { Ports } from './ports/index.js';

/** Where a handler gets its ports: the AWS adapters on Lambda, the local ones in the embedded runtime. */
export type PortsProvider = () => Ports;

/** Logs a Task handler's failure with its name, so a Catch in the state machine is explainable. */
function logFailures(name: string): middy.MiddlewareObj {
  return {
    onError: async function logTaskFailure(request) {
      const error = request.error as Error | undefined;
      log.warn(`${name} failed`, { error: error?.name, reason: error?.message });
    },
  };
}

/**
 * A Step Functions Task handler: middleware first, handler last. Errors propagate with their
 * name as the Lambda errorType, which is what the state machine's Retry and Catch match.
 */
export function taskHandler<TInput, TOutput>(
  name: string,
  ports: PortsProvider,
  fn: (input: TInput, ports: Ports) => Promise<TOutput>,
) {
  return middy<TInput, TOutput, Error, Context>()
    .use(logFailures(name))
    .handler(async function runTask(input: TInput) {
      return fn(input, ports());
    });
}
