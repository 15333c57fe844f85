import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { createFirehoseSink, packRecords } from '#src/adapters/aws/firehose-sink.js';
import { SinkWriteError } from '#src/sinks/sink.js';

const firehose = mockClient(FirehoseClient);
const noSleep = async () => {};
const items = (n: number, size = 200) =>
  Array.from({ length: n }, (_, i) => ({ event_id: `e${i}`, pad: 'x'.repeat(size) }));
const sentRecords = (call: number) => firehose.commandCalls(PutRecordBatchCommand)[call]!.args[0].input.Records ?? [];

describe('Function: createFirehoseSink()', () => {
  beforeEach(() => firehose.reset());

  it('packs many newline-delimited items into each record, within the record and call limits', async () => {
    // Prepare
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });
    const sink = createFirehoseSink({
      client: new FirehoseClient({}),
      deliveryStreamName: 'lake',
      name: 'lake',
      sleep: noSleep,
    });

    // Act
    await sink.write(items(20_000));

    // Assess
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    const records = calls.flatMap((c) => c.args[0].input.Records ?? []);
    expect(records.length).toBeLessThan(10);
    for (const record of records) expect(record.Data!.length).toBeLessThanOrEqual(1000 * 1024);
    for (const call of calls) {
      expect(call.args[0].input.Records!.length).toBeLessThanOrEqual(500);
      expect(call.args[0].input.Records!.reduce((sum, r) => sum + r.Data!.length, 0)).toBeLessThanOrEqual(
        4 * 1024 * 1024,
      );
    }
    const lines = records.flatMap((r) => Buffer.from(r.Data!).toString().split('\n').filter(Boolean));
    expect(lines.map((l) => JSON.parse(l).event_id)).toEqual(items(20_000).map((i) => i.event_id));
  });

  it('retries only the failed records of a partial response', async () => {
    // Prepare
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 1,
        RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ServiceUnavailableException' }, { RecordId: 'c' }],
      })
      .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }] });
    const sink = createFirehoseSink({
      client: new FirehoseClient({}),
      deliveryStreamName: 'lake',
      name: 'lake',
      sleep: noSleep,
    });

    // Act
    await sink.write(items(12_000));

    // Assess
    expect(sentRecords(0).length).toBe(3);
    expect(sentRecords(1)).toEqual([sentRecords(0)[1]]);
  });

  it('throws SinkWriteError naming the first item not stored once retries run out', async () => {
    // Prepare
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ThrottlingException' }, { RecordId: 'c' }],
    });
    const sink = createFirehoseSink({
      client: new FirehoseClient({}),
      deliveryStreamName: 'lake',
      name: 'lake',
      sleep: noSleep,
      maxAttempts: 3,
    });
    const batch = items(12_000);
    const secondRecordStart = packRecords(batch.map((i) => JSON.stringify(i)))[1]!.firstItem;

    // Act
    const write = sink.write(batch);

    // Assess
    await expect(write).rejects.toThrow(SinkWriteError);
    await expect(write).rejects.toMatchObject({ firstFailedIndex: secondRecordStart, sink: 'lake' });
    expect(firehose.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input.Records!.length)).toEqual([3, 1, 1]);
  });

  it('retries a thrown throttling error and then succeeds', async () => {
    firehose
      .on(PutRecordBatchCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ FailedPutCount: 0 });
    const sink = createFirehoseSink({
      client: new FirehoseClient({}),
      deliveryStreamName: 'lake',
      name: 'lake',
      sleep: noSleep,
    });
    await sink.write(items(3));
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(2);
  });

  it('makes no call for an empty write', async () => {
    const sink = createFirehoseSink({ client: new FirehoseClient({}), deliveryStreamName: 'lake', name: 'lake' });
    await sink.write([]);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });
});
