import { FailureRecordError, parseFailureRecord, streamNameOfArn } from '#src/redrive/failure-record.js';
import { failureRecordBody } from '#test/helpers/failure-record.js';

describe('Function: parseFailureRecord()', () => {
  it('reads the batch metadata, condition and function of an on-failure record', () => {
    // Act
    const record = parseFailureRecord(failureRecordBody());

    // Assess
    expect(record).toEqual({
      condition: 'RetryAttemptsExhausted',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fleetstream-dev-ingest',
      KinesisBatchInfo: expect.objectContaining({ shardId: 'shardId-000000000001', batchSize: 3 }),
    });
    expect(streamNameOfArn(record.KinesisBatchInfo.streamArn)).toBe('fleetstream-dev-telemetry');
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a DynamoDB batch', JSON.stringify({ DDBStreamBatchInfo: {} }), /no KinesisBatchInfo/],
    ['no shard', failureRecordBody({ shardId: '' }), /shardId is missing/],
    [
      'a range that ends before it starts',
      failureRecordBody({ startSequenceNumber: '9', endSequenceNumber: '10' }).replace('"9"', '"11"'),
      /after endSequenceNumber/,
    ],
    ['a sequence number that is no number', failureRecordBody({ endSequenceNumber: '12a' }), /decimal digits/],
    ['no batch size', failureRecordBody({ batchSize: 0 }), /batchSize/],
  ])('refuses %s with FailureRecordError', (_, body, message) => {
    // Act
    const parse = () => parseFailureRecord(body);

    // Assess
    expect(parse).toThrow(FailureRecordError);
    expect(parse).toThrow(message);
  });
});
