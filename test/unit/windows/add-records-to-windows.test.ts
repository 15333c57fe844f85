import { indexDimensions, parseDimensions } from '#src/enrich/dimensions.js';
import { aggregate } from '#src/ingest/kpl-aggregation.js';
import { DEFAULT_RULE_CONFIG } from '#src/rules/rule-config.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import { addRecordsToWindows } from '#src/windows/add-records-to-windows.js';
import { emptyWindowState, WindowAdvance } from '#src/windows/event-time-windows.js';
import { kinesisEventFactory } from '#test/helpers/kinesis-record-factory.js';

const dimensions = indexDimensions(
  parseDimensions({
    cars: 'car_id,driver_id,model_id,color_id\n1000001,1,1,1\n',
    car_models: 'model_id,make,model\n1,Mazda,3\n',
    car_colors: 'color_id,color\n1,Red\n',
  }),
);
const validate = createEventValidator();
const config = { windowMs: 900_000, allowedLatenessMs: 120_000 };
const source = { stream: 'fleetstream-dev-telemetry', shard: 'shardId-000000000000' };
/** A reading in the exact shape producers write (the known-shape path). */
const reading = (id: string, speed: string, rpm = 3000) =>
  `{"type":"car_sensor","event_id":"${id}","ts":"2026-11-24T08:01:00Z","car_id":1000001,"speed":${speed},"rpm":${rpm},"gear":4,"location":{"lat":51.5,"lon":-0.1}}`;

describe('Function: addRecordsToWindows()', () => {
  it('aggregates the car readings ingest accepts, whatever their form, and counts every other record as ignored', () => {
    // Prepare
    const texts = [
      reading('r-1', '70'),
      reading('r-2', '130.5', 6500), // speeding, high_rpm and wrong_gear
      reading('r-1', '70'), // a producer's duplicate: aggregated once
      reading('r-3', '-1'), // out of the schema
      reading('r-4', '70').replace('"lat":51.5', '"lat":95'), // location out of range
      reading('r-5', '70').replace(',"rpm"', ', "rpm"'), // whitespace: the general path accepts it
      reading('r-6', '70').replace('"2026-11-24T08:01:00Z"', '"2026-02-30T08:01:00Z"'), // no such day
      '{"type":"gps","event_id":"g-1","ts":"2026-11-24T08:01:00Z","vehicle_id":"v","lat":51.5,"lon":-0.1}',
    ];
    const kpl = aggregate(
      [reading('k-1', '60'), reading('k-2', '-5'), reading('k-3', '75')].map((text) => ({
        partitionKey: '1000001',
        data: new TextEncoder().encode(text),
      })),
    );
    const { Records } = kinesisEventFactory([...texts.map((data) => ({ data })), { bytes: kpl }]);
    const advance = new WindowAdvance({ ...emptyWindowState(), shard: source.shard }, dimensions, config);

    // Act
    const added = addRecordsToWindows(Records, advance, source, validate, DEFAULT_RULE_CONFIG);
    const { rows } = advance.finish('p', true);

    // Assess: r-1 twice, r-2, r-5, k-1 and k-3 aggregated; r-3, r-4, r-6, the gps reading and k-2 ignored
    expect(added).toEqual({ aggregated: 6, ignored: 5 });
    const colour = rows.find((row) => row.dimension === 'color');
    expect(colour).toMatchObject({
      dimension_value: 'Red',
      count: 5,
      sum_speed: 405.5,
      max_speed: 130.5,
      max_rpm: 6500,
      speeding_alerts: 1,
      high_rpm_alerts: 1,
      wrong_gear_alerts: 1,
    });
  });
});
