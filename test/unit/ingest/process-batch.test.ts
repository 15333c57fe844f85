import { indexDimensions, parseDimensions } from '#src/enrich/dimensions.js';
import { DeliveryLedger } from '#src/ingest/delivery-ledger.js';
import { type IngestContext, processBatch } from '#src/ingest/process-batch.js';
import { DEFAULT_RULE_CONFIG } from '#src/rules/rule-config.js';
import { TrajectoryTracker } from '#src/rules/trajectory-tracker.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import { serializeEvent } from '#src/sinks/serialize-event.js';
import { type IngestSinks, SinkWriteError } from '#src/sinks/sink.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { streamRecordFactory } from '#test/helpers/kinesis-record-factory.js';
import { memoryIngestSinks } from '#test/helpers/memory-sink.js';

const dimensions = indexDimensions(
  parseDimensions({
    cars: 'car_id,driver_id,model_id,color_id\n1452650,5001,1,2\n',
    car_models: 'model_id,make,model\n1,Mazda,3\n',
    car_colors: 'color_id,color\n2,Red\n',
  }),
);

function makeContext(): IngestContext {
  return {
    validate: createEventValidator(),
    dimensions,
    rules: DEFAULT_RULE_CONFIG,
    trajectories: new TrajectoryTracker(250),
    ledger: new DeliveryLedger(1000),
  };
}

const makeSinks = memoryIngestSinks;
const record = streamRecordFactory;

const reading = (id: string, speed = 50, extra: object = {}) => ({
  type: 'car_sensor',
  event_id: id,
  ts: '2026-11-24T08:00:00.000Z',
  car_id: 1452650,
  speed,
  rpm: 2000,
  gear: 3,
  ...extra,
});
const origin = { stream: 'fleetstream-dev-telemetry', shardId: 'shardId-000000000000' };

