import type { DimensionIndex } from '../enrich/dimensions.js';
import { CAR_RULE_BITS } from '../rules/evaluate-rules.js';
import type { LateRecord, WindowAggregateRow } from '../sinks/sink.js';
import { SeenEventIds, type SeenEventIdsCache, type SeenState } from './seen-event-ids.js';

/** Window length and lateness, in milliseconds; how many event ids a Lambda window remembers. */
export interface WindowConfig {
  windowMs: number;
  allowedLatenessMs: number;
  /** Distinct events per shard and Lambda window checked for producer duplicates (default SEEN_CAPACITY). */
  seenCapacity?: number;
}

/**
 * Event ids a shard's Lambda window remembers to skip a producer's duplicate: 8 bytes each as
 * base64 in the state, about 683 KiB at capacity (and 3 bytes of JSON per chunk of 384), leaving room under the 1 MB per shard Lambda
 * allows (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html) for the open
 * windows' accumulators. Past it, duplicates are no longer detected until the Lambda window ends
 * (counted as `unchecked`).
 */
export const SEEN_CAPACITY = 64_000;

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
  /**
   * 52-bit hashes of the event ids aggregated in this Lambda window: base64 of a Float64Array, in
   * chunks of 384 hashes (a single string in states written before chunks, still read).
   */
  seen?: SeenState;
  /** Producer duplicates skipped (an event id already aggregated in this Lambda window). */
  duplicates?: number;
  /** Events aggregated without a duplicate check, the seen set being full. */
  unchecked?: number;
}

/** What one invocation produced: rows to write, late records, and the state to hand back to Lambda. */
export interface WindowStep {
  rows: WindowAggregateRow[];
  late: LateRecord[];
  /** Producer duplicates skipped in this call. */
  duplicates: number;
  state: WindowState;
}

// The hash of an event id the seen set keeps: its home is the seen set, exported here as before.
export { hashEventId } from './seen-event-ids.js';

/** An empty state, as at the start of each Lambda tumbling window. */
export function emptyWindowState(): WindowState {
  return { watermark: 0, open: {}, late: 0, closed: 0 };
}

/** Reads Lambda's `state` (which is `{}` at the start of a window) into a WindowState. */
export function toWindowState(state: Record<string, unknown> | undefined): WindowState {
  if (!state || typeof state.watermark !== 'number' || typeof state.open !== 'object') return emptyWindowState();
  return state as unknown as WindowState;
}

/**
 * The bucket of a window in the new state's `open`, created if absent; a bucket still shared with
 * the previous state is copied first (a shallow copy of `open` shares them), so only the buckets a
 * call changes are copied, not the whole state.
 */
function openBucket(
  open: WindowState['open'],
  previousOpen: WindowState['open'],
  key: string,
): Record<string, Accumulator> {
  const bucket = open[key];
  if (bucket !== undefined && bucket !== previousOpen[key]) return bucket;
  const copy: Record<string, Accumulator> = {};
  if (bucket !== undefined) for (const name in bucket) copy[name] = bucket[name]!.slice() as Accumulator;
  open[key] = copy;
  return copy;
}

/** Where each car rule's count sits in an accumulator. */
const RULE_SLOT: Record<string, number> = { speeding: 4, high_rpm: 5, wrong_gear: 6 };

/** The accumulator of a dimension value in a bucket, created empty if absent. */
function accumulatorOf(bucket: Record<string, Accumulator>, key: string): Accumulator {
  let acc = bucket[key];
  if (!acc) {
    acc = [0, 0, 0, 0, 0, 0, 0];
    bucket[key] = acc;
  }
  return acc;
}

