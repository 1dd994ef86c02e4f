/**
 * The Slack Web API methods Sluice calls, over fetch: each is an HTTP POST to
 * https://slack.com/api/<method> with the bot token as a Bearer token, answered with JSON whose
 * `ok` says whether it worked and `error` why not (docs.slack.dev/apis/web-api). Write methods
 * take a JSON body, which Slack recommends for Block Kit arguments; the others take form fields.
 * A rate-limited call is answered 429 with Retry-After in seconds (docs.slack.dev/apis/web-api/rate-limits).
 * @slack/web-api did the same for 60 KB of each bundle that posts to Slack.
 */

export const SLACK_API_URL = 'https://slack.com/api/';

/** Methods that take a JSON body ("most write methods", and the ones with Block Kit arguments). */
const JSON_METHODS = new Set(['chat.postMessage', 'chat.update']);

/** Slack answered `ok: false`; `data.error` is its error code (e.g. channel_not_found). */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';
  constructor(
    readonly method: string,
    readonly data: { ok: false; error: string },
  ) {
    super(`Slack ${method} failed: ${data.error}`);
  }
}

/** Slack did not answer (network, timeout) or answered an HTTP error, after the retries. */
export class SlackHttpError extends Error {
  override readonly name = 'SlackHttpError';
}

export interface SlackWebApiOptions {
  /** @default https://slack.com/api/ */
  apiUrl?: string;
  /** Retries of a rate-limited, failed (5xx) or unanswered call. @default 2 */
  retries?: number;
  /** Longest Retry-After honoured; a longer one fails the call. @default 30 s */
  maxRetryAfterMs?: number;
  /** Per attempt. @default 10 s */
  timeoutMs?: number;
}

export class SlackWebApi {
  private readonly apiUrl: string;

  constructor(
    private readonly token: string,
    private readonly options: SlackWebApiOptions = {},
  ) {
    this.apiUrl = options.apiUrl ?? SLACK_API_URL;
  }

  /** Calls a method; resolves with Slack's answer when `ok`, rejects with SlackApiError when not. */
  async call<T extends object>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    const retries = this.options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= retries;
      let response: Response;
      try {
        response = await fetch(`${this.apiUrl}${method}`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${this.token}`,
            'content-type': JSON_METHODS.has(method)
              ? 'application/json; charset=utf-8'
              : 'application/x-www-form-urlencoded',
          },
          body: JSON_METHODS.has(method) ? JSON.stringify(args) : formOf(args),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        if (last) throw new SlackHttpError(`Slack ${method}: no answer (${(error as Error).name})`);
        await pause(backoff(attempt));
        continue;
      }
      if (response.status === 429 || response.status >= 500) {
        await response.arrayBuffer();
        const wait =
          response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : backoff(attempt);
        if (last || wait > (this.options.maxRetryAfterMs ?? 30_000)) {
          throw new SlackHttpError(`Slack ${method} answered HTTP ${response.status}`);
        }
        await pause(wait);
        continue;
      }
      const answer = (await response.json().catch(() => undefined)) as
        | ({ ok?: boolean; error?: string } & T)
        | undefined;
      if (!answer) throw new SlackHttpError(`Slack ${method} answered HTTP ${response.status}, not JSON`);
      if (answer.ok !== true)
        throw new SlackApiError(method, { ok: false, error: answer.error ?? 'unknown_error' });
      return answer;
    }
  }
}

/** Form fields; an object or array argument travels as its JSON, as Slack's form-encoded calls take it. */
function formOf(args: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined) continue;
    form.set(key, typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}

/** Retry-After is in seconds; a missing or unreadable one waits a second. */
function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
}

const backoff = (attempt: number) => 250 * 2 ** attempt;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
