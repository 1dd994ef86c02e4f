import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Structured JSON logs, one object a line (CloudWatch Logs Insights reads the fields).
 * Never pass a secret or a raw request body: nothing here redacts. An Error in a field is
 * written as its name, message and cause, so callers pass `{ error }` and cast nothing.
 */
type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let sink: (line: string) => void = (line) => process.stdout.write(`${line}\n`);

function threshold(): number {
  return ORDER[(process.env.SLUICE_LOG_LEVEL as Level) ?? 'info'] ?? ORDER.info;
}

// The invocation's fields (request id, execution name, release id), repeated on every line.
const context = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with `fields` on every log line it writes, however deep the call. */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/**
 * An error as a log field: its name, message and causes (JSON.stringify gives `{}` for an Error).
 * Never the stack: a line is for reading in Logs Insights, and a cause chain says where.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message, cause } = value;
  return {
    name,
    message,
    ...(cause !== undefined && depth < 3 ? { cause: serializeError(cause, depth + 1) } : {}),
  };
}

function write(level: Exclude<Level, 'silent'>, message: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold()) return;
  const serialized = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, serializeError(v)]));
  sink(
    JSON.stringify({ level, time: new Date().toISOString(), message, ...context.getStore(), ...serialized }),
  );
}

export const log = {
  debug: (message: string, fields?: Record<string, unknown>) => write('debug', message, fields),
  info: (message: string, fields?: Record<string, unknown>) => write('info', message, fields),
  warn: (message: string, fields?: Record<string, unknown>) => write('warn', message, fields),
  error: (message: string, fields?: Record<string, unknown>) => write('error', message, fields),
};

/** Sends log lines elsewhere (tests collect them); returns the previous sink. */
export function setLogSink(next: (line: string) => void): (line: string) => void {
  const previous = sink;
  sink = next;
  return previous;
}
