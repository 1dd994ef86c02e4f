import { InvalidInputError } from './errors.js';

/*
 * The EventBridge events two functions consume, checked field by field. A handful of small
 * checks rather than a schema library: zod/mini added ~20 KB to each of those bundles for two
 * event shapes.
 */

/** Reads a value at `path`, adding what is wrong with it to `problems`. */
export type Check<T> = (value: unknown, path: string, problems: string[]) => T;
type Shape = Record<string, Check<unknown>>;
type Output<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };

const describe = (value: unknown) =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

function string(minLength = 0): Check<string> {
  return (value, path, problems) => {
    if (typeof value !== 'string') problems.push(`${path}: expected string, received ${describe(value)}`);
    else if (value.length < minLength) problems.push(`${path}: expected at least ${minLength} characters`);
    return value as string;
  };
}

function oneOf<const T extends string>(...values: T[]): Check<T> {
  return (value, path, problems) => {
    if (!values.includes(value as T)) problems.push(`${path}: expected one of ${values.join('|')}`);
    return value as T;
  };
}

function optional<T>(check: Check<T>): Check<T | undefined> {
  return (value, path, problems) => (value === undefined ? undefined : check(value, path, problems));
}

function nullable<T>(check: Check<T>): Check<T | null> {
  return (value, path, problems) => (value === null ? null : check(value, path, problems));
}

function stringsOr(fallback: string[]): Check<string[]> {
  return (value, path, problems) => {
    if (value === undefined) return fallback;
    if (!Array.isArray(value)) problems.push(`${path}: expected array, received ${describe(value)}`);
    else for (const [i, item] of value.entries()) string()(item, `${path}.${i}`, problems);
    return value as string[];
  };
}

function object<S extends Shape>(shape: S): Check<Output<S>> {
  return (value, path, problems) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${path || '(root)'}: expected object, received ${describe(value)}`);
      return value as Output<S>;
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const read = check((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, problems);
      if (read !== undefined) out[key] = read;
    }
    return out as Output<S>;
  };
}

const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

/** EventBridge "CloudWatch Alarm State Change" — the fields Sluice reads. */
export const AlarmStateChangeEventSchema = object({
  'detail-type': oneOf('CloudWatch Alarm State Change'),
  source: oneOf('aws.cloudwatch'),
  /**
   * The account the alarm lives in: EventBridge events carry "the account and region in which
   * [the event] occurred" (EventBridge reference, Event structure), and a forwarded event keeps it.
   */
  account: string(12),
  time: string(),
  resources: stringsOr([]),
  detail: object({
    alarmName: string(1),
    state: object({
      value: oneOf(...ALARM_STATES),
      reason: optional(string()),
      timestamp: optional(string()),
    }),
    previousState: optional(object({ value: optional(oneOf(...ALARM_STATES)) })),
  }),
});

/** EventBridge "Step Functions Execution Status Change" — the fields Sluice reads. */
export const ExecutionStatusChangeSchema = object({
  'detail-type': oneOf('Step Functions Execution Status Change'),
  source: oneOf('aws.states'),
  detail: object({
    executionArn: string(),
    name: string(),
    status: oneOf('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'),
    input: optional(nullable(string())),
    error: optional(nullable(string())),
    cause: optional(nullable(string())),
  }),
});

/** Parses an event or throws InvalidInputError naming every field that is wrong. */
export function parseEvent<T>(schema: Check<T>, event: unknown, what: string): T {
  const problems: string[] = [];
  const read = schema(event, '', problems);
  if (problems.length === 0) return read;
  throw new InvalidInputError(`malformed ${what} event: ${problems.join('; ')}`);
}
