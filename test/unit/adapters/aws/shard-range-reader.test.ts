import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  KinesisClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { createShardRangeReader } from '#src/adapters/aws/shard-range-reader.js';
import { parseFailureRecord } from '#src/redrive/failure-record.js';
import { failureRecordBody } from '#test/helpers/failure-record.js';

const kinesis = mockClient(KinesisClient);
const NOW = Date.parse('2026-12-03T02:00:00.000Z');
const info = (overrides: Record<string, unknown> = {}) =>
  parseFailureRecord(
    failureRecordBody({ startSequenceNumber: '100', endSequenceNumber: '103', batchSize: 4, ...overrides }),
  ).KinesisBatchInfo;
const record = (sequence: number) => ({
  SequenceNumber: String(sequence),
  PartitionKey: 'car-1',
  Data: Buffer.from(`r${sequence}`),
  ApproximateArrivalTimestamp: new Date('2026-12-03T01:59:00.000Z'),
});
const reader = () =>
  createShardRangeReader({ client: new KinesisClient({}), now: () => NOW, sleep: async () => {}, maxEmptyReads: 3 });

describe('Function: createShardRangeReader()', () => {
  beforeEach(() => {
    kinesis.reset();
    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves({ StreamDescriptionSummary: { RetentionPeriodHours: 24 } as never });
    kinesis.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
  });

  it('reads from the range’s start at its sequence number to its end, across pages and a throttle', async () => {
    // Prepare
    kinesis
      .on(GetRecordsCommand, { ShardIterator: 'it-0' })
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }))
      .resolves({ Records: [record(100), record(101)], NextShardIterator: 'it-1', MillisBehindLatest: 5000 });
    kinesis
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [record(103), record(104)], NextShardIterator: 'it-2', MillisBehindLatest: 0 });

    // Act
    const read = await reader().read(info());

    // Assess
    expect(kinesis.commandCalls(GetShardIteratorCommand)[0]!.args[0].input).toEqual({
      StreamARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/fleetstream-dev-telemetry',
      ShardId: 'shardId-000000000001',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: '100',
    });
    expect(read).toEqual({
      kind: 'records',
      records: [100, 101, 103].map((n) => ({
        partitionKey: 'car-1',
        data: Buffer.from(`r${n}`).toString('base64'),
        sequenceNumber: String(n),
        approximateArrivalTimestamp: Date.parse('2026-12-03T01:59:00.000Z') / 1000,
      })),
    });
    expect(kinesis.commandCalls(GetRecordsCommand)).toHaveLength(3);
  });

  it('given a range that arrived before the retention period, reports it expired without reading', async () => {
    // Act
    const read = await reader().read(info({ approximateArrivalOfFirstRecord: '2026-12-02T01:00:00.000Z' }));

    // Assess
    expect(read).toEqual({ kind: 'expired', reason: expect.stringContaining('beyond the stream') });
    expect(kinesis.commandCalls(GetShardIteratorCommand)).toHaveLength(0);
  });

  it('given a shard that no longer holds the start record, reports it expired', async () => {
    // Prepare
    kinesis
      .on(GetRecordsCommand)
      .resolves({ Records: [record(102)], NextShardIterator: 'it-1', MillisBehindLatest: 0 });

    // Act
    const read = await reader().read(info());

    // Assess
    expect(read).toEqual({ kind: 'expired', reason: 'the shard no longer holds 100 (first record read: 102)' });
  });

  it('given an iterator Kinesis refuses, reports it expired', async () => {
    // Prepare
    kinesis
      .on(GetShardIteratorCommand)
      .rejects(new InvalidArgumentException({ message: 'bad sequence', $metadata: {} }));

    // Act
    const read = await reader().read(info());

    // Assess
    expect(read).toEqual({ kind: 'expired', reason: 'GetShardIterator: InvalidArgumentException: bad sequence' });
  });

  it('given the stream’s tip before the range’s end, reports it expired, not a short batch', async () => {
    // Prepare
    kinesis
      .on(GetRecordsCommand, { ShardIterator: 'it-0' })
      .resolves({ Records: [record(100)], NextShardIterator: 'it-1', MillisBehindLatest: 0 });
    kinesis
      .on(GetRecordsCommand, { ShardIterator: 'it-1' })
      .resolves({ Records: [], NextShardIterator: 'it-2', MillisBehindLatest: 0 });

    // Act
    const read = await reader().read(info());

    // Assess
    expect(read).toEqual({ kind: 'expired', reason: 'read 1 records of the range but not its end 103' });
  });
});
