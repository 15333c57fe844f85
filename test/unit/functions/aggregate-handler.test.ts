import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { buildAggregateDeps } from '#functions/shared/deps.js';
import type { LateRecord, WindowAggregateRow } from '#src/sinks/sink.js';

const context = { functionName: 'fleetstream-test-aggregate', awsRequestId: 'req-1' } as Context;
const fixture = (): KinesisStreamTumblingWindowEvent =>
  JSON.parse(readFileSync(join('test', 'fixtures', 'events', 'kinesis', 'tumbling-window.json'), 'utf8'));

/** A record of the fixture's first record's shape, car and shard, for another event id and time. */
function carRecord(event: KinesisStreamTumblingWindowEvent, eventId: string, ts: string, sequence: string) {
  const base = event.Records[0]!;
  const payload = { type: 'car_sensor', event_id: eventId, ts, car_id: 1452650, speed: 70, rpm: 3000, gear: 4 };
  return {
    ...base,
    eventID: `shardId-000000000000:${sequence}`,
    kinesis: {
      ...base.kinesis,
      sequenceNumber: sequence,
      data: Buffer.from(JSON.stringify(payload)).toString('base64'),
    },
  };
}

function setup(options: { failFirstWindowsWrite?: boolean } = {}) {
  const rows: WindowAggregateRow[] = [];
  const late: LateRecord[] = [];
  let failures = options.failFirstWindowsWrite ? 1 : 0;
  const handler = createAggregateHandler(
    buildAggregateDeps({
      sinks: {
        windows: {
          name: 'windows',
          write: async (items) => {
            if (failures-- > 0) throw new Error('windows sink unavailable');
            rows.push(...items);
          },
        },
        late: { name: 'late', write: async (items) => void late.push(...items) },
      },
      logLevel: 'SILENT',
    }),
  );
  return { rows, late, handler };
}

