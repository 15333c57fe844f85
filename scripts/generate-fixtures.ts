// Regenerates test/fixtures/events/kinesis/*.json and test/fixtures/b64/kpl.b64: `npx tsx scripts/generate-fixtures.ts`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBase64Records } from '#local/inputs/read-base64.js';
import { aggregate } from '#src/ingest/kpl-aggregation.js';
import {
  kinesisEventFactory,
  type RecordSpec,
  tumblingWindowEventFactory,
} from '#test/helpers/kinesis-record-factory.js';

const out = join(import.meta.dirname, '..', 'test', 'fixtures', 'events', 'kinesis');
mkdirSync(out, { recursive: true });
const T = (seconds: number) => new Date(Date.UTC(2026, 10, 24, 8, 0, seconds)).toISOString();
const here = { lat: 51.5074, lon: -0.1278 };
const car = (id: string, seconds: number, speed: number, rpm: number, gear: number, carId = 1452650) => ({
  type: 'car_sensor',
  event_id: id,
  ts: T(seconds),
  car_id: carId,
  speed,
  rpm,
  gear,
});
const specs = (payloads: unknown[], key: (p: Record<string, unknown>) => string): RecordSpec[] =>
  payloads.map((payload) => ({ payload, partitionKey: key(payload as Record<string, unknown>) }));
const byVehicle = (p: Record<string, unknown>) => String(p.vehicle_id ?? 'v');

/** User records as a KPL producer aggregates them: several types, one speeding (an alert), one with no event_id. */
const kplUserRecords = [
  { partitionKey: '1452650', payload: car('kpl-car-0', 10, 52.4, 2100, 3) },
  { partitionKey: '1452650', payload: car('kpl-car-1', 11, 133.5, 4300, 6) }, // speeding
  {
    partitionKey: 'Vehicle-CodeWithYu-123',
    payload: {
      type: 'gps',
      event_id: 'kpl-gps-0',
      ts: T(10),
      vehicle_id: 'Vehicle-CodeWithYu-123',
      location: here,
      speed: 48.2,
      direction: 315,
      vehicle_type: 'private',
    },
  },
  {
    partitionKey: 'Vehicle-CodeWithYu-123',
    payload: {
      type: 'weather',
      event_id: 'kpl-wx-0',
      ts: T(10),
      vehicle_id: 'Vehicle-CodeWithYu-123',
      location: here,
      temperature: 11.5,
      weather_condition: 'Cloudy',
      precipitation: 0.2,
      wind_speed: 18,
      humidity: 81,
      air_quality_index: 42,
    },
  },
  { partitionKey: '2258428', payload: { ...car('', 12, 61, 2600, 4, 2258428), event_id: undefined } }, // id derived
].map(({ partitionKey, payload }) => ({ partitionKey, data: new TextEncoder().encode(JSON.stringify(payload)) }));
const kplAggregate = aggregate(kplUserRecords);
// The same aggregate with its MD5 trailer broken: a corrupt aggregate is a kpl:checksum reject.
const kplCorrupt = Uint8Array.from(kplAggregate);
kplCorrupt[kplCorrupt.length - 1]! ^= 0xff;

