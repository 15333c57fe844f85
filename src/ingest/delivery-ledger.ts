import { IdSet, randomSeed } from './id-set.js';

/** Compares two Kinesis sequence numbers (decimal strings of up to 128 bits) numerically. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the ledger keeps per shard: the sequence number up to which each partition key's records
 * were delivered, and the highest of all it was ever told (a key forgotten from `keys` stays
 * below it).
 */
interface CommittedShard {
  keys: Map<string, string>;
  highest: string;
}

/** Partition keys remembered per shard before the oldest half is forgotten (a map entry each). */
const KEYS_PER_SHARD = 100_000;
/** Records with partly landed effects remembered before the whole map is forgotten. */
const PARTIAL_CAPACITY = 100_000;

/**
 * What this warm container has already delivered, so a redelivery it sees does not repeat an
 * effect. It is an optimisation only: a cold or different container starts empty, and the effects
 * stay idempotent downstream (docs/delivery-semantics.md). It keeps:
 * - per shard and partition key, the sequence number of the newest record whose effects reached
 *   every sink. Kinesis keeps order per partition key, and with a parallelization factor above 1
 *   Lambda hands a shard's partition keys to several batches at once, in any order between keys
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), so a per-shard high-water
 *   mark would skip the records of one key group after another group's later records;
 * - per record after a partial failure, which sinks already took it (a bit per sink), so the retry
 *   writes only to the others;
 * - the event ids accepted recently (between capacity/2 and capacity of them), so a producer's
 *   duplicate is counted as a duplicate instead of being written again.
 */
export class DeliveryLedger {
  private readonly committed = new Map<string, CommittedShard>();
  private partial = new Map<string, number>();
  // Accepted ids in two generations: when the young one is full the old one is dropped whole, so
  // the memory stays bounded at `capacity` without evicting ids one by one. Each is an IdSet, a
  // table allocated once at its full size: growing a Set to half a million ids cost more than
  // anything else per record but parsing.
  // Both generations share one hash seed, so a claim hashes its id once for both.
  private young: IdSet;
  private old: IdSet;

  constructor(capacity = 1_000_000) {
    const seed = randomSeed();
    const generation = Math.max(1, Math.ceil(capacity / 2));
    this.young = new IdSet(generation, seed);
    // Empty until the young one first fills; then the two trade places (claim).
    this.old = new IdSet(generation, seed);
  }

  /**
   * Per partition key of a shard, the sequence number up to which its records were delivered to
   * every sink; undefined when no record of a batch that starts at `firstSequenceNumber` can be
   * among them. A shard is read sequentially from a position named by a sequence number
   * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html: AT_ and
   * AFTER_SEQUENCE_NUMBER), and Lambda processes a shard's records in order
   * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), so each batch, and each retry
   * from a failed record, holds them in ascending sequence numbers: a batch that starts past the
   * highest number committed on the shard holds no redelivery, and one comparison clears it instead
   * of one per record (with several batches of a shard in flight, a batch of one key may start
   * below another key's commits: the per-key numbers then decide).
   */
  deliveredPerKey(shardKey: string, firstSequenceNumber: string): ReadonlyMap<string, string> | undefined {
    const shard = this.committed.get(shardKey);
    if (shard === undefined || compareSequenceNumbers(firstSequenceNumber, shard.highest) > 0) return undefined;
    return shard.keys;
  }

  /** Whether any record is remembered as taken by some sinks only (then sinksDone can be non-zero). */
  hasPartlyDelivered(): boolean {
    return this.partial.size > 0;
  }

  /** Bit mask of the sinks that already took the record at (shard, position) in an earlier, partly failed attempt. */
  sinksDone(shardKey: string, position: string): number {
    return this.partial.size === 0 ? 0 : (this.partial.get(`${shardKey}|${position}`) ?? 0);
  }

  /** Records that `sinkBit` took the record at (shard, position), which will be delivered again. */
  markSinkDone(shardKey: string, position: string, sinkBit: number): void {
    if (this.partial.size >= PARTIAL_CAPACITY) this.partial = new Map();
    const key = `${shardKey}|${position}`;
    this.partial.set(key, (this.partial.get(key) ?? 0) | sinkBit);
  }

  /**
   * Claims `eventId` for the record being processed: false when an earlier record (in this batch
   * or before) already claimed it, i.e. this one is a duplicate. The id is hashed once, for both
   * generations; claims of records that end up undelivered are released by `release`.
   */
  claim(eventId: string): boolean {
    if (this.young.full) {
      const h = this.young.hash(eventId);
      if (this.old.has(eventId, h) || this.young.has(eventId, h)) return false;
      // The old generation's tables, emptied, become the new young one's.
      const emptied = this.old;
      emptied.clear();
      this.old = this.young;
      this.young = emptied;
    }
    // The id is hashed once (the generations share a seed) and copied in the same pass.
    const h = this.young.stage(eventId);
    return !this.old.has(eventId, h) && this.young.addStaged(eventId, h);
  }

  /**
   * Releases claims of records that were not delivered and will come back. A claim may have moved
   * to the old generation since (the young one filled up within the batch); each of these ids was
   * claimed by this attempt, so it was in neither generation before and may go from either.
   */
  release(eventIds: readonly string[]): void {
    for (const id of eventIds) if (!this.young.delete(id)) this.old.delete(id);
  }

  /**
   * Marks records of one shard delivered to every sink: `partitionKeys[i]` at `sequenceNumbers[i]`
   * for i < count, in the order Kinesis delivered them.
   */
  commit(
    shardKey: string,
    partitionKeys: (i: number) => string,
    sequenceNumbers: (i: number) => string,
    count: number,
  ) {
    if (count === 0) return;
    let shard = this.committed.get(shardKey);
    if (!shard) {
      shard = { keys: new Map(), highest: sequenceNumbers(0) };
      this.committed.set(shardKey, shard);
    }
    const keys = shard.keys;
    const pruning = this.partial.size > 0;
    for (let i = 0; i < count; i++) {
      const sequenceNumber = sequenceNumbers(i);
      keys.set(partitionKeys(i), sequenceNumber);
      if (pruning) this.partial.delete(`${shardKey}|${sequenceNumber}`);
    }
    // The batch is in ascending order (see deliveredPerKey): its last record is its highest.
    const last = sequenceNumbers(count - 1);
    if (compareSequenceNumbers(last, shard.highest) > 0) shard.highest = last;
    if (keys.size > KEYS_PER_SHARD) this.forgetOldestKeys(keys);
  }

  /** Forgets the half of a shard's keys first seen longest ago (a Map iterates in insertion order). */
  private forgetOldestKeys(keys: Map<string, string>): void {
    let drop = keys.size / 2;
    for (const key of keys.keys()) {
      if (drop-- <= 0) break;
      keys.delete(key);
    }
  }
}