describe('Function: aggregate handler', () => {
  it('threads state between invocations and flushes open windows on the final invoke', async () => {
    // Prepare
    const { rows, handler } = setup();
    const event = fixture();

    // Act
    const first = await handler(event, context);
    const final = await handler({ ...event, Records: [], state: first.state, isFinalInvokeForWindow: true }, context);

    // Assess
    expect(rows.filter((r) => r.final === false).length).toBeGreaterThan(0);
    const black = rows.find(
      (r) => r.dimension === 'color' && r.dimension_value === 'Black' && r.window_start === Date.UTC(2026, 10, 24, 8),
    );
    expect(black).toMatchObject({ count: 2, max_speed: 130, speeding_alerts: 1 });
    expect(final.state).toEqual({});
    expect(first.state).toMatchObject({ shard: 'shardId-000000000000', watermark: Date.UTC(2026, 10, 24, 8, 16, 40) });
  });

  it('given no window (no tumbling windows on the mapping or the emulator), emits the windows as partial rows at once', async () => {
    // Prepare
    const { rows, handler } = setup();
    const { window: _window, state: _state, ...event } = fixture();

    // Act
    const response = await handler(event as KinesisStreamTumblingWindowEvent, context);

    // Assess
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.final === false)).toBe(true);
    expect(response.state).toEqual({});
  });

  it('writes rows with ids stable across a retry of the same invocation', async () => {
    // Prepare
    const { rows, handler } = setup();
    const event = { ...fixture(), isFinalInvokeForWindow: true };
    await handler(event, context);
    const firstIds = rows.map((r) => r.window_id);
    rows.length = 0;

    // Act
    await handler(event, context);

    // Assess
    expect(firstIds.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.window_id)).toEqual(firstIds);
  });

  it('counts a producer’s duplicate (the same event_id in two records) once', async () => {
    // Prepare
    const { rows, handler } = setup();
    const event = fixture();
    const car = event.Records.find((r) => Buffer.from(r.kinesis.data, 'base64').toString().includes('car_sensor'))!;
    const twice = {
      ...event,
      Records: [car, { ...car, kinesis: { ...car.kinesis, sequenceNumber: `${car.kinesis.sequenceNumber}9` } }],
    };

    // Act
    await handler({ ...twice, isFinalInvokeForWindow: true }, context);

    // Assess
    const colour = rows.filter((r) => r.dimension === 'color');
    expect(colour).toHaveLength(1);
    expect(colour[0]!.count).toBe(1);
  });

  it('retried after a failed sink write in the same warm environment, aggregates as if the failure never happened', async () => {
    // Prepare
    const event = fixture();
    const opening = { ...event, Records: event.Records.slice(0, 2) };
    // The third record and one past the 08:00 window's end plus lateness: the window closes.
    const closing = (state: KinesisStreamTumblingWindowEvent['state']) => ({
      ...event,
      Records: [event.Records[2]!, carRecord(event, 'tw-9', '2026-11-24T08:20:00.000Z', '499')],
      state,
    });
    const failing = setup({ failFirstWindowsWrite: true });
    const reference = setup();
    const first = await failing.handler(opening, context);
    await reference.handler(opening, context);

    // Act
    const failed = failing.handler(closing(first.state), context);
    await expect(failed).rejects.toThrow('windows sink unavailable');
    const retried = await failing.handler(closing(first.state), context);
    const expected = await reference.handler(closing(first.state), context);

    // Assess
    expect(reference.rows.length).toBeGreaterThan(0);
    expect(failing.rows).toEqual(reference.rows);
    expect(retried.state).toEqual(expected.state);
    expect(failing.rows.filter((r) => r.dimension === 'color').reduce((sum, r) => sum + r.count, 0)).toBe(3);
  });

  it('aggregates every reading ingest accepts, in its exact shape or any other form, and nothing it rejects', async () => {
    // Prepare: one car, readings in the 08:00 window; the record's data is the text as given
    const { rows, handler } = setup();
    const event = fixture();
    const exact = (id: string, speed: string, rpm = 3000) =>
      `{"type":"car_sensor","event_id":"${id}","ts":"2026-11-24T08:01:00Z","car_id":1452650,"speed":${speed},"rpm":${rpm},"gear":4,"location":{"lat":51.5,"lon":-0.1}}`;
    const texts = [
      exact('x-1', '70'),
      exact('x-2', '130.5', 6500), // speeding, high_rpm and wrong_gear
      exact('x-2', '70'), // a producer's duplicate of x-2: counted once
      exact('x-3', '-1'), // out of the schema: rejected by ingest
      exact('x-4', '70').replace('"lat":51.5', '"lat":95'), // location out of range: rejected
      exact('x-5', '70')
        .replace('"event_id":"x-5",', '')
        .replace('{"type":"car_sensor",', '{"event_id":"x-5","type":"car_sensor",'),
      exact('x-6', '70').replace(',"rpm"', ', "rpm"'), // whitespace: the general path accepts it
      exact('x-7', '70').replace('"2026-11-24T08:01:00Z"', '"2026-02-30T08:01:00Z"'), // no such day: rejected
      '{"type":"gps","event_id":"g-1","ts":"2026-11-24T08:01:00Z","vehicle_id":"v","lat":51.5,"lon":-0.1}',
    ];
    const records = texts.map((text, k) => {
      const record = carRecord(event, `unused-${k}`, '2026-11-24T08:01:00Z', String(100 + k));
      return { ...record, kinesis: { ...record.kinesis, data: Buffer.from(text).toString('base64') } };
    });

    // Act
    await handler({ ...event, Records: records, isFinalInvokeForWindow: true }, context);

    // Assess: x-1, x-2, x-5 and x-6
    const colour = rows.filter((r) => r.dimension === 'color');
    expect(colour).toHaveLength(1);
    expect(colour[0]).toMatchObject({
      count: 4,
      sum_speed: 340.5,
      max_speed: 130.5,
      max_rpm: 6500,
      speeding_alerts: 1,
      high_rpm_alerts: 1,
      wrong_gear_alerts: 1,
    });
  });
});
