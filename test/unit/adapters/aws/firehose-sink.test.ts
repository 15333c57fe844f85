import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { createFirehoseSink, packRecords } from '#src/adapters/aws/firehose-sink.js';
import { SinkWriteError } from '#src/sinks/sink.js';

const firehose = mockClient(FirehoseClient);
const noSleep = async () => {};
const items = (n: number, size = 200) =>
  Array.from({ length: n }, (_, i) => ({ event_id: `e${i}`, pad: 'x'.repeat(size) }));
const sentRecords = (call: number) => firehose.commandCalls(PutRecordBatchCommand)[call]!.args[0].input.Records ?? [];

describe('Function: createFirehoseSink()', () => {
  beforeEach(() => firehose.reset());

  it('packs many newline-delimited items into each record, within the record, call and de-aggregation limits', async () => {
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
    const objects = records.map((r) => Buffer.from(r.Data!).toString().split('\n').filter(Boolean).length);
    expect(records).toHaveLength(40);
    expect(Math.max(...objects)).toBe(500);
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
    await sink.write(items(1_500));

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
    const batch = items(1_500);
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

describe('Function: packRecords()', () => {
  it('never puts more than 500 objects in a record, which Firehose de-aggregates no further', () => {
    // Act
    const records = packRecords(Array.from({ length: 1_201 }, (_, i) => `{"n":${i}}`));

    // Assess
    expect(records.map((r) => r.firstItem)).toEqual([0, 500, 1000]);
    expect(records.map((r) => Buffer.from(r.data).toString().split('\n').filter(Boolean).length)).toEqual([
      500, 500, 201,
    ]);
  });

  it('writes each line and its newline as UTF-8, characters of 2, 3 and 4 bytes included, records cut by bytes not characters', () => {
    // Prepare: 1,000 KiB holds 341,333 three-byte characters, so two lines of 200,000 need two records
    const lines = ['{"s":"é"}', '{"s":"🚗€"}', `{"s":"${'€'.repeat(200_000)}"}`, `{"s":"${'€'.repeat(200_000)}"}`];

    // Act
    const records = packRecords(lines);

    // Assess
    expect(records.map((r) => r.firstItem)).toEqual([0, 3]);
    expect(records.map((r) => Buffer.from(r.data).toString('utf8')).join('')).toBe(lines.map((l) => `${l}\n`).join(''));
    for (const record of records) expect(record.data.length).toBeLessThanOrEqual(1000 * 1024);
  });

  it('starts a new record before one would pass 1,000 KiB', () => {
    // Act
    const records = packRecords(Array.from({ length: 3 }, () => 'x'.repeat(400 * 1024)));

    // Assess
    expect(records.map((r) => r.firstItem)).toEqual([0, 2]);
    for (const record of records) expect(record.data.length).toBeLessThanOrEqual(1000 * 1024);
  });

  it('cuts records where measuring every line would: lines near, at and past the limit, of 1 to 4 UTF-8 bytes a character', () => {
    // Prepare: the plain way, every line measured (what packRecords did before it measured only lines near the limit)
    const limit = 1000 * 1024;
    const reference = (lines: readonly string[]) => {
      const cuts: number[] = [];
      let first = 0;
      let bytes = 0;
      lines.forEach((line, index) => {
        const size = Buffer.byteLength(line) + 1;
        const count = index - first;
        if (count > 0 && (count === 500 || bytes + size > limit)) {
          cuts.push(first);
          first = index;
          bytes = 0;
        }
        bytes += size;
      });
      if (lines.length > first) cuts.push(first);
      return cuts;
    };
    const unit = fc.constantFrom('x', 'é', '€', '🚗', '\ud800');
    const line = fc.oneof(
      { weight: 600, arbitrary: fc.string({ unit, maxLength: 40 }) },
      {
        weight: 3,
        arbitrary: fc
          .tuple(unit, fc.integer({ min: 100_000, max: 400_000 }))
          .map(([char, repeat]) => char.repeat(Math.ceil(repeat / char.length))),
      },
      { weight: 1, arbitrary: fc.integer({ min: limit - 2, max: limit + 2 }).map((n) => 'y'.repeat(n)) },
    );

    // Act, Assess
    fc.assert(
      fc.property(fc.array(line, { maxLength: 1_200, size: 'max' }), (lines) => {
        const records = packRecords(lines);
        expect(records.map((r) => r.firstItem)).toEqual(reference(lines));
        const packed = Buffer.concat(records.map((r) => r.data));
        expect(packed.equals(Buffer.from(lines.map((l) => `${l}\n`).join('')))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