describe('Function: processBatch()', () => {
  it('sorts a mixed batch into accepted, rejected and duplicate, and the counts add up', async () => {
    // Prepare
    const sinks = makeSinks();
    const records = [
      record(reading('a')),
      record('not json'),
      record(reading('b', -5)),
      record(reading('a')),
      record({ type: 'spaceship' }),
      record(reading('c', 130, { unknown_field: true })),
      record('x'.repeat(1024 * 1024 + 1)),
    ];

    // Act
    const result = await processBatch(records, origin, makeContext(), sinks as unknown as IngestSinks);

    // Assess
    expect(result.failedSequenceNumber).toBeNull();
    expect(result.counts).toMatchObject({ records: 7, accepted: 2, rejected: 4, duplicates: 1 });
    expect(result.counts.accepted + result.counts.rejected + result.counts.duplicates).toBe(records.length);
    expect(sinks.lake.stored.map((e) => e.event_id)).toEqual(['a', 'c']);
    expect(sinks.rejects.stored.map((r) => r.reason)).toEqual([
      'json:parse',
      'schema:/speed:minimum',
      'type:unknown',
      'size:max_bytes',
    ]);
    expect(sinks.rejects.stored[1]).toMatchObject({
      event_id: 'b',
      source: { stream: origin.stream, shard_id: origin.shardId, partition_key: '1452650' },
    });
    expect(sinks.duplicates.stored).toEqual([expect.objectContaining({ event_id: 'a' })]);
    expect(sinks.notifications.stored.map((a) => `${a.event_id}:${a.rule}`)).toEqual(['c:speeding', 'c:wrong_gear']);
  });

  it('normalises: derives a missing event_id from the position, converts ts, enriches', async () => {
    // Prepare
    const sinks = makeSinks();
    const { event_id: _omitted, ...withoutId } = reading('x');
    const unknownCar = { ...reading('u'), car_id: 9_999_999 };
    const first = record(withoutId);

    // Act
    await processBatch([first, record(unknownCar)], origin, makeContext(), sinks as unknown as IngestSinks);

    // Assess
    expect(sinks.lake.stored[0]).toMatchObject({
      event_id: `${origin.stream}/1452650/${first.sequenceNumber}`,
      ts: Date.UTC(2026, 10, 24, 8),
      make: 'Mazda',
      model: 'Mazda 3',
      color: 'Red',
      driver_id: 5001,
      enriched: true,
    });
    expect(sinks.lake.stored[1]).toMatchObject({ event_id: 'u', enriched: false, color: null, model: null });
    // The line the lake and search write is the enriched event's
    expect(JSON.parse(serializeEvent(sinks.lake.stored[0] as TelemetryEvent))).toMatchObject({
      color: 'Red',
      enriched: true,
    });
  });

  it('resumes at the first record a failing sink did not store, and the retry duplicates nothing', async () => {
    // Prepare
    const sinks = makeSinks();
    const ctx = makeContext();
    const records = [
      record(reading('r1', 130)),
      record(reading('r2')),
      record(reading('r3', 130)),
      record(reading('r4')),
    ];
    sinks.search.failNext = () => new SinkWriteError('throttled', 'search', 2);

    // Act
    const first = await processBatch(records, origin, ctx, sinks as unknown as IngestSinks);
    const retry = await processBatch(
      records.slice(first.firstFailedIndex),
      origin,
      ctx,
      sinks as unknown as IngestSinks,
    );

    // Assess
    expect(first.failedSequenceNumber).toBe(records[2]!.sequenceNumber);
    expect(first.counts).toMatchObject({ records: 2, accepted: 2 });
    expect(retry.failedSequenceNumber).toBeNull();
    expect(retry.counts).toMatchObject({ records: 2, accepted: 2, duplicates: 0 });
    for (const sink of [sinks.lake, sinks.search])
      expect(sink.stored.map((e) => e.event_id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(sinks.notifications.stored.map((a) => a.alert_id)).toEqual([
      'r1:speeding',
      'r1:wrong_gear',
      'r3:speeding',
      'r3:wrong_gear',
    ]);
  });

  it('gives the lake and search each accepted event once, and after a partial failure only what each lacks', async () => {
    // Prepare: the first attempt shares one outbox between lake and search; the retry cannot
    const sinks = makeSinks();
    const ctx = makeContext();
    const records = ['s1', 's2', 's3'].map((id) => record(reading(id)));
    sinks.lake.failNext = () => new SinkWriteError('throttled', 'lake', 1);

    // Act
    const first = await processBatch(records, origin, ctx, sinks as unknown as IngestSinks);
    const searchAfterFirst = sinks.search.stored.map((e) => e.event_id);
    await processBatch(records.slice(first.firstFailedIndex), origin, ctx, sinks as unknown as IngestSinks);
    const later = await processBatch([record(reading('s4'))], origin, ctx, sinks as unknown as IngestSinks);

    // Assess
    expect(first.firstFailedIndex).toBe(1);
    expect(searchAfterFirst).toEqual(['s1', 's2', 's3']);
    expect(later.counts).toMatchObject({ accepted: 1 });
    for (const sink of [sinks.lake, sinks.search])
      expect(sink.stored.map((e) => e.event_id)).toEqual(['s1', 's2', 's3', 's4']);
  });

  it('treats an unexpected sink error as a failure of the sink’s first record', async () => {
    // Prepare
    const sinks = makeSinks();
    const records = [record('garbage'), record(reading('ok'))];
    sinks.lake.write = async () => {
      throw new Error('socket hang up');
    };

    // Act
    const result = await processBatch(records, origin, makeContext(), sinks as unknown as IngestSinks);

    // Assess
    expect(result.failedSequenceNumber).toBe(records[1]!.sequenceNumber);
    expect(result.errors[0]).toBeInstanceOf(SinkWriteError);
    expect(sinks.rejects.stored).toHaveLength(1);
  });

  it('skips a redelivered batch that was already delivered, and counts a producer duplicate in a later batch', async () => {
    // Prepare
    const sinks = makeSinks();
    const ctx = makeContext();
    const batch = [record(reading('d1')), record('{')];
    await processBatch(batch, origin, ctx, sinks as unknown as IngestSinks);

    // Act
    const replay = await processBatch(batch, origin, ctx, sinks as unknown as IngestSinks);
    const later = await processBatch([record(reading('d1'))], origin, ctx, sinks as unknown as IngestSinks);

    // Assess
    expect(replay.counts).toMatchObject({ redelivered: 2, accepted: 0, rejected: 0 });
    expect(later.counts).toMatchObject({ duplicates: 1, accepted: 0 });
    expect(sinks.lake.stored).toHaveLength(1);
    expect(sinks.rejects.stored).toHaveLength(1);
  });
});

describe('Function: processBatch() with several batches of one shard in flight (parallelization factor > 1)', () => {
  it('given a warm container that takes one partition key group and then another, writes every record of both', async () => {
    // Prepare: records of keys pA and pB interleaved on one shard; with a factor of 2 Lambda may
    // hand the pA group and then the pB group to the same container.
    const sinks = makeSinks();
    const ctx = makeContext();
    const shard = ['pA1', 'pB1', 'pA2', 'pB2', 'pA3', 'pB3'].map((id) => record(reading(id), id.slice(0, 2)));
    const groupA = shard.filter((r) => r.partitionKey === 'pA');
    const groupB = shard.filter((r) => r.partitionKey === 'pB');

    // Act
    const a = await processBatch(groupA, origin, ctx, sinks as unknown as IngestSinks);
    const b = await processBatch(groupB, origin, ctx, sinks as unknown as IngestSinks);

    // Assess
    expect(a.counts).toMatchObject({ records: 3, accepted: 3, redelivered: 0 });
    expect(b.counts).toMatchObject({ records: 3, accepted: 3, redelivered: 0 });
    expect(sinks.lake.stored.map((e) => e.event_id)).toEqual(['pA1', 'pA2', 'pA3', 'pB1', 'pB2', 'pB3']);
  });

  it('given a group redelivered after a later group of another key succeeded, still skips only what it delivered', async () => {
    // Prepare
    const sinks = makeSinks();
    const ctx = makeContext();
    const shard = ['qA1', 'qB1', 'qA2', 'qB2'].map((id) => record(reading(id), id.slice(0, 2)));
    const groupA = shard.filter((r) => r.partitionKey === 'qA');
    const groupB = shard.filter((r) => r.partitionKey === 'qB');
    await processBatch(groupB, origin, ctx, sinks as unknown as IngestSinks);
    await processBatch(groupA, origin, ctx, sinks as unknown as IngestSinks);

    // Act: Lambda retries group A (its response was lost)
    const again = await processBatch(groupA, origin, ctx, sinks as unknown as IngestSinks);

    // Assess
    expect(again.counts).toMatchObject({ records: 2, redelivered: 2, accepted: 0 });
    expect(sinks.lake.stored.map((e) => e.event_id).sort()).toEqual(['qA1', 'qA2', 'qB1', 'qB2']);
  });
});

describe('Function: processBatch() with several alert destinations', () => {
  it('given the notification published and the alerts table failing, the retry notifies nobody again', async () => {
    // Prepare
    const sinks = makeSinks();
    const ctx = makeContext();
    const records = [record(reading('f1', 130)), record(reading('f2'))];
    sinks.alertsLake.failOnce(0);

    // Act
    const first = await processBatch(records, origin, ctx, sinks as unknown as IngestSinks);
    const retry = await processBatch(
      records.slice(first.firstFailedIndex),
      origin,
      ctx,
      sinks as unknown as IngestSinks,
    );

    // Assess
    expect(first.firstFailedIndex).toBe(0);
    expect(retry.failedSequenceNumber).toBeNull();
    expect(sinks.notifications.stored.map((a) => a.alert_id)).toEqual(['f1:speeding', 'f1:wrong_gear']);
    expect(sinks.alertsLake.stored.map((a) => a.alert_id)).toEqual(['f1:speeding', 'f1:wrong_gear']);
  });
});

describe('Function: processBatch() when a sink fails between two items of one record', () => {
  it('given a record with two alerts and the notification sink failing at its second, the retry notifies the second', async () => {
    // Prepare: speed 130 in gear 3 fires speeding and wrong_gear
    const sinks = makeSinks();
    const ctx = makeContext();
    const records = [record(reading('two', 130)), record(reading('after'))];
    sinks.notifications.failOnce(1);

    // Act
    const first = await processBatch(records, origin, ctx, sinks as unknown as IngestSinks);
    await processBatch(records.slice(first.firstFailedIndex), origin, ctx, sinks as unknown as IngestSinks);

    // Assess: nothing lost; the first alert may come twice (the topic deduplicates it)
    expect(first.firstFailedIndex).toBe(0);
    expect(new Set(sinks.notifications.stored.map((a) => a.alert_id))).toEqual(
      new Set(['two:speeding', 'two:wrong_gear']),
    );
  });
});