function accumulate(acc: Accumulator, speed: number, rpm: number, fired: number) {
  acc[0] += 1;
  acc[1] += speed;
  if (speed > acc[2]) acc[2] = speed;
  if (rpm > acc[3]) acc[3] = rpm;
  if (fired === 0) return;
  if (fired & CAR_RULE_BITS.speeding) acc[RULE_SLOT.speeding!]! += 1;
  if (fired & CAR_RULE_BITS.high_rpm) acc[RULE_SLOT.high_rpm!]! += 1;
  if (fired & CAR_RULE_BITS.wrong_gear) acc[RULE_SLOT.wrong_gear!]! += 1;
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
 * `seenCache` (a warm environment's, optional) spares decoding the state's seen set when it holds
 * the set this shard's previous call returned; the result is the same with or without it.
 *
 * One invocation's advance of the windows, fed one car_sensor reading at a time as the handler
 * decodes it, so nothing per record outlives the record: no event objects, input list or rule
 * names held for the whole batch. The previous state is left untouched (a failed invocation is
 * retried with it).
 *
 * @example
 *   const advance = new WindowAdvance(previous, dimensions, config, seenCache);
 *   advance.add(event.event_id, event.ts, event.car_id, event.speed, event.rpm, carRulesFired(…));
 *   const { rows, late, state } = advance.finish(partId, flush);
 */
export class WindowAdvance {
  private readonly state: WindowState;
  private readonly late: LateRecord[] = [];
  private readonly capacity: number;
  private readonly shardKey: string;
  /** Taken (or decoded) at the first record: a call without records keeps the state's string as it is. */
  private seen: SeenEventIds | undefined;
  private duplicates = 0;
  /**
   * Per call, not per record: the bucket keys of each car, the bucket of the current window, and
   * each car's two accumulators in it (the bucket is this call's own copy, so they are too).
   */
  private readonly keysOfCar = new Map<number, readonly [string, string]>();
  private readonly accumulatorsOfCar = new Map<number, readonly [Accumulator, Accumulator]>();
  private currentStart = Number.NaN;
  /**
   * The state's watermark while records are added, written to the state by finish(): a field of
   * this class holds the number in place, where each new watermark stored in the state object (a
   * plain object) was a new heap number, one per record in event-time order.
   */
  private watermark: number;
  private currentBucket: Record<string, Accumulator> = {};

  constructor(
    private readonly previous: WindowState,
    private readonly dimensions: DimensionIndex,
    private readonly config: WindowConfig,
    private readonly seenCache?: SeenEventIdsCache,
  ) {
    this.state = {
      ...(previous.shard === undefined ? {} : { shard: previous.shard }),
      watermark: previous.watermark,
      // Copied bucket by bucket before a bucket changes (openBucket): a failed invocation must leave
      // the previous state untouched for the retry.
      open: { ...previous.open },
      late: previous.late,
      closed: previous.closed,
      duplicates: previous.duplicates ?? 0,
      unchecked: previous.unchecked ?? 0,
      ...(previous.seen === undefined ? {} : { seen: previous.seen }),
    };
    this.capacity = config.seenCapacity ?? SEEN_CAPACITY;
    this.watermark = previous.watermark;
    this.shardKey = previous.shard ?? '';
  }

  /** Adds one car_sensor reading (`ts` in epoch ms, `fired` the CAR_RULE_BITS of the rules it fired). */
  add(eventId: string, ts: number, carId: number, speed: number, rpm: number, fired: number): void {
    const state = this.state;
    const config = this.config;
    if (this.seen === undefined) {
      this.seen = this.seenCache
        ? this.seenCache.take(this.shardKey, this.previous.seen)
        : SeenEventIds.decode(this.previous.seen);
    }
    // A producer's duplicate (an id aggregated before in this Lambda window) is counted once.
    const outcome = this.seen.addIdIfAbsent(eventId, this.capacity);
    if (outcome === 'seen') {
      this.duplicates++;
      return;
    }
    if (outcome === 'full') state.unchecked!++;
    const windowStart = Math.floor(ts / config.windowMs) * config.windowMs;
    if (windowStart + config.windowMs + config.allowedLatenessMs <= this.watermark && !state.open[windowStart]) {
      state.late++;
      this.late.push({ event_id: eventId, car_id: carId, ts, window_start: windowStart, watermark: this.watermark });
      return;
    }
    if (ts > this.watermark) this.watermark = ts;
    if (windowStart !== this.currentStart) {
      this.currentBucket = openBucket(state.open, this.previous.open, String(windowStart));
      this.currentStart = windowStart;
      this.accumulatorsOfCar.clear();
    }
    let accumulators = this.accumulatorsOfCar.get(carId);
    if (accumulators === undefined) {
      const keys = this.keysOf(carId);
      accumulators = [accumulatorOf(this.currentBucket, keys[0]), accumulatorOf(this.currentBucket, keys[1])];
      this.accumulatorsOfCar.set(carId, accumulators);
    }
    accumulate(accumulators[0], speed, rpm, fired);
    accumulate(accumulators[1], speed, rpm, fired);
  }

  /** The bucket keys of a car's colour and model. */
  private keysOf(carId: number): readonly [string, string] {
    let keys = this.keysOfCar.get(carId);
    if (!keys) {
      const car = this.dimensions.get(carId);
      keys = [`color:${car ? car.color : 'unknown'}`, `model:${car ? car.model : 'unknown'}`];
      this.keysOfCar.set(carId, keys);
    }
    return keys;
  }

  /** Closes the windows the watermark passed (all of them when `flush`) and returns the step. */
  finish(partId: string, flush: boolean): WindowStep {
    const { state, config, seen } = this;
    const rows: WindowAggregateRow[] = [];
    state.watermark = this.watermark;
    for (const [key, bucket] of Object.entries(state.open)) {
      const windowStart = Number(key);
      const closes = windowStart + config.windowMs + config.allowedLatenessMs <= state.watermark;
      if (!closes && !flush) continue;
      rows.push(...toRows(windowStart, bucket, config, partId, closes));
      if (closes) state.closed++;
      delete state.open[key];
    }
    rows.sort((a, b) => a.window_start - b.window_start || a.window_id.localeCompare(b.window_id));
    if (seen) {
      state.seen = seen.encode();
      // Kept after a flush too: the next Lambda window starts with no seen set, and the cache hands
      // it this one emptied, at the size the window reached (SeenEventIdsCache.take).
      if (this.seenCache) this.seenCache.keep(this.shardKey, state.seen, seen);
    }
    state.duplicates! += this.duplicates;
    return { rows, late: this.late, duplicates: this.duplicates, state };
  }
}
