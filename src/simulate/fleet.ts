import { Buffer } from 'node:buffer';
import type { Car } from '../enrich/dimensions.js';
import { expectedGears } from '../rules/gear-table.js';
import { decimalText } from './decimal-text.js';
import type { ProducedRecord } from './produced-record.js';
import { createRandom } from './random.js';
import { type Route, RouteCursor, UK_MOTORWAYS } from './routes.js';

/** Options of simulateFleet. */
export interface FleetOptions {
  cars: readonly Car[];
  seed: number;
  /** Event time of the first reading, epoch ms. */
  startMs: number;
  /** Stop after this many readings (all cars together)… */
  events?: number;
  /** …or after this many simulated seconds. */
  durationSeconds?: number;
  /** Inject speeding, high-rpm and wrong-gear episodes (default true). */
  anomalies?: boolean;
  /** The roads the cars drive, one per car in turn (default UK_MOTORWAYS). */
  routes?: readonly Route[];
  /**
   * Live: stamp each reading's `ts` and arrival with this clock (epoch ms) as it is made, instead of
   * `startMs` plus one second per round, so a paced run's event time is its production time.
   * Event ids stay those of the round (`car-<id>-<startMs + round s>`), unique whatever the clock.
   */
  now?: () => number;
}

interface CarState {
  carId: number;
  speed: number;
  target: number;
  /** Seconds left of an anomaly episode, and which. */
  episode: number;
  kind: 'none' | 'speeding' | 'high_rpm' | 'wrong_gear';
  road: RouteCursor;
  /** The car's partition key, and the bytes of its readings before the round and after it (made once). */
  key: string;
  head: Uint8Array;
  carField: Uint8Array;
}

/** A reading as bytes: its data is a view of a buffer the simulator writes the next reading into. */
export type FleetReading = ProducedRecord & { data: Uint8Array };

/** ASCII text (all a reading holds) as bytes. */
const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** The digit 0 in ASCII. */
const ZERO = 0x30;
/**
 * More than a reading can take: its fixed text (~120 bytes), two ids and a timestamp (~60), and
 * numbers of at most 17 characters each.
 */
const MAX_READING_BYTES = 1024;

/**
 * Writes a reading straight into bytes, into one buffer used again for the next reading: no string
 * per reading, which a run then turned into its UTF-8 bytes for PutRecords (`Buffer.from` of a
 * concatenation of ~15 pieces, about a fifth of what the main thread allocated), and no buffer per
 * reading either (buffers live outside V8's heap, and each 64 MB of them allocated made the main
 * thread's V8 mark its whole heap). Numbers are below 2^31, so their digits come from int32 arithmetic.
 */
class ReadingWriter {
  private readonly buffer = new Uint8Array(MAX_READING_BYTES);
  private at = 0;

  begin(): void {
    this.at = 0;
  }

  bytes(piece: Uint8Array): void {
    this.buffer.set(piece, this.at);
    this.at += piece.length;
  }

  /** ASCII text (a live reading's time). */
  text(piece: string): void {
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < piece.length; i++) buffer[at++] = piece.charCodeAt(i);
    this.at = at;
  }

  /** `String(value)` of an integer 0 ≤ value < 2^31, as bytes. */
  integer(value: number): void {
    let digits = 1;
    for (let rest = value | 0; rest >= 10; rest = (rest / 10) | 0) digits++;
    const buffer = this.buffer;
    let at = this.at + digits;
    this.at = at;
    let rest = value | 0;
    do {
      const next = (rest / 10) | 0;
      buffer[--at] = ZERO + rest - next * 10;
      rest = next;
    } while (rest > 0);
  }

  /** `decimalText(scaled, decimals)` as bytes, for |scaled| < 2^31 (decimal-text.ts says why the text is String's). */
  decimal(scaled: number, decimals: 1 | 6): void {
    let magnitude = scaled | 0;
    if (magnitude < 0) {
      this.buffer[this.at++] = 0x2d; // '-'
      magnitude = -magnitude;
    }
    const unit = decimals === 6 ? 1_000_000 : 10;
    const whole = (magnitude / unit) | 0;
    let fraction = magnitude - whole * unit;
    this.integer(whole);
    if (fraction === 0) return;
    let width = decimals;
    while (fraction % 10 === 0) {
      fraction = (fraction / 10) | 0;
      width--;
    }
    this.buffer[this.at++] = 0x2e; // '.'
    for (let limit = POWERS_OF_TEN[width - 1]!; fraction < limit; limit = (limit / 10) | 0)
      this.buffer[this.at++] = ZERO;
    this.integer(fraction);
  }

  /** The reading written since begin(), a view of the buffer: valid until the next begin(). */
  end(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }
}

