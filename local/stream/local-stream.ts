import { createHash } from 'node:crypto';

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

/** One shard: its hash key range and the records not yet trimmed. */
export interface LocalShard {
  shardId: string;
  startingHashKey: bigint;
  endingHashKey: bigint;
  records: StoredRecord[];
  /** Position (count of records ever put) of records[0]. */
  base: number;
}

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

  /**
   * @param shardCount shards split evenly over the hash key space, as CreateStream does
   * @param shardRanges instead: the shards of a real stream (ListShards), whose records this stream buffers
   */
  constructor(
    readonly name: string,
    shardCount: number,
    shardRanges?: readonly { shardId: string; startingHashKey: bigint; endingHashKey: bigint }[],
  ) {
    if (shardRanges) {
      this.shards = shardRanges.map((range) => ({ ...range, records: [], base: 0 }));
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
        records: [],
        base: 0,
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
    const shard = this.shards[shardIndex]!;
    // Kinesis sequence numbers are opaque, increasing per shard; ours are 56 digits like the real ones.
    const sequenceNumber = `4965${String(shardIndex).padStart(4, '0')}${String(++this.counter).padStart(48, '0')}`;
    shard.records.push({
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data,
      approximateArrivalTimestamp: arrivalMs / 1000,
    });
    return { shardIndex, sequenceNumber };
  }

  /** Appends a record read from a real shard (sequence number and arrival time are Kinesis's own). */
  append(shardIndex: number, record: StoredRecord): void {
    this.shards[shardIndex]!.records.push(record);
  }

  /** Position one past the newest record of a shard. */
  end(shardIndex: number): number {
    const shard = this.shards[shardIndex]!;
    return shard.base + shard.records.length;
  }

  /** The arrival time (seconds since the epoch) of the record at a position not yet trimmed. */
  arrivalAt(shardIndex: number, position: number): number {
    const shard = this.shards[shardIndex]!;
    return shard.records[position - shard.base]!.approximateArrivalTimestamp;
  }

  /** Up to `limit` records of a shard from a position. */
  read(shardIndex: number, position: number, limit: number): StoredRecord[] {
    const shard = this.shards[shardIndex]!;
    const from = position - shard.base;
    if (from < 0) throw new Error(`${shard.shardId}: position ${position} was trimmed`);
    return shard.records.slice(from, from + limit);
  }

  /** Drops records before `position` (every consumer has checkpointed past them). */
  trim(shardIndex: number, position: number): void {
    const shard = this.shards[shardIndex]!;
    const drop = position - shard.base;
    if (drop <= 0) return;
    shard.records = shard.records.slice(drop);
    shard.base = position;
  }
}
