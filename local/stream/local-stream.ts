import { createHash } from 'node:crypto';
import { plainConstructor } from '#src/telemetry/plain-object.js';

/**
 * A record stored on a local shard, already in the shape of the `kinesis` member of a Lambda
 * Kinesis event record, so every mapping hands the same object to its function.
 */
export interface StoredRecord {
  kinesisSchemaVersion: string;
  partitionKey: string;
  /** base64, as in the Kinesis event. */
  data: string;
  sequenceNumber: string;
  /** Seconds since the epoch, fractional. */
  approximateArrivalTimestamp: number;
}

/**
 * A StoredRecord, made by a constructor rather than a literal (plainConstructor says why): a
 * batch's records all live while it runs.
 *
 * @example const record = new StoredRecordObject(key, '4960…0001', 'eyJ0eXBlIjoi…', 1764057600.123);
 */
export const StoredRecordObject = plainConstructor(function (
  this: StoredRecord,
  partitionKey: string,
  sequenceNumber: string,
  data: string,
  approximateArrivalTimestamp: number,
) {
  this.kinesisSchemaVersion = '1.0';
  this.partitionKey = partitionKey;
  this.sequenceNumber = sequenceNumber;
  this.data = data;
  this.approximateArrivalTimestamp = approximateArrivalTimestamp;
});

/** One shard: its hash key range and the records not yet trimmed. */
export interface LocalShard {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
  /** Position (count of records ever put) of the first record kept. */
  base: number;
  /** The records kept, column by column (see ShardLog). */
  log: ShardLog;
}

/**
 * A shard's records column by column. A record put with its bytes (PutRecords) keeps them in one
 * growing byte slab per shard, copied in once: its base64 (the event's `data`) is made only when a
 * consumer reads it in process, and the worker threads are handed a drain's bytes in one copy
 * instead of a base64 string per record (local/esm/mapping-thread.ts). A record stored as base64
 * (a real shard's, or a test's) keeps that text as its data.
 */
export interface ShardLog {
  partitionKeys: string[];
  /** Our sequence number's counter (see sequenceNumberOf), or a real shard's sequence number. */
  sequences: (number | string)[];
  /** Seconds since the epoch, fractional. */
  arrivals: number[];
  /** The record as a consumer reads it: set when stored as base64, made on the first read otherwise. */
  records: (StoredRecord | undefined)[];
  /** Where each record's bytes end in `bytes` (a record stored as base64 takes none). */
  ends: number[];
  bytes: Uint8Array;
  /** A Buffer over `bytes`, made when first needed: a record's base64 is read from it without a view of its own. */
  bytesView?: Buffer;
  /**
   * Whether a record stored as base64 (its bytes not in the slab) was kept since the shard was last
   * emptied: drains then travel as text.
   */
  hasTexts: boolean;
}

/**
 * A drain's records in columns: what the packer hands the worker threads. Records put as bytes
 * come as typed arrays over memory the threads share (copied out of the shard once, never per
 * thread); otherwise as text.
 */
export interface ShardColumns {
  count: number;
  partitionKeys: readonly string[];
  /** Seconds since the epoch, fractional. */
  arrivals: Float64Array;
  /** The records' bytes back to back, record i ending at `ends[i]`, and their sequence numbers' counters… */
  bytes?: Uint8Array;
  ends?: Uint32Array;
  counters?: Float64Array;
  /** …or, when some record is stored as base64, their data and sequence numbers as text. */
  data?: readonly string[];
  sequenceNumbers?: readonly string[];
}

