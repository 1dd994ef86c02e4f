import { z } from 'zod';

/** EventBridge "CloudWatch Alarm State Change" — the fields Sluice reads. */
export const AlarmStateChangeEventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  time: z.string(),
  resources: z.array(z.string()).default([]),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({
      value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
      reason: z.string().optional(),
      timestamp: z.string().optional(),
    }),
    previousState: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']) }).partial().optional(),
  }),
});
export type AlarmStateChange = z.output<typeof AlarmStateChangeEventSchema>;

/** EventBridge "Step Functions Execution Status Change" — the fields Sluice reads. */
export const ExecutionStatusChangeSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string(),
    name: z.string(),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    input: z.string().nullable().optional(),
    error: z.string().nullable().optional(),
    cause: z.string().nullable().optional(),
  }),
});
export type ExecutionStatusChange = z.output<typeof ExecutionStatusChangeSchema>;

/** Parses an event or throws a message naming every field that is wrong. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown, what: string): z.output<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new Error(`malformed ${what} event: ${problems}`);
}