const fixtures: Record<string, unknown> = {
  'car-sensor': kinesisEventFactory(
    specs(
      [
        car('car-1452650-0', 0, 52.4, 2100, 3),
        car('car-1452650-1', 1, 131.2, 4200, 6), // speeding
        car('car-1452650-2', 2, 110, 6400, 6), // high_rpm
        car('car-1452650-3', 3, 35, 2500, 5), // wrong_gear
        car('car-9999999-0', 4, 50, 2000, 3, 9999999), // unknown car: accepted, not enriched
      ],
      (p) => String(p.car_id),
    ),
  ),
  vehicle: kinesisEventFactory(
    specs(
      [
        {
          type: 'vehicle',
          event_id: 'veh-1',
          ts: T(0),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          location: here,
          speed: 48.2,
          direction: 315,
          make: 'BMW',
          model: 'C500',
          year: 2024,
          fuel_type: 'Hybrid',
        },
      ],
      byVehicle,
    ),
  ),
  gps: kinesisEventFactory(
    specs(
      [
        {
          type: 'gps',
          event_id: 'gps-1',
          ts: T(0),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          location: here,
          speed: 48.2,
          direction: 315,
          vehicle_type: 'private',
        },
      ],
      byVehicle,
    ),
  ),
  'traffic-camera': kinesisEventFactory(
    specs(
      [
        {
          type: 'traffic_camera',
          event_id: 'cam-1',
          ts: T(0),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          camera_id: 'Nikon-Cam123',
          location: here,
          snapshot: 's3://fleetstream-dev-raw/snapshots/cam-1.jpg',
        },
      ],
      byVehicle,
    ),
  ),
  weather: kinesisEventFactory(
    specs(
      [
        {
          type: 'weather',
          event_id: 'wx-1',
          ts: T(0),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          location: here,
          temperature: 11.5,
          weather_condition: 'Cloudy',
          precipitation: 0.2,
          wind_speed: 18,
          humidity: 81,
          air_quality_index: 42,
        },
        {
          type: 'weather',
          event_id: 'wx-2',
          ts: T(60),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          location: here,
          temperature: 12,
          weather_condition: 'Sunny',
          precipitation: 0,
          wind_speed: 5,
          humidity: 40,
          air_quality_index: 181,
        }, // poor_air_quality
      ],
      byVehicle,
    ),
  ),
  emergency: kinesisEventFactory(
    specs(
      [
        {
          type: 'emergency',
          event_id: 'em-1',
          ts: T(0),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          incident_id: 'inc-42',
          incident_type: 'Accident',
          location: here,
          status: 'active',
          description: 'Two-car collision, left lane blocked',
        },
        {
          type: 'emergency',
          event_id: 'em-2',
          ts: T(30),
          vehicle_id: 'Vehicle-CodeWithYu-123',
          incident_id: 'inc-41',
          incident_type: 'Fire',
          location: here,
          status: 'resolved',
          description: 'Vehicle fire cleared',
        },
      ],
      byVehicle,
    ),
  ),
  'trajectory-point': kinesisEventFactory(
    specs(
      [
        {
          type: 'trajectory_point',
          event_id: 'geolife-000-20081023025304-7',
          ts: '2008-10-23T02:53:04Z',
          user_id: '000',
          trajectory_id: '20081023025304',
          location: { lat: 39.984702, lon: 116.318417 },
          altitude_ft: 492,
        },
        {
          type: 'trajectory_point',
          event_id: 'geolife-000-20081023025304-8',
          ts: '2008-10-23T02:53:10Z',
          user_id: '000',
          trajectory_id: '20081023025304',
          location: { lat: 39.984683, lon: 116.31845 },
          altitude_ft: null,
        },
        // 1.1 km in 5 s ≈ 800 km/h: gps_jump
        {
          type: 'trajectory_point',
          event_id: 'geolife-000-20081023025304-9',
          ts: '2008-10-23T02:53:15Z',
          user_id: '000',
          trajectory_id: '20081023025304',
          location: { lat: 39.994683, lon: 116.31845 },
          altitude_ft: 495,
        },
      ],
      (p) => String(p.user_id),
    ),
  ),
  hostile: kinesisEventFactory([
    { data: 'this is not json', partitionKey: 'h1' },
    { data: '[1,2,3]', partitionKey: 'h2' },
    { payload: { event_id: 'no-type', ts: T(0), car_id: 1452650 }, partitionKey: 'h3' },
    { payload: { type: 'spaceship', event_id: 'ufo', ts: T(0) }, partitionKey: 'h4' },
    { payload: car('neg-speed', 0, -10, 2000, 1), partitionKey: '1452650' },
    { payload: car('huge-rpm', 0, 50, 1e12, 3), partitionKey: '1452650' },
    {
      payload: {
        type: 'gps',
        event_id: 'lat-91',
        ts: T(0),
        vehicle_id: 'v',
        location: { lat: 91, lon: 0 },
        speed: 1,
        direction: 0,
        vehicle_type: 'private',
      },
      partitionKey: 'v',
    },
    { payload: { ...car('bad-ts', 0, 50, 2000, 3), ts: '2026-02-30T08:00:00Z' }, partitionKey: '1452650' },
    { payload: car('six-digit', 0, 50, 2000, 3, 123456), partitionKey: '123456' },
    { payload: car('car-1452650-ok', 5, 50, 2000, 3), partitionKey: '1452650' },
    { payload: car('car-1452650-ok', 5, 50, 2000, 3), partitionKey: '1452650' }, // duplicate event_id
    {
      payload: { ...car('car-1452650-extra', 6, 50, 2000, 3), firmware: '2.1.0', debug: { x: 1 } },
      partitionKey: '1452650',
    }, // extras ignored
    { data: '\u0000\u0001\u00ff\ufffd binary', partitionKey: 'h5' },
    { data: '', partitionKey: 'h6' },
  ]),
  // The KPL puts an aggregate with partition key "a" and the first user record's hash key as explicit
  // hash key (awslabs/amazon-kinesis-producer aws/kinesis/core/kinesis_record.cc); Lambda shows the "a".
  'kpl-aggregated': kinesisEventFactory([
    { bytes: kplAggregate, partitionKey: 'a' },
    { bytes: kplCorrupt, partitionKey: 'a' },
  ]),
  'tumbling-window': tumblingWindowEventFactory(
    specs(
      [
        car('tw-0', 0, 40, 2000, 3),
        car('tw-1', 1, 130, 4000, 6),
        car('tw-2', 2, 60, 2500, 4, 2258428),
        car('tw-3', 1000, 50, 2000, 3),
      ],
      (p) => String(p.car_id),
    ),
    { start: '2026-11-24T08:00:00Z', end: '2026-11-24T08:15:00Z' },
  ),
};

// A record over 1 MiB would make a 1.4 MB fixture file: tests build that case with the factory.
for (const [name, event] of Object.entries(fixtures)) {
  const text = JSON.stringify(event, null, 2);
  writeFileSync(join(out, `${name}.json`), `${text}\n`);
}
console.log(`wrote ${Object.keys(fixtures).length} fixtures to ${out}`);

// `fleetstream run --input` of a .b64 file: one base64 Kinesis data blob per line.
const b64 = join(import.meta.dirname, '..', 'test', 'fixtures', 'b64', 'kpl.b64');
mkdirSync(join(b64, '..'), { recursive: true });
writeBase64Records(b64, [
  kplAggregate,
  kplCorrupt,
  new TextEncoder().encode(JSON.stringify(car('b64-plain-0', 20, 48, 2000, 3))),
  // Not UTF-8: ingest must see these bytes as they are.
  Uint8Array.from([...new TextEncoder().encode('{"type":"car_sensor","event_id":"b64-'), 0xff, 0xfe, 0x22, 0x7d]),
]);
writeFileSync(b64, `${readFileSync(b64, 'utf8')}this line is not base64\n`);
console.log(`wrote ${b64}`);
