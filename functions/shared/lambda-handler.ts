import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { log, withLogContext } from './log.js';

/** The fields a Task's input carries that every log line of the invocation should repeat. */
function releaseFields(input: unknown): Record<string, string> {
  if (typeof input !== 'object' || input === null) return {};
  const {
    executionName,
    release,
    input: nested,
  } = input as {
    executionName?: unknown;
    release?: { id?: unknown };
    input?: unknown;
  };
  if (nested !== undefined && executionName === undefined) return releaseFields(nested);
  return {
    ...(typeof executionName === 'string' ? { executionName } : {}),
    ...(typeof release?.id === 'string' ? { releaseId: release.id } : {}),
  };
}

/**
 * A Step Functions Task handler: middleware first, handler last. Errors propagate with their
 * name as the Lambda errorType, which is what the state machine's Retry and Catch match. Every
 * log line of the invocation carries the Lambda request id, the execution name and the release id.
 */
export function lambdaHandler<TInput, TOutput, TPorts>(
  name: string,
  ports: TPorts,
  fn: (input: TInput, ports: TPorts) => Promise<TOutput>,
) {
  return middy<TInput, TOutput, Error, Context>().handler(async function runTask(input, context) {
    const fields = { function: name, requestId: context.awsRequestId, ...releaseFields(input) };
    return withLogContext(fields, async function runWithLogContext() {
      try {
        return await fn(input, ports);
      } catch (error) {
        log.warn(`${name} failed`, { error });
        throw error;
      }
    });
  });
}
