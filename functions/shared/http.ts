import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { log, withLogContext } from './log.js';

/** What an HTTP Lambda answers: a Function URL or HTTP API response. */
export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** A JSON answer. */
export const json = (statusCode: number, body: Record<string, unknown>): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** An empty 200 (Slack only needs the acknowledgement; what the user sees goes through response_url). */
export const ack = (): HttpResponse => ({ statusCode: 200, body: '' });

/** The request as a handler reads it: the body exactly as sent (for a signature) and its headers. */
export interface HttpRequest {
  /** The body as the sender signed it: Function URLs and HTTP APIs hand it over as text, or base64 when it is not. */
  readonly body: string;
  /** A header by name, any case. */
  header(name: string): string | undefined;
}

/** The raw body of a Function URL or HTTP API event. */
export function rawBody(event: APIGatewayProxyEventV2): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** An event this Lambda also receives that is not an HTTP request (e.g. its own asynchronous invocation). */
export interface SideEntrance<TEvent, TPorts> {
  matches(event: unknown): event is TEvent;
  /** Runs it; an error is thrown on, so Lambda retries the asynchronous invocation. */
  run(event: TEvent, ports: TPorts): Promise<void>;
}

export interface HttpEdgeOptions<TEvent, TPorts> {
  /** The header naming the delivery (GitHub's X-GitHub-Delivery), repeated on every log line. */
  deliveryHeader?: string;
  /** The 500's message for an unexpected error; the error itself is logged, never answered. */
  errorAnswer?: string;
  side?: SideEntrance<TEvent, TPorts>;
}

/**
 * The edge both HTTP Lambdas share, middleware first and handler last: header names lowercased
 * (@middy/http-header-normalizer), the raw body, every log line carrying the Lambda request id,
 * the HTTP request id and the delivery id, and a JSON 500 for an unexpected error. That answer
 * is given inside the log context (not in an onError middleware, which runs outside it) so the
 * error line carries the ids too.
 */
export function httpHandler<TPorts, TEvent = never>(
  name: string,
  ports: TPorts,
  receive: (request: HttpRequest, ports: TPorts) => Promise<HttpResponse>,
  options: HttpEdgeOptions<TEvent, TPorts> = {},
) {
  const { deliveryHeader, errorAnswer = 'internal error', side } = options;
  return middy<APIGatewayProxyEventV2 | TEvent, HttpResponse, Error, Context>()
    .use(httpHeaderNormalizer())
    .handler(async function receiveHttp(event, context) {
      const lambda = { function: name, requestId: context.awsRequestId };
      if (side?.matches(event)) {
        return withLogContext(lambda, async function runSideEntrance() {
          try {
            await side.run(event, ports);
          } catch (error) {
            log.error(`${name} failed`, { error });
            throw error;
          }
          return ack(); // an asynchronous invocation's result goes nowhere
        });
      }
      const http = event as APIGatewayProxyEventV2;
      const headers = http.headers ?? {};
      const request: HttpRequest = { body: rawBody(http), header: (h) => headers[h.toLowerCase()] };
      const deliveryId = deliveryHeader ? request.header(deliveryHeader) : undefined;
      const httpRequestId = http.requestContext?.requestId;
      const fields = {
        ...lambda,
        ...(httpRequestId ? { httpRequestId } : {}),
        ...(deliveryId ? { deliveryId } : {}),
      };
      return withLogContext(fields, async function answerRequest() {
        try {
          return await receive(request, ports);
        } catch (error) {
          log.error(`${name} failed`, { error });
          return json(500, { error: errorAnswer });
        }
      });
    });
}
