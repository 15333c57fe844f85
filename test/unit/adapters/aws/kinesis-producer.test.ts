import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { PutRecordsError, putRecords } from '#src/adapters/aws/kinesis-producer.js';

const kinesis = mockClient(KinesisClient);
const noSleep = async () => {};
const entries = (n: number, size = 100) =>
  Array.from({ length: n }, (_, i) => ({
    partitionKey: `car-${i % 7}`,
    data: Buffer.from(`${i}:${'x'.repeat(size)}`),
  }));
const keysOf = (input: PutRecordsCommandInput) =>
  (input.Records ?? []).map((r) => Buffer.from(r.Data!).toString().split(':')[0]);
const acceptAll = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
});

describe('Function: putRecords()', () => {
  beforeEach(() => kinesis.reset());

  it('splits into calls of at most 500 records and 5 MiB', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).callsFake(acceptAll);

    // Act
    const result = await putRecords({ client: new KinesisClient({}), streamName: 's', sleep: noSleep }, [
      ...entries(1200),
      ...entries(30, 400 * 1024),
    ]);

    // Assess
    const calls = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
    expect(result).toEqual({ put: 1230, calls: calls.length, retriedEntries: 0 });
    for (const call of calls) {
      expect(call.Records!.length).toBeLessThanOrEqual(500);
      expect(call.Records!.reduce((sum, r) => sum + r.Data!.length, 0)).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    expect(calls.flatMap(keysOf)).toEqual([...ids(1200), ...ids(30)]);
  });

  it('passes an explicit hash key through, and sends none for entries without one', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).callsFake(acceptAll);
    const data = Buffer.from('x');

    // Act
    await putRecords({ client: new KinesisClient({}), streamName: 's', sleep: noSleep }, [
      { partitionKey: 'a', data, explicitHashKey: '42' },
      { partitionKey: 'b', data },
    ]);

    // Assess
    const [call] = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
    expect(call?.Records).toEqual([
      { PartitionKey: 'a', Data: data, ExplicitHashKey: '42' },
      { PartitionKey: 'b', Data: data },
    ]);
  });

  it('given a partial response, sends only the failed entries again', async () => {
    // Prepare: the first call throttles entries 1 and 3, the retry accepts them
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [
          { SequenceNumber: '1', ShardId: 'a' },
          { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard a' },
          { SequenceNumber: '2', ShardId: 'a' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        ],
      })
      .callsFake(acceptAll);

    // Act
    const result = await putRecords({ client: new KinesisClient({}), streamName: 's', sleep: noSleep }, entries(4));

    // Assess
    const calls = kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input);
    expect(calls.map(keysOf)).toEqual([
      ['0', '1', '2', '3'],
      ['1', '3'],
    ]);
    expect(result).toEqual({ put: 4, calls: 2, retriedEntries: 2 });
  });

  it('given entries that keep failing, throws naming the first of them and the error', async () => {
    // Prepare
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: input.Records!.length,
      Records: input.Records!.map(() => ({
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: 'slow down',
      })),
    }));

    // Act
    const put = putRecords(
      { client: new KinesisClient({}), streamName: 's', sleep: noSleep, maxAttempts: 3 },
      entries(2),
    );

    // Assess
    await expect(put).rejects.toThrow(PutRecordsError);
    await expect(put).rejects.toThrow(
      /2 records to s still failing after 3 attempts \(first: partition key car-0, ProvisionedThroughputExceededException: slow down\)/,
    );
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(3);
  });
});