/** A typed array of `length` elements over shared memory (posted to threads without a copy). */
function shared<T>(Type: { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, length: number): T {
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

/** Per shard, the sequence numbers' part before the counter, by the counter's width. */
const sequencePrefixes: string[][] = [];

/**
 * Our sequence number for a shard and counter. Kinesis sequence numbers are opaque, increasing per
 * shard; ours are 56 digits like the real ones: `4965`, the shard in 4 digits, the counter in 48.
 * The part before the counter's digits is kept per shard and width, so a number costs one concatenation.
 *
 * @example sequenceNumberOf(1, 42) // '49650001' + 46 zeros + '42'
 */
export function sequenceNumberOf(shardIndex: number, counter: number): string {
  const digits = String(counter);
  let prefixes = sequencePrefixes[shardIndex];
  if (!prefixes) {
    prefixes = [];
    sequencePrefixes[shardIndex] = prefixes;
  }
  let prefix = prefixes[digits.length];
  if (prefix === undefined) {
    prefix = `4965${String(shardIndex).padStart(4, '0')}${'0'.repeat(48 - digits.length)}`;
    prefixes[digits.length] = prefix;
  }
  return prefix + digits;
}

/** `log.bytes` as a Buffer (one view per slab, remade when the slab is replaced). */
function slabView(log: ShardLog): Buffer {
  const bytes = log.bytes;
  let view = log.bytesView;
  if (
    view === undefined ||
    view.buffer !== bytes.buffer ||
    view.byteOffset !== bytes.byteOffset ||
    view.length !== bytes.byteLength
  ) {
    view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    log.bytesView = view;
  }
  return view;
}

/**
 * Copies bytes into a shard's slab after its last record's, growing the slab (at least doubling)
 * when they do not fit; where they now start and end.
 */
function appendToSlab(log: ShardLog, bytes: Uint8Array): { start: number; end: number } {
  const start = log.ends.length === 0 ? 0 : log.ends[log.ends.length - 1]!;
  const end = start + bytes.byteLength;
  if (end > log.bytes.byteLength) {
    const grown = new Uint8Array(Math.max(end, log.bytes.byteLength * 2, INITIAL_SLAB_BYTES));
    grown.set(log.bytes.subarray(0, start));
    log.bytes = grown;
  }
  log.bytes.set(bytes, start);
  return { start, end };
}

function emptyLog(capacity: number): ShardLog {
  return {
    partitionKeys: [],
    sequences: [],
    arrivals: [],
    records: [],
    ends: [],
    bytes: new Uint8Array(capacity),
    hasTexts: false,
  };
}

/** A shard's slab starts at 64 KiB and doubles as records come faster than they are consumed. */
const INITIAL_SLAB_BYTES = 64 * 1024;

const HASH_SPACE = 1n << 128n;

/**
 * An in-process Kinesis stream: partition keys are MD5-hashed onto shard hash key ranges split
 * evenly over 0…2^128−1 as CreateStream does, each shard is an ordered log with increasing
 * sequence numbers, and consumers read from a position and trim what every consumer has
 * checkpointed so memory stays bounded.
 */
export class LocalStream {
  readonly shards: LocalShard[];
  private readonly shardOfKey = new Map<string, number>();
  private counter = 0;
  private readonly keepReadRecords: boolean;

  /**
   * @param shardCount shards split evenly over the hash key space, as CreateStream does
   * @param shardRanges instead: the shards of a real stream (ListShards), whose records this stream buffers
   * @param options.keepReadRecords keep a record made from its bytes once read, until it is trimmed
   *   (default): right where several mappings read the same shard, as on the main thread. A worker's
   *   copy, read by one mapping, lets each batch's records go once delivered, so they die young
   *   instead of living through the drain into the old generation.
   */
  constructor(
    readonly name: string,
    shardCount: number,
    shardRanges?: readonly { shardId: string; startingHashKey: bigint; endingHashKey: bigint }[],
    options: { keepReadRecords?: boolean } = {},
  ) {
    this.keepReadRecords = options.keepReadRecords ?? true;
    if (shardRanges) {
      this.shards = shardRanges.map((range) => ({ ...range, base: 0, log: emptyLog(0) }));
      return;
    }
    if (!Number.isInteger(shardCount) || shardCount < 1)
      throw new Error(`shard count must be a positive integer, got ${shardCount}`);
    const count = BigInt(shardCount);
    this.shards = Array.from({ length: shardCount }, (_, i) => {
      const start = (HASH_SPACE * BigInt(i)) / count;
      const end = (HASH_SPACE * BigInt(i + 1)) / count - 1n;
      return {
        shardId: `shardId-${String(i).padStart(12, '0')}`,
        startingHashKey: start,
        endingHashKey: end,
        base: 0,
        log: emptyLog(INITIAL_SLAB_BYTES),
      };
    });
  }

  /** The index of the shard a partition key maps to (MD5 as a 128-bit big-endian integer). */
  shardIndexFor(partitionKey: string): number {
    let index = this.shardOfKey.get(partitionKey);
    if (index === undefined) {
      index = this.shardIndexForHash(BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`));
      if (this.shardOfKey.size < 100_000) this.shardOfKey.set(partitionKey, index);
    }
    return index;
  }

  /** The index of the shard whose hash key range holds a 128-bit hash key. */
  shardIndexForHash(hash: bigint): number {
    return this.shards.findIndex((shard) => hash >= shard.startingHashKey && hash <= shard.endingHashKey);
  }

  /**
   * Appends a record (data as base64) and returns where it went: the shard of its explicit hash key
   * (a decimal 128-bit integer, which overrides the partition key as in PutRecords) or of its partition key.
   */
  put(
    partitionKey: string,
    data: string,
    arrivalMs: number,
    explicitHashKey?: string,
  ): { shardIndex: number; sequenceNumber: string } {
    const shardIndex =
      explicitHashKey === undefined
        ? this.shardIndexFor(partitionKey)
        : this.shardIndexForHash(BigInt(explicitHashKey));
    const sequenceNumber = sequenceNumberOf(shardIndex, ++this.counter);
    this.append(shardIndex, new StoredRecordObject(partitionKey, sequenceNumber, data, arrivalMs / 1000));
    return { shardIndex, sequenceNumber };
  }

  /**
   * Appends a record's bytes to a shard (PutRecords picked the shard) and returns its sequence
   * number. The bytes are copied, so the caller may reuse them; their base64 is made when read.
   */
  putBytes(shardIndex: number, partitionKey: string, bytes: Uint8Array, arrivalMs: number): string {
    const log = this.shards[shardIndex]!.log;
    const { end } = appendToSlab(log, bytes);
    const counter = ++this.counter;
    log.partitionKeys.push(partitionKey);
    log.sequences.push(counter);
    log.arrivals.push(arrivalMs / 1000);
    log.records.push(undefined);
    log.ends.push(end);
    return sequenceNumberOf(shardIndex, counter);
  }

  /**
   * Appends records another thread's stream handed over as bytes (a drain: mapping-thread.ts), with
   * their sequence numbers' counters and arrival times (seconds): the bytes are copied into the slab
   * in one piece, and each record's base64 and sequence number are made when it is read.
   */
  appendBytes(
    shardIndex: number,
    records: {
      bytes: Uint8Array;
      /** Where record i's bytes end in `bytes`. */
      ends: Uint32Array;
      counters: Float64Array;
      partitionKeys: readonly string[];
      arrivals: Float64Array;
    },
  ): void {
    const log = this.shards[shardIndex]!.log;
    const { start } = appendToSlab(log, records.bytes);
    for (let i = 0; i < records.partitionKeys.length; i++) {
      log.partitionKeys.push(records.partitionKeys[i]!);
      log.sequences.push(records.counters[i]!);
      log.arrivals.push(records.arrivals[i]!);
      log.records.push(undefined);
      log.ends.push(start + records.ends[i]!);
    }
  }

  /** Appends a record read from a real shard (sequence number and arrival time are Kinesis's own). */
  append(shardIndex: number, record: StoredRecord): void {
    const log = this.shards[shardIndex]!.log;
    log.partitionKeys.push(record.partitionKey);
    log.sequences.push(record.sequenceNumber);
    log.arrivals.push(record.approximateArrivalTimestamp);
    log.records.push(record);
    log.ends.push(log.ends.length === 0 ? 0 : log.ends[log.ends.length - 1]!);
    log.hasTexts = true;
  }

  /** Position one past the newest record of a shard. */
  end(shardIndex: number): number {
    const shard = this.shards[shardIndex]!;
    return shard.base + shard.log.records.length;
  }

  /** The arrival time (seconds since the epoch) of the record at a position not yet trimmed. */
  arrivalAt(shardIndex: number, position: number): number {
    const shard = this.shards[shardIndex]!;
    return shard.log.arrivals[this.offsetOf(shard, position)]!;
  }

  /** The partition key of the record at a position not yet trimmed. */
  partitionKeyAt(shardIndex: number, position: number): string {
    const shard = this.shards[shardIndex]!;
    return shard.log.partitionKeys[this.offsetOf(shard, position)]!;
  }

  /** The length of the base64 `data` the record at a position has when read, without making it. */
  dataLengthAt(shardIndex: number, position: number): number {
    const shard = this.shards[shardIndex]!;
    const i = this.offsetOf(shard, position);
    const log = shard.log;
    const stored = log.records[i];
    if (stored !== undefined) return stored.data.length;
    const bytes = log.ends[i]! - (i === 0 ? 0 : log.ends[i - 1]!);
    return 4 * Math.ceil(bytes / 3);
  }

  /** The record at a position not yet trimmed, as a consumer reads it. */
  recordAt(shardIndex: number, position: number): StoredRecord {
    const shard = this.shards[shardIndex]!;
    const i = this.offsetOf(shard, position);
    const log = shard.log;
    const stored = log.records[i];
    if (stored !== undefined) return stored;
    const start = i === 0 ? 0 : log.ends[i - 1]!;
    const record = new StoredRecordObject(
      log.partitionKeys[i]!,
      sequenceNumberOf(shardIndex, log.sequences[i] as number),
      slabView(log).toString('base64', start, log.ends[i]!),
      log.arrivals[i]!,
    );
    if (this.keepReadRecords) log.records[i] = record;
    return record;
  }

  /** Up to `limit` records of a shard from a position. */
  read(shardIndex: number, position: number, limit: number): StoredRecord[] {
    this.offsetOf(this.shards[shardIndex]!, position);
    const to = Math.min(position + limit, this.end(shardIndex));
    const records = new Array<StoredRecord>(Math.max(0, to - position));
    for (let p = position; p < to; p++) records[p - position] = this.recordAt(shardIndex, p);
    return records;
  }

  /**
   * A shard's records from a position to its end, in columns: records put as bytes with those
   * bytes copied out in one piece, into memory the worker threads share.
   */
  readColumns(shardIndex: number, position: number): ShardColumns {
    const shard = this.shards[shardIndex]!;
    const from = this.offsetOf(shard, position);
    const log = shard.log;
    const to = log.records.length;
    const count = to - from;
    const partitionKeys = log.partitionKeys.slice(from, to);
    const arrivals = shared(Float64Array, count);
    for (let i = from; i < to; i++) arrivals[i - from] = log.arrivals[i]!;
    if (log.hasTexts) {
      const records = this.read(shardIndex, position, count);
      const data = records.map((record) => record.data);
      return { count, partitionKeys, arrivals, data, sequenceNumbers: records.map((record) => record.sequenceNumber) };
    }
    const start = from === 0 ? 0 : log.ends[from - 1]!;
    const ends = shared(Uint32Array, count);
    const counters = shared(Float64Array, count);
    for (let i = from; i < to; i++) {
      ends[i - from] = log.ends[i]! - start;
      counters[i - from] = log.sequences[i] as number;
    }
    const end = count === 0 ? start : log.ends[to - 1]!;
    const bytes = shared(Uint8Array, end - start);
    bytes.set(log.bytes.subarray(start, end));
    return { count, partitionKeys, arrivals, bytes, ends, counters };
  }

  private offsetOf(shard: LocalShard, position: number): number {
    const from = position - shard.base;
    if (from < 0) throw new Error(`${shard.shardId}: position ${position} was trimmed`);
    return from;
  }

  /** Drops records before `position` (every consumer has checkpointed past them). */
  trim(shardIndex: number, position: number): void {
    const shard = this.shards[shardIndex]!;
    const drop = position - shard.base;
    if (drop <= 0) return;
    const log = shard.log;
    shard.base = position;
    if (drop >= log.records.length) {
      // Everything consumed (the usual case): the slab is reused from its start.
      shard.log = { ...emptyLog(0), bytes: log.bytes };
      return;
    }
    const cut = log.ends[drop - 1]!;
    const end = log.ends[log.ends.length - 1]!;
    log.bytes.copyWithin(0, cut, end);
    shard.log = {
      partitionKeys: log.partitionKeys.slice(drop),
      sequences: log.sequences.slice(drop),
      arrivals: log.arrivals.slice(drop),
      records: log.records.slice(drop),
      ends: log.ends.slice(drop).map((e) => e - cut),
      bytes: log.bytes,
      hasTexts: log.hasTexts,
    };
  }
}