const POWERS_OF_TEN = [1, 10, 100, 1000, 10_000, 100_000];
const RPM_FIELD = ascii(',"rpm":');
const GEAR_FIELD = ascii(',"gear":');
const LAT_FIELD = ascii(',"location":{"lat":');
const LON_FIELD = ascii(',"lon":');
const CLOSE = ascii('}}');

const IDLE_RPM = 800;
/** rpm per km/h in each gear (a plausible 6-speed box). */
const RPM_PER_KMH = [0, 110, 65, 45, 35, 28, 24];

/** Speeds as JSON text by tenths of km/h (0 to 200 km/h), made once each: a reading takes one. */
const speedTexts: Uint8Array[] = [];

function speedText(tenths: number): Uint8Array {
  let text = speedTexts[tenths];
  if (text === undefined) {
    text = ascii(decimalText(tenths, 1));
    speedTexts[tenths] = text;
  }
  return text;
}

/** Fixed-width ISO-8601 for an epoch-ms instant, cheaper than a Date per event on the hot path. */
function isoSeconds(ms: number, cache: { second: number; prefix: string }): string {
  const second = Math.floor(ms / 1000);
  if (second !== cache.second) {
    cache.second = second;
    cache.prefix = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${cache.prefix}.${String(ms % 1000).padStart(3, '0')}Z`;
}

/** First id of the cars growFleet adds: 7 digits, as car ids are, above the seed fleet's. */
const GROWN_CAR_ID = 9_000_000;

/**
 * The seed cars, then more up to `count`: ids from 9,000,000 on (not in the dimension tables, so
 * ingest accepts their readings unenriched), models and colours of the seed cars in turn. A fleet
 * fast enough to need more than 1,000 records/s on one shard needs more partition keys than 20:
 * Kinesis takes at most 1,000 records/s per shard, and a car's readings share its shard.
 *
 * @example simulateFleet({ cars: growFleet(cars, 10_000), seed, startMs })
 */
export function growFleet(cars: readonly Car[], count: number): Car[] {
  const fleet = cars.slice(0, count);
  for (let i = fleet.length; i < count; i++) {
    const like = cars[i % cars.length]!;
    fleet.push({ ...like, car_id: GROWN_CAR_ID + i, driver_id: GROWN_CAR_ID + i });
  }
  return fleet;
}

/**
 * simulateFleet's readings with their text as a string, for readers that want text.
 *
 * @example for (const record of simulateFleet({ cars, seed: 42, startMs, events: 1000 })) stream.put(record);
 */
export function* simulateFleet(options: FleetOptions): Generator<ProducedRecord & { data: string }> {
  for (const reading of simulateFleetBytes(options))
    yield {
      partitionKey: reading.partitionKey,
      arrivalMs: reading.arrivalMs,
      data: Buffer.from(reading.data.buffer, reading.data.byteOffset, reading.data.byteLength).toString('latin1'),
    };
}

/**
 * The seed fleet: one car_sensor reading per car per second, in event-time order. Each car drives a
 * random walk between standstill and motorway speed with bounded acceleration, shifting as the gear
 * table says; anomaly episodes (a few percent of car-seconds) make every car rule fire. Each car
 * drives one of `routes` at its reported speed and reports where it is (`location`). Deterministic
 * for a seed: no clock, no Math.random. Routes are placed from a random sequence of their own, so
 * speeds, gears and alerts are the same as before cars had positions.
 *
 * Each reading's JSON is written as bytes (ASCII), what PutRecords sends, into one buffer, and
 * handed out in one reading object: a reading and its `data` hold until the next reading is asked
 * for; copy what you keep. No generator: a generator made an object per step besides the reading.
 *
 * @example for (const record of simulateFleetBytes({ cars, seed: 42, startMs, events: 1000 })) call.copy(record.data);
 */
export function simulateFleetBytes(options: FleetOptions): IterableIterator<FleetReading> {
  const random = createRandom(options.seed);
  const placement = createRandom(options.seed ^ 0x5bd1e995);
  const routes = options.routes ?? UK_MOTORWAYS;
  const anomalies = options.anomalies ?? true;
  const cars: CarState[] = options.cars.map((car, i) => ({
    carId: car.car_id,
    speed: Math.floor(random() * 100),
    target: 30 + random() * 90,
    episode: 0,
    kind: 'none',
    road: new RouteCursor(routes[i % routes.length]!, placement(), placement() < 0.5),
    key: String(car.car_id),
    head: ascii(`{"type":"car_sensor","event_id":"car-${car.car_id}-`),
    carField: ascii(`${car.car_id},"speed":`),
  }));
  const writer = new ReadingWriter();
  const limit = options.events ?? Number.POSITIVE_INFINITY;
  const seconds = options.durationSeconds ?? Number.POSITIVE_INFINITY;
  const clock = { second: -1, prefix: '' };
  const live = { second: -1, prefix: '' };
  let produced = 0;
  let second = -1;
  let index = cars.length;
  let ms = 0;
  let round = CLOSE;
  // One reading and one iterator result, handed out again for every reading (see above).
  const reading: FleetReading = { partitionKey: '', arrivalMs: 0, data: CLOSE };
  const next: IteratorYieldResult<FleetReading> = { done: false, value: reading };
  const finished: IteratorReturnResult<undefined> = { done: true, value: undefined };
  const readings: IterableIterator<FleetReading> = {
    [Symbol.iterator]: () => readings,
    next: (): IteratorResult<FleetReading> => {
      if (index === cars.length) {
        if (cars.length === 0 || second + 1 >= seconds) return finished;
        second++;
        index = 0;
        ms = options.startMs + second * 1000;
        // What every car's reading of the round shares, from the event id's time to the car_id field's name.
        round = ascii(`${ms}","ts":"${isoSeconds(ms, clock)}","car_id":`);
      }
      if (produced >= limit) return finished;
      const car = cars[index++]!;
      if (random() < 0.02) car.target = random() < 0.1 ? 0 : 20 + random() * 100;
      if (anomalies && car.episode === 0 && random() < 0.003) {
        const pick = random();
        car.kind = pick < 0.4 ? 'speeding' : pick < 0.7 ? 'high_rpm' : 'wrong_gear';
        car.episode = 5 + Math.floor(random() * 20);
      }
      const target = car.kind === 'speeding' ? 125 + random() * 40 : car.target;
      const step = Math.max(-8, Math.min(4, target - car.speed));
      car.speed = Math.max(0, Math.min(200, car.speed + step + (random() - 0.5)));
      const tenths = Math.round(car.speed * 10);
      const speed = tenths / 10;
      const gears = expectedGears(speed);
      let gear = gears[gears.length - 1]!;
      if (car.kind === 'wrong_gear') gear = gear > 2 ? gear - 2 : gear + 2;
      let rpm = gear === 0 ? IDLE_RPM : Math.round(IDLE_RPM + speed * (RPM_PER_KMH[gear] ?? 24) + random() * 150);
      if (car.kind === 'high_rpm') rpm = 6100 + Math.floor(random() * 1500);
      if (car.episode > 0 && --car.episode === 0) car.kind = 'none';
      const road = car.road;
      road.move(speed / 3600);
      produced++;
      const madeAt = options.now?.() ?? ms;
      writer.begin();
      writer.bytes(car.head);
      if (options.now) writer.text(`${ms}","ts":"${isoSeconds(madeAt, live)}","car_id":`);
      else writer.bytes(round);
      writer.bytes(car.carField);
      writer.bytes(speedText(tenths));
      writer.bytes(RPM_FIELD);
      writer.integer(rpm);
      writer.bytes(GEAR_FIELD);
      writer.integer(gear);
      // Degrees to 6 decimals (about 0.1 m), the precision of a GPS fix.
      writer.bytes(LAT_FIELD);
      writer.decimal(Math.round(road.lat * 1e6), 6);
      writer.bytes(LON_FIELD);
      writer.decimal(Math.round(road.lon * 1e6), 6);
      writer.bytes(CLOSE);
      reading.partitionKey = car.key;
      reading.arrivalMs = madeAt;
      reading.data = writer.end();
      return next;
    },
  };
  return readings;
}
