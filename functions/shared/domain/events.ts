// zod/mini keeps these schemas out of the full zod API in the event handlers' bundles.
import * as z from 'zod/mini';
import { InvalidInputError } from './errors.js';

const AlarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** EventBridge "CloudWatch Alarm State Change" — the fields Sluice reads. */
export const AlarmStateChangeEventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  time: z.string(),
  resources: z._default(z.array(z.string()), []),
  detail: z.object({
    alarmName: z.string().check(z.minLength(1)),
    state: z.object({
      value: AlarmState,
      reason: z.optional(z.string()),
      timestamp: z.optional(z.string()),
    }),
    previousState: z.optional(z.object({ value: z.optional(AlarmState) })),
  }),
});

/** EventBridge "Step Functions Execution Status Change" — the fields Sluice reads. */
export const ExecutionStatusChangeSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.optional(z.nullable(z.string())),
    error: z.optional(z.nullable(z.string())),
    cause: z.optional(z.nullable(z.string())),
  }),
});

/** Parses an event or throws InvalidInputError naming every field that is wrong. */
export function parseEvent<T extends z.ZodMiniType>(schema: T, event: unknown, what: string): z.output<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new InvalidInputError(`malformed ${what} event: ${problems}`);
}
