import {
  AlarmStateChangeEventSchema,
  ExecutionStatusChangeSchema,
  parseEvent,
} from '../../functions/shared/domain/events.js';

/*
 * The shapes EventBridge documents: "CloudWatch Alarm State Change" (source aws.cloudwatch,
 * detail.alarmName, detail.state.value OK|ALARM|INSUFFICIENT_DATA) and "Step Functions Execution
 * Status Change" (source aws.states, detail.status, input/error/cause that may be null).
 */
const alarmEvent = {
  version: '0',
  id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
  'detail-type': 'CloudWatch Alarm State Change',
  source: 'aws.cloudwatch',
  account: '123456789012',
  time: '2026-12-05T09:00:00Z',
  region: 'us-east-1',
  detail: {
    alarmName: 'shop-dev-5xx',
    state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-12-05T09:00:00.000+0000' },
    previousState: { value: 'OK' },
    configuration: { metrics: [] },
  },
};

describe('Function: parseEvent', () => {
  it('reads the fields Sluice uses from an alarm event, defaulting resources and dropping the rest', () => {
    const event = parseEvent(AlarmStateChangeEventSchema, alarmEvent, 'CloudWatch Alarm State Change');

    expect(event).toEqual({
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '123456789012',
      time: '2026-12-05T09:00:00Z',
      resources: [],
      detail: {
        alarmName: 'shop-dev-5xx',
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-12-05T09:00:00.000+0000' },
        previousState: { value: 'OK' },
      },
    });
  });

  it('names every wrong field in one InvalidInputError', () => {
    const bad = { ...alarmEvent, resources: ['arn:a', 7], detail: { state: { value: 'RED' } } };

    expect(() => parseEvent(AlarmStateChangeEventSchema, bad, 'CloudWatch Alarm State Change')).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        message:
          'malformed CloudWatch Alarm State Change event: resources.1: expected string, received number; detail.alarmName: expected string, received undefined; detail.state.value: expected one of OK|ALARM|INSUFFICIENT_DATA',
      }),
    );
    expect(() => parseEvent(AlarmStateChangeEventSchema, 'ALARM', 'alarm')).toThrow(
      'malformed alarm event: (root): expected object, received string',
    );
  });

  it('takes an execution event whose input, error and cause are null', () => {
    const event = parseEvent(
      ExecutionStatusChangeSchema,
      {
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        detail: {
          executionArn: 'arn:x',
          name: 'x',
          status: 'ABORTED',
          input: null,
          error: null,
          cause: null,
        },
      },
      'Step Functions Execution Status Change',
    );

    expect(event.detail).toEqual({
      executionArn: 'arn:x',
      name: 'x',
      status: 'ABORTED',
      input: null,
      error: null,
      cause: null,
    });
  });
});
