import type { DimensionIndex } from '../enrich/dimensions.js';
import type { LateRecord, WindowAggregateRow } from '../sinks/sink.js';
import type { TelemetryEvent } from '../telemetry/event.js';

/** Window length and lateness, in milliseconds. */
export interface WindowConfig {
  windowMs: number;
  allowedLatenessMs: number;
}

/**
 * Accumulator per (window, dimension value), stored as a tuple to keep Lambda's tumbling-window
 * state (capped at 1 MB per shard) small: [count, sum_speed, max_speed, max_rpm, speeding, high_rpm, wrong_gear].
 */
type Accumulator = [number, number, number, number, number, number, number];

/**
 * The state Lambda carries between invocations of one tumbling window. Plain JSON.
 * `open[windowStartMs]["color:Red"]` is an accumulator.
 */
export interface WindowState {
  /** The shard this state belongs to; Lambda's final invoke for a window may carry no records to tell. */
  shard?: string;
  watermark: number;
  open: Record<string, Record<string, Accumulator>>;
  late: number;
  closed: number;
}

/** A car_sensor event with its enrichment and the car rules it fired. */
export interface WindowInput {
  event: TelemetryEvent;
  rules: readonly string[];
}

/** What one invocation produced: rows to write, late records, and the state to hand back to Lambda. */
export interface WindowStep {
  rows: WindowAggregateRow[];
  late: LateRecord[];
  state: WindowState;
}

/** An empty state, as at the start of each Lambda tumbling window. */
export function emptyWindowState(): WindowState {
  return { watermark: 0, open: {}, late: 0, closed: 0 };
}

/** Reads Lambda's `state` (which is `{}` at the start of a window) into a WindowState. */
export function toWindowState(state: Record<string, unknown> | undefined): WindowState {
  if (!state || typeof state.watermark !== 'number' || typeof state.open !== 'object') return emptyWindowState();
  return state as unknown as WindowState;
}

const RULE_SLOT: Record<string, number> = { speeding: 4, high_rpm: 5, wrong_gear: 6 };

function accumulate(
  bucket: Record<string, Accumulator>,
  key: string,
  speed: number,
  rpm: number,
  rules: readonly string[],
) {
  let acc = bucket[key];
  if (!acc) {
    acc = [0, 0, 0, 0, 0, 0, 0];
    bucket[key] = acc;
  }
  acc[0] += 1;
  acc[1] += speed;
  if (speed > acc[2]) acc[2] = speed;
  if (rpm > acc[3]) acc[3] = rpm;
  for (const rule of rules) {
    const slot = RULE_SLOT[rule];
    if (slot !== undefined) acc[slot]! += 1;
  }
}

function toRows(
  windowStart: number,
  bucket: Record<string, Accumulator>,
  config: WindowConfig,
  partId: string,
  final: boolean,
): WindowAggregateRow[] {
  return Object.entries(bucket).map(([key, acc]) => {
    const colon = key.indexOf(':');
    const dimension = key.slice(0, colon) as 'color' | 'model';
    const value = key.slice(colon + 1);
    return {
      window_id: `${dimension}:${value}:${windowStart}:${partId}`,
      window_start: windowStart,
      window_end: windowStart + config.windowMs,
      dimension,
      dimension_value: value,
      count: acc[0],
      sum_speed: Math.round(acc[1] * 1000) / 1000,
      avg_speed: Math.round((acc[1] / acc[0]) * 1000) / 1000,
      max_speed: acc[2],
      max_rpm: acc[3],
      speeding_alerts: acc[4],
      high_rpm_alerts: acc[5],
      wrong_gear_alerts: acc[6],
      final,
    };
  });
}

/**
 * 15-minute event-time tumbling windows per car colour and per car model, on top of Lambda's
 * processing-time tumbling windows (which are keyed to the mapping, not to event time:
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html).
 *
 * The watermark is the highest event time seen. An event-time window closes, and its rows are
 * emitted with `final: true`, once the watermark passes its end plus the allowed lateness. A record
 * for a window already closed is late: counted and listed, not aggregated (it still reaches the lake
 * through ingest). When Lambda's window ends (`flush`), windows still open are emitted with
 * `final: false`; rows are mergeable (SUM(count), SUM(sum_speed), MAX(...)) and the named queries merge them.
 *
 * `partId` makes row ids unique and stable across retries: `<shard>:<lambda window start>`.
 */
export function advanceWindows(
  previous: WindowState,
  inputs: readonly WindowInput[],
  dimensions: DimensionIndex,
  config: WindowConfig,
  partId: string,
  flush: boolean,
): WindowStep {
  const state: WindowState = {
    ...(previous.shard === undefined ? {} : { shard: previous.shard }),
    watermark: previous.watermark,
    // Deep copy: a failed invocation must leave the previous state untouched for the retry.
    open: structuredClone(previous.open),
    late: previous.late,
    closed: previous.closed,
  };
  const late: LateRecord[] = [];
  // Per call, not per record: the bucket keys of each car and the bucket of the current window.
  const keysOfCar = new Map<number, readonly [string, string]>();
  let currentStart = Number.NaN;
  let currentBucket: Record<string, Accumulator> = {};
  for (const { event, rules } of inputs) {
    const windowStart = Math.floor(event.ts / config.windowMs) * config.windowMs;
    if (windowStart + config.windowMs + config.allowedLatenessMs <= state.watermark && !state.open[windowStart]) {
      state.late++;
      late.push({
        event_id: event.event_id,
        car_id: event.car_id as number,
        ts: event.ts,
        window_start: windowStart,
        watermark: state.watermark,
      });
      continue;
    }
    if (event.ts > state.watermark) state.watermark = event.ts;
    if (windowStart !== currentStart) {
      const bucketKey = String(windowStart);
      currentBucket = state.open[bucketKey] ?? {};
      state.open[bucketKey] = currentBucket;
      currentStart = windowStart;
    }
    const carId = event.car_id as number;
    let keys = keysOfCar.get(carId);
    if (!keys) {
      const car = dimensions.get(carId);
      keys = [`color:${car ? car.color : 'unknown'}`, `model:${car ? car.model : 'unknown'}`];
      keysOfCar.set(carId, keys);
    }
    const speed = event.speed as number;
    const rpm = event.rpm as number;
    accumulate(currentBucket, keys[0], speed, rpm, rules);
    accumulate(currentBucket, keys[1], speed, rpm, rules);
  }
  const rows: WindowAggregateRow[] = [];
  for (const [key, bucket] of Object.entries(state.open)) {
    const windowStart = Number(key);
    const closes = windowStart + config.windowMs + config.allowedLatenessMs <= state.watermark;
    if (!closes && !flush) continue;
    rows.push(...toRows(windowStart, bucket, config, partId, closes));
    if (closes) state.closed++;
    delete state.open[key];
  }
  rows.sort((a, b) => a.window_start - b.window_start || a.window_id.localeCompare(b.window_id));
  return { rows, late, state };
}
