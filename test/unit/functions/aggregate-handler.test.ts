import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { buildAggregateDeps } from '#functions/shared/deps.js';
import type { LateRecord, WindowAggregateRow } from '#src/sinks/sink.js';

const context = { functionName: 'fleetstream-test-aggregate', awsRequestId: 'req-1' } as Context;
const fixture = (): KinesisStreamTumblingWindowEvent =>
  JSON.parse(readFileSync(join('test', 'fixtures', 'events', 'kinesis', 'tumbling-window.json'), 'utf8'));

function setup() {
  const rows: WindowAggregateRow[] = [];
  const late: LateRecord[] = [];
  const handler = createAggregateHandler(
    buildAggregateDeps({
      sinks: {
        windows: { name: 'windows', write: async (items) => void rows.push(...items) },
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
});
