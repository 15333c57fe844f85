import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler.js';
import { buildIngestDeps } from '#functions/shared/deps.js';
import { indexDimensions, parseDimensions } from '#src/enrich/dimensions.js';
import { serializeEvent } from '#src/sinks/serialize-event.js';
import type { IngestSinks } from '#src/sinks/sink.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { kinesisEventFactory } from '#test/helpers/kinesis-record-factory.js';
import { memoryIngestSinks } from '#test/helpers/memory-sink.js';

const fixture = (name: string): KinesisStreamEvent =>
  JSON.parse(readFileSync(join('test', 'fixtures', 'events', 'kinesis', `${name}.json`), 'utf8'));
const context = { functionName: 'fleetstream-test-ingest', awsRequestId: 'req-1' } as Context;

function setup() {
  const sinks = memoryIngestSinks();
  const handler = createIngestHandler(buildIngestDeps({ sinks: sinks as unknown as IngestSinks, logLevel: 'SILENT' }));
  return { sinks, handler };
}

describe('Function: ingest handler', () => {
  it.each([
    ['car-sensor', 5, { speeding: 1, high_rpm: 1, wrong_gear: 1 }],
    ['vehicle', 1, {}],
    ['gps', 1, {}],
    ['traffic-camera', 1, {}],
    ['weather', 2, { poor_air_quality: 1 }],
    ['emergency', 2, { emergency: 1 }],
    ['trajectory-point', 3, { gps_jump: 1 }],
  ])('given the %s fixture, accepts every record and raises the expected alerts', async (name, accepted, rules) => {
    // Prepare
    const { sinks, handler } = setup();

    // Act
    const response = await handler(fixture(name), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sinks.lake.stored).toHaveLength(accepted);
    expect(sinks.rejects.stored).toEqual([]);
    const fired: Record<string, number> = {};
    for (const alert of sinks.notifications.stored)
      fired[alert.rule as string] = (fired[alert.rule as string] ?? 0) + 1;
    expect(fired).toEqual(rules);
  });

  it('given the hostile fixture, rejects each bad record with its rule and source, never failing the batch', async () => {
    // Prepare
    const { sinks, handler } = setup();
    const event = fixture('hostile');

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sinks.lake.stored.map((e) => e.event_id)).toEqual(['car-1452650-ok', 'car-1452650-extra']);
    expect(sinks.duplicates.stored.map((d) => d.event_id)).toEqual(['car-1452650-ok']);
    expect(sinks.lake.stored.length + sinks.rejects.stored.length + sinks.duplicates.stored.length).toBe(
      event.Records.length,
    );
    expect(sinks.rejects.stored.map((r) => r.reason)).toEqual([
      'json:parse',
      'schema:/:type',
      'schema:/type:required',
      'type:unknown',
      'schema:/speed:minimum',
      'schema:/rpm:maximum',
      'schema:/location/lat:maximum',
      'schema:/ts:format',
      'schema:/car_id:minimum',
      'json:parse',
      'json:parse',
    ]);
    expect(sinks.rejects.stored[0]).toMatchObject({
      source: { stream: 'fleetstream-dev-telemetry', shard_id: 'shardId-000000000000', partition_key: 'h1' },
    });
  });

  it('given a throttled sink, reports the first undelivered record and the redelivery completes without duplicates', async () => {
    // Prepare
    const { sinks, handler } = setup();
    const event = fixture('car-sensor');
    sinks.lake.failOnce(3);

    // Act
    const first = await handler(event, context);
    const failedAt = event.Records.findIndex(
      (r) => r.kinesis.sequenceNumber === first.batchItemFailures[0]?.itemIdentifier,
    );
    const retry = await handler({ Records: event.Records.slice(failedAt) }, context);

    // Assess
    expect(failedAt).toBe(3);
    expect(retry.batchItemFailures).toEqual([]);
    const ids = sinks.lake.stored.map((e) => e.event_id);
    expect(ids).toEqual(
      event.Records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).event_id),
    );
    expect(new Set(sinks.search.stored.map((e) => e.event_id)).size).toBe(sinks.search.stored.length);
    expect(sinks.notifications.stored).toHaveLength(3);
  });

  it('rejects a record over 1 MiB by size', async () => {
    const { sinks, handler } = setup();
    const big = kinesisEventFactory([{ data: `{"type":"car_sensor","pad":"${'x'.repeat(1024 * 1024)}"}` }]);
    await handler(big, context);
    expect(sinks.rejects.stored.map((r) => r.reason)).toEqual(['size:max_bytes']);
  });

  it('given a newly published dimension store version, enriches with it from the next batch on', async () => {
    // Prepare: the store renames colour 1 (Black) to Midnight
    const sinks = setup().sinks;
    const deps = buildIngestDeps({ sinks: sinks as unknown as IngestSinks, logLevel: 'SILENT' });
    const csv = (table: string) => readFileSync(join('data', `${table}.csv`), 'utf8');
    const renamed = indexDimensions(
      parseDimensions({
        cars: csv('cars'),
        car_models: csv('car_models'),
        car_colors: csv('car_colors').replace('1,Black', '1,Midnight'),
      }),
    );
    let published: typeof renamed | undefined;
    deps.refreshDimensions = async () => {
      const fresh = published;
      published = undefined;
      return fresh;
    };
    const handler = createIngestHandler(deps);

    const reading = (n: number) => ({
      data: `{"type":"car_sensor","event_id":"r-${n}","ts":${1795507200000 + n},"car_id":1452650,"speed":50,"rpm":2000,"gear":3}`,
      sequence: n,
    });

    // Act
    await handler(kinesisEventFactory([reading(1)]), context);
    published = renamed;
    await handler(kinesisEventFactory([reading(2)]), context);

    // Assess: car 1452650 is colour 1
    expect(sinks.lake.stored.map((e) => [e.event_id, e.color])).toEqual([
      ['r-1', 'Black'],
      ['r-2', 'Midnight'],
    ]);
  });

  it('given a KPL aggregate, handles each user record as its own event and rejects a corrupt aggregate whole', async () => {
    // Prepare: an aggregate of five user records (one speeding, one without event_id) and the same with a broken MD5
    const { sinks, handler } = setup();
    const event = fixture('kpl-aggregated');
    const [aggregate] = event.Records;

    // Act
    const response = await handler(event, context);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sinks.lake.stored.map((e) => e.event_id)).toEqual([
      'kpl-car-0',
      'kpl-car-1',
      'kpl-gps-0',
      'kpl-wx-0',
      `fleetstream-dev-telemetry/2258428/${aggregate!.kinesis.sequenceNumber}:4`,
    ]);
    expect(sinks.notifications.stored.map((a) => a.alert_id)).toContain('kpl-car-1:speeding');
    expect(sinks.rejects.stored).toEqual([
      expect.objectContaining({
        reason: 'kpl:checksum',
        source: expect.objectContaining({
          partition_key: 'a',
          sequence_number: event.Records[1]!.kinesis.sequenceNumber,
        }),
        payload_base64: event.Records[1]!.kinesis.data,
      }),
    ]);
  });

  it('given a location carrying keys of its own, writes only lat and lon to the lake and search', async () => {
    // Prepare
    const { sinks, handler } = setup();
    const payload = {
      type: 'gps',
      event_id: 'g-extra',
      ts: '2026-11-24T08:00:00.000Z',
      vehicle_id: 'v1',
      location: { lat: 51.5, lon: -0.12, altitude: 12, blob: 'x'.repeat(500_000) },
      speed: 40,
      direction: 90,
      vehicle_type: 'private',
    };

    // Act
    await handler(kinesisEventFactory([{ payload, partitionKey: 'v1' }]), context);

    // Assess
    expect(sinks.lake.stored).toHaveLength(1);
    const line = serializeEvent(sinks.lake.stored[0] as TelemetryEvent);
    expect(JSON.parse(line).location).toEqual({ lat: 51.5, lon: -0.12 });
    expect(line.length).toBeLessThan(400);
  });
});
