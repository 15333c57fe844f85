/** An on-failure invocation record as Lambda sends it to SQS (the Lambda guide's Kinesis example). */
export const failureRecordBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-4a9f-9d49-7e9b1a0b8f0e',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fleetstream-dev-ingest',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-03T02:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: '49601189658422359378836298521827638475320189012309704722',
      endSequenceNumber: '49601189658422359378836298552399990012345678901234567890',
      approximateArrivalOfFirstRecord: '2026-12-03T01:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-12-03T01:59:01.000Z',
      batchSize: 3,
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/fleetstream-dev-telemetry',
      ...overrides,
    },
  });
