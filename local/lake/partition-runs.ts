/**
 * Finds the lake partition (`dt=YYYY-MM-DD/hour=HH`) of each newline-delimited JSON object of a
 * Firehose buffer, as the stack's dynamic partitioning computes it: JQ's `strftime` of the time
 * column (epoch ms) / 1000, in UTC (resources/analytics/lake-streams.ts). The lake buffers a
 * partition's objects apart, so DuckDB converts each without partitioning them itself.
 */

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const HOUR_MS = 3_600_000;
/** 10000-01-01: past it (and before 1970) ISO strings and DuckDB's strftime differ, so DuckDB decides. */
const LAST_MS = 253_402_300_800_000;

/**
 * Calls `run(partition, start, end, objects)` for each run of consecutive objects of `data` that
 * share a partition, in order; `partition` is undefined for objects whose time column is not a
 * plain integer of epoch ms from 1970 to 9999 at the object's top level (the caller leaves those to
 * DuckDB, which computes the partition as before).
 *
 * @example new PartitionRuns('ts').forEach(bytes, (partition, start, end, objects) => …) // partition 'dt=2026-11-24/hour=08'
 */
export class PartitionRuns {
  private readonly key: Uint8Array;
  private lastHour = Number.NaN;
  private lastPartition = '';

  constructor(column: string) {
    this.key = Buffer.from(`${JSON.stringify(column)}:`, 'utf8');
  }

  forEach(
    data: Uint8Array,
    run: (partition: string | undefined, start: number, end: number, objects: number) => void,
  ): void {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let runStart = 0;
    let runPartition: string | undefined;
    let runObjects = 0;
    let start = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf(NEWLINE, start);
      end = end < 0 ? bytes.length : end + 1;
      const partition = this.partitionOf(bytes, start, end);
      if (runObjects > 0 && partition !== runPartition) {
        run(runPartition, runStart, start, runObjects);
        runStart = start;
        runObjects = 0;
      }
      runPartition = partition;
      runObjects++;
      start = end;
    }
    if (runObjects > 0) run(runPartition, runStart, bytes.length, runObjects);
  }

  /** The partition of the object in bytes [start, end), or undefined. */
  private partitionOf(bytes: Buffer, start: number, end: number): string | undefined {
    const ms = this.timeOf(bytes, start, end);
    if (ms === undefined || ms < 0 || ms >= LAST_MS) return undefined;
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== this.lastHour) {
      const iso = new Date(hour * HOUR_MS).toISOString();
      this.lastHour = hour;
      this.lastPartition = `dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
    }
    return this.lastPartition;
  }

  /**
   * The time column's integer value at the top level of the object in [start, end), or undefined:
   * one pass over the object up to the key, skipping strings. A key is a string at depth 1 followed
   * by `:`; a string value is followed by `,` or `}`, and a quote inside a string is escaped.
   */
  private timeOf(bytes: Buffer, start: number, end: number): number | undefined {
    const key = this.key;
    let depth = 0;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c === QUOTE) {
        if (depth === 1 && startsWith(bytes, i, key)) return integerAt(bytes, i + key.length);
        for (i++; i < end; i++) {
          const d = bytes[i]!;
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    }
    return undefined;
  }
}

/** Whether `bytes` holds `key` at `at`. */
function startsWith(bytes: Buffer, at: number, key: Uint8Array): boolean {
  if (at + key.length > bytes.length) return false;
  for (let k = 0; k < key.length; k++) if (bytes[at + k] !== key[k]) return false;
  return true;
}

/** A JSON integer of at most 15 digits at `at` ending the value (`,` or `}` next), or undefined. */
function integerAt(bytes: Buffer, at: number): number | undefined {
  let i = at;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let value = 0;
  const first = i;
  for (; i < bytes.length && bytes[i]! >= ZERO && bytes[i]! <= NINE; i++) value = value * 10 + (bytes[i]! - ZERO);
  const digits = i - first;
  if (digits === 0 || digits > 15 || (digits > 1 && bytes[first] === ZERO)) return undefined;
  if (bytes[i] !== 0x2c && bytes[i] !== CLOSE_BRACE) return undefined;
  return negative ? -value : value;
}
