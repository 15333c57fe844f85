import type { DimensionIndex } from '#src/enrich/dimensions.js';
import { indexDimensions, parseDimensions } from '#src/enrich/dimensions.js';
import { CAR_RULE_BITS } from '#src/rules/evaluate-rules.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import {
  emptyWindowState,
  WindowAdvance,
  type WindowConfig,
  type WindowState,
  type WindowStep,
} from '#src/windows/event-time-windows.js';
import { SeenEventIdsCache } from '#src/windows/seen-event-ids.js';

/** A car_sensor event and the names of the car rules it fired. */
interface WindowInput {
  event: TelemetryEvent;
  rules: readonly string[];
}

/** One invocation's step over `inputs`: a WindowAdvance fed each reading, its rule names as CAR_RULE_BITS. */
function advanceWindows(
  previous: WindowState,
  inputs: readonly WindowInput[],
  dimensions: DimensionIndex,
  config: WindowConfig,
  partId: string,
  flush: boolean,
  seenCache?: SeenEventIdsCache,
): WindowStep {
  const advance = new WindowAdvance(previous, dimensions, config, seenCache);
  for (const { event, rules } of inputs) {
    const fired = rules.reduce((bits, rule) => bits | CAR_RULE_BITS[rule as keyof typeof CAR_RULE_BITS], 0);
    advance.add(event.event_id, event.ts, event.car_id as number, event.speed as number, event.rpm as number, fired);
  }
  return advance.finish(partId, flush);
}

const dimensions = indexDimensions(
  parseDimensions({
    cars: 'car_id,driver_id,model_id,color_id\n1000001,1,1,1\n1000002,2,2,1\n',
    car_models: 'model_id,make,model\n1,Mazda,3\n2,Toyota,Corolla\n',
    car_colors: 'color_id,color\n1,Red\n',
  }),
);
const config = { windowMs: 900_000, allowedLatenessMs: 120_000 };
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0); // a window boundary

let n = 0;
function input(carId: number, offsetSeconds: number, speed: number, rules: string[] = []): WindowInput {
  const event: TelemetryEvent = {
    type: 'car_sensor',
    event_id: `e${++n}`,
    ts: T0 + offsetSeconds * 1000,
    car_id: carId,
    speed,
    rpm: speed * 40,
    gear: 3,
  };
  return { event, rules };
}

