import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type HttpRequest, httpHandler, json } from '../../functions/shared/http.js';
import { log, setLogSink } from '../../functions/shared/log.js';
import { taskContext } from '../support/ports.js';

/** A Function URL event (payload format 2.0) with the given headers and body. */
function httpEvent(headers: Record<string, string>, body: string, base64 = false): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers,
    requestContext: { requestId: 'http-request-1' } as APIGatewayProxyEventV2['requestContext'],
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

interface Ping {
  ping: true;
}
const isPing = (event: unknown): event is Ping => (event as Partial<Ping>)?.ping === true;

describe('Function: httpHandler', () => {
  let lines: Record<string, unknown>[];
  let restore: (line: string) => void;
  const level = process.env.SLUICE_LOG_LEVEL;
  beforeEach(() => {
    lines = [];
    process.env.SLUICE_LOG_LEVEL = 'info';
    restore = setLogSink((line) => lines.push(JSON.parse(line)));
  });
  afterEach(() => {
    setLogSink(restore);
    if (level === undefined) delete process.env.SLUICE_LOG_LEVEL;
    else process.env.SLUICE_LOG_LEVEL = level;
  });

  it('hands the body over exactly as sent, base64 or not, and reads headers in any case', async () => {
    // Prepare: header names are case-insensitive (RFC 9110 5.1); Function URLs send them
    // lowercased, other front ends (and the embedded server's callers) may not.
    const seen: { body: string; signature: string | undefined }[] = [];
    const handler = httpHandler('Edge', {}, async (request: HttpRequest) => {
      seen.push({ body: request.body, signature: request.header('X-Hub-Signature-256') });
      return json(200, { ok: true });
    });

    // Act
    await handler(httpEvent({ 'X-Hub-Signature-256': 'sha256=ab' }, '{"a": 1}'), taskContext);
    await handler(httpEvent({ 'x-hub-signature-256': 'sha256=cd' }, 'a=1&b=%20', true), taskContext);

    // Assess
    expect(seen).toEqual([
      { body: '{"a": 1}', signature: 'sha256=ab' },
      { body: 'a=1&b=%20', signature: 'sha256=cd' },
    ]);
  });

  it('puts the Lambda request id, the HTTP request id and the delivery id on every line of the request', async () => {
    // Prepare
    const handler = httpHandler(
      'Edge',
      {},
      async () => {
        log.info('inside');
        return json(202, {});
      },
      { deliveryHeader: 'x-github-delivery' },
    );

    // Act
    await handler(httpEvent({ 'X-GitHub-Delivery': 'delivery-7' }, '{}'), taskContext);

    // Assess
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'inside',
        function: 'Edge',
        requestId: 'test-request',
        httpRequestId: 'http-request-1',
        deliveryId: 'delivery-7',
      }),
    ]);
  });

  it('answers an unexpected error with a JSON 500 that tells nothing, and logs the error with its cause under the ids', async () => {
    // Prepare
    const handler = httpHandler(
      'Edge',
      {},
      async () => {
        throw new TypeError('secret-free detail', { cause: new RangeError('deeper') });
      },
      { errorAnswer: 'internal error; try again' },
    );

    // Act
    const response = (await handler(httpEvent({}, '{}'), taskContext)) as APIGatewayProxyStructuredResultV2;

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(String(response.body))).toEqual({ error: 'internal error; try again' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'Edge failed',
        requestId: 'test-request',
        error: {
          name: 'TypeError',
          message: 'secret-free detail',
          cause: { name: 'RangeError', message: 'deeper' },
        },
      }),
    ]);
  });

  it("throws a side entrance's error on, so Lambda retries the asynchronous invocation", async () => {
    // Prepare
    const ran: Ping[] = [];
    const handler = httpHandler('Edge', {}, async () => json(200, {}), {
      side: {
        matches: isPing,
        run: async (event: Ping) => {
          ran.push(event);
          if (ran.length > 1) throw new Error('second run fails');
        },
      },
    });

    // Act
    const first = await handler({ ping: true }, taskContext);
    const second = handler({ ping: true }, taskContext);

    // Assess
    expect(first).toEqual({ statusCode: 200, body: '' });
    await expect(second).rejects.toThrow('second run fails');
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'Edge failed',
        requestId: 'test-request',
        error: expect.anything(),
      }),
    ]);
  });
});
