import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { LocalKinesis } from '#local/stream/local-kinesis.js';
import { LocalStream } from '#local/stream/local-stream.js';
import { putRecords } from '#src/adapters/aws/kinesis-producer.js';

const entry = (key: string, bytes = 10) => ({ PartitionKey: key, Data: new Uint8Array(bytes) });
const put = (records: { PartitionKey: string; Data: Uint8Array }[], stream = 'telemetry') =>
  new PutRecordsCommand({ StreamName: stream, Records: records });

function setup(shards = 1) {
  let now = 1_795_507_200_000;
  const stream = new LocalStream('telemetry', shards);
  const kinesis = new LocalKinesis(stream, () => now);
  return { stream, kinesis, advance: (ms: number) => (now += ms) };
}

describe('Class: LocalKinesis (PutRecords on the in-process stream)', () => {
  it('stores accepted records in order with sequence numbers and the call’s arrival time', async () => {
    // Prepare
    const { stream, kinesis } = setup();

    // Act
    const answer = await kinesis.send(put([entry('a'), entry('b')]));

    // Assess
    expect(answer.FailedRecordCount).toBe(0);
    expect(answer.Records!.map((r) => r.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000000']);
    const stored = stream.read(0, 0, 10);
    expect(stored.map((r) => r.partitionKey)).toEqual(['a', 'b']);
    expect(stored[0]!.approximateArrivalTimestamp).toBe(1_795_507_200);
    expect(stored.map((r) => r.sequenceNumber)).toEqual(answer.Records!.map((r) => r.SequenceNumber));
  });

  it('throttles a shard past 1,000 records in a second, and takes them again the next second', async () => {
    // Prepare
    const { stream, kinesis, advance } = setup();
    const records = Array.from({ length: 400 }, (_, i) => entry(`k${i}`));

    // Act
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await kinesis.send(put(records)));
    advance(1000);
    const later = await kinesis.send(put(records.slice(0, 200)));

    // Assess
    expect(answers.map((a) => a.FailedRecordCount)).toEqual([0, 0, 200]);
    expect(answers[2]!.Records![399]).toMatchObject({ ErrorCode: 'ProvisionedThroughputExceededException' });
    expect(later.FailedRecordCount).toBe(0);
    expect(stream.end(0)).toBe(1200);
    expect(kinesis.stats.throttled).toBe(200);
  });

  it('throttles a shard past 1 MiB in a second', async () => {
    // Prepare
    const { kinesis } = setup();

    // Act
    const answer = await kinesis.send(put(Array.from({ length: 3 }, () => entry('k', 400 * 1024))));

    // Assess
    expect(answer.FailedRecordCount).toBe(1);
  });

  it.each([
    ['more than 500 records', () => put(Array.from({ length: 501 }, (_, i) => entry(`k${i}`))), 'ValidationException'],
    ['no record', () => put([]), 'ValidationException'],
    ['a partition key of 257 characters', () => put([entry('k'.repeat(257))]), 'ValidationException'],
    ['a record over 1 MiB with its key', () => put([entry('k', 1024 * 1024)]), 'InvalidArgumentException'],
    [
      'more than 5 MiB in one call',
      () => put(Array.from({ length: 6 }, (_, i) => entry(`k${i}`, 1000 * 1024))),
      'InvalidArgumentException',
    ],
    ['an unknown stream', () => put([entry('k')], 'other'), 'ResourceNotFoundException'],
  ])('refuses %s whole', async (_case, command, code) => {
    // Prepare
    const { kinesis, stream } = setup();

    // Act
    const call = kinesis.send(command());

    // Assess
    await expect(call).rejects.toMatchObject({ name: code });
    expect(stream.end(0)).toBe(0);
  });

  it('given the producer adapter, every record of a burst lands, the throttled ones after a backoff', async () => {
    // Prepare
    const { stream, kinesis, advance } = setup();
    const entries = Array.from({ length: 2500 }, (_, i) => ({ partitionKey: `k${i}`, data: new Uint8Array(20) }));

    // Act
    const result = await putRecords(
      { client: kinesis, streamName: 'telemetry', sleep: async (ms) => void advance(ms + 1000), maxAttempts: 10 },
      entries,
    );

    // Assess
    expect(result.put).toBe(2500);
    expect(result.retriedEntries).toBeGreaterThan(0);
    expect(stream.end(0)).toBe(2500);
  });
});