describe('Function: advanceWindows()', () => {
  it('aggregates per colour and per model and closes a window when the watermark passes end + lateness', () => {
    // Prepare
    const inputs = [
      input(1000001, 10, 50, ['speeding']),
      input(1000002, 20, 70),
      input(1000001, 899, 90, ['wrong_gear']),
      input(1000001, 900 + 119, 40), // watermark 08:16:59: window 08:00 still open (lateness 2 min)
    ];

    // Act
    const open = advanceWindows(emptyWindowState(), inputs, dimensions, config, 'shard-0:0', false);
    const closing = advanceWindows(open.state, [input(1000002, 900 + 120, 30)], dimensions, config, 'shard-0:0', false);

    // Assess
    expect(open.rows).toEqual([]);
    const red = closing.rows.find((r) => r.dimension === 'color' && r.dimension_value === 'Red');
    expect(red).toMatchObject({
      window_start: T0,
      window_end: T0 + 900_000,
      count: 3,
      sum_speed: 210,
      avg_speed: 70,
      max_speed: 90,
      max_rpm: 3600,
      speeding_alerts: 1,
      wrong_gear_alerts: 1,
      high_rpm_alerts: 0,
      final: true,
    });
    expect(closing.rows.filter((r) => r.dimension === 'model').map((r) => [r.dimension_value, r.count])).toEqual([
      ['Mazda 3', 2],
      ['Toyota Corolla', 1],
    ]);
    expect(closing.state.closed).toBe(1);
    expect(Object.keys(closing.state.open)).toEqual([String(T0 + 900_000)]);
  });

  it('counts a record for a closed window as late and does not aggregate it', () => {
    // Prepare
    const first = advanceWindows(
      emptyWindowState(),
      [input(1000001, 0, 50), input(1000001, 1200, 50)],
      dimensions,
      config,
      'p',
      false,
    );

    // Act
    const step = advanceWindows(first.state, [input(1000001, 30, 99)], dimensions, config, 'p', false);

    // Assess
    expect(first.rows).toHaveLength(2);
    expect(step.late).toEqual([expect.objectContaining({ window_start: T0, watermark: T0 + 1_200_000 })]);
    expect(step.state.late).toBe(1);
    expect(step.rows).toEqual([]);
  });

  it('accepts a record within the allowed lateness into its still-open window', () => {
    const first = advanceWindows(
      emptyWindowState(),
      [input(1000001, 0, 50), input(1000001, 1000, 50)],
      dimensions,
      config,
      'p',
      false,
    );
    const step = advanceWindows(first.state, [input(1000001, 30, 99)], dimensions, config, 'p', false);
    expect(step.late).toEqual([]);
    expect(step.state.open[String(T0)]?.['color:Red']?.[0]).toBe(2);
  });

  it('flushes open windows as mergeable partial rows when Lambda ends its window, without touching the previous state', () => {
    // Prepare
    const first = advanceWindows(emptyWindowState(), [input(1000001, 0, 50)], dimensions, config, 'p', false);
    const snapshot = structuredClone(first.state);

    // Act
    const flushed = advanceWindows(first.state, [input(1000001, 1, 70)], dimensions, config, 'p', true);

    // Assess
    expect(flushed.rows.every((r) => r.final === false)).toBe(true);
    expect(flushed.rows.find((r) => r.dimension === 'color')).toMatchObject({ count: 2, sum_speed: 120 });
    expect(flushed.state.open).toEqual({});
    expect(first.state).toEqual(snapshot);
  });

  it('counts a producer duplicate once, in the same call or a later one of the same Lambda window', () => {
    // Prepare
    const first = input(1000001, 10, 50);
    const again = { event: { ...first.event }, rules: [] };

    // Act
    const one = advanceWindows(emptyWindowState(), [first, again], dimensions, config, 'p', false);
    const two = advanceWindows(one.state, [{ event: { ...first.event }, rules: [] }], dimensions, config, 'p', true);

    // Assess
    expect(one.duplicates).toBe(1);
    expect(two.duplicates).toBe(1);
    const red = two.rows.find((r) => r.dimension === 'color');
    expect(red).toMatchObject({ count: 1, sum_speed: 50 });
    expect(two.state.duplicates).toBe(2);
  });

  it('past the capacity of the seen set, aggregates without the check and counts what went unchecked', () => {
    // Prepare
    const small = { ...config, seenCapacity: 2 };
    const inputs = [input(1000001, 1, 10), input(1000001, 2, 20), input(1000001, 3, 30)];

    // Act
    const step = advanceWindows(emptyWindowState(), [...inputs, inputs[2]!], dimensions, small, 'p', true);

    // Assess
    expect(step.state.unchecked).toBe(2);
    expect(step.rows.find((r) => r.dimension === 'color')).toMatchObject({ count: 4 });
  });

  it('keeps the seen set of a full Lambda window within the 1 MB state', () => {
    // Prepare
    const many = Array.from({ length: 64_000 }, (_, i) => input(1000001 + (i % 2), i % 800, 50));

    // Act
    const step = advanceWindows(emptyWindowState(), many, dimensions, config, 'p', false);

    // Assess
    expect(step.duplicates).toBe(0);
    expect(Buffer.byteLength(JSON.stringify(step.state))).toBeLessThan(1024 * 1024);
  });

  it("with a warm environment's seen cache, a retry after a failed call sees the seen set from before that call", () => {
    // Prepare
    const cache = new SeenEventIdsCache();
    const a = input(1000001, 10, 50);
    const b = input(1000002, 11, 60);
    const first = advanceWindows({ ...emptyWindowState(), shard: 's0' }, [a], dimensions, config, 'p', false, cache);

    // Act
    // The call with b fails after advancing (its sink write, say): Lambda retries with first.state.
    advanceWindows(first.state, [b], dimensions, config, 'p', false, cache);
    const retry = advanceWindows(first.state, [b], dimensions, config, 'p', false, cache);
    const next = advanceWindows(retry.state, [a, b], dimensions, config, 'p', false, cache);

    // Assess
    expect(retry.duplicates).toBe(0);
    expect(retry.state).toEqual(advanceWindows(first.state, [b], dimensions, config, 'p', false).state);
    expect(next.duplicates).toBe(2);
    expect(next.state.seen).toBe(retry.state.seen);
  });

  it("with a warm environment's seen cache, starts the shard's next Lambda window empty, in the set the last one filled", () => {
    // Prepare
    const cache = new SeenEventIdsCache();
    const many = Array.from({ length: 3000 }, (_, i) => input(1000001 + (i % 2), i % 800, 50));
    const again = () => [{ event: { ...many[0]!.event }, rules: [] }];
    const start = { ...emptyWindowState(), shard: 's0' };
    const filled = advanceWindows(start, many, dimensions, config, 'p', false, cache);

    // Act
    const final = advanceWindows(filled.state, again(), dimensions, config, 'p', true, cache);
    // The final invoke fails after advancing (its sink write, say): Lambda retries it with filled.state.
    const retry = advanceWindows(filled.state, again(), dimensions, config, 'p', true, cache);
    const next = advanceWindows(start, again(), dimensions, config, 'q', false, cache);

    // Assess
    expect(final.duplicates).toBe(1);
    expect(retry.duplicates).toBe(1);
    expect(next.duplicates).toBe(0);
    expect(next.state).toEqual(advanceWindows(start, again(), dimensions, config, 'q', false).state);
    expect(cache.take('s0', next.state.seen).capacity).toBeGreaterThanOrEqual(3000);
  });

  it('aggregates records that go back and forth between open windows in one call as one call per record does', () => {
    // Prepare: two cars, readings alternating across the 08:15 boundary (within the lateness)
    const inputs = Array.from({ length: 12 }, (_, k) =>
      input(k % 3 === 0 ? 1000002 : 1000001, k % 2 === 0 ? 880 + k : 905 + k, 40 + k, k % 4 === 0 ? ['speeding'] : []),
    );

    // Act
    const together = advanceWindows(emptyWindowState(), inputs, dimensions, config, 'p', true);
    let state = emptyWindowState();
    for (const one of inputs) state = advanceWindows(state, [one], dimensions, config, 'p', false).state;
    const oneByOne = advanceWindows(state, [], dimensions, config, 'p', true);

    // Assess
    expect(together.rows.length).toBeGreaterThan(0);
    expect(together.rows).toEqual(oneByOne.rows);
    expect(together.rows.filter((r) => r.dimension === 'color').map((r) => r.count)).toEqual([6, 6]);
  });

  it('copies only the buckets it changes and leaves every bucket of the previous state as it was', () => {
    // Prepare
    const first = advanceWindows(
      emptyWindowState(),
      [input(1000001, 0, 50), input(1000001, 900, 60)],
      dimensions,
      config,
      'p',
      false,
    );
    const snapshot = structuredClone(first.state);

    // Act
    const step = advanceWindows(first.state, [input(1000002, 901, 70)], dimensions, config, 'p', false);

    // Assess
    expect(first.state).toEqual(snapshot);
    expect(step.state.open[String(T0 + 900_000)]?.['color:Red']?.[0]).toBe(2);
    expect(step.state.open[String(T0)]).toBe(first.state.open[String(T0)]);
  });
});
