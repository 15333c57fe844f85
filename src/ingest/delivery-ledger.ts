/** Compares two Kinesis sequence numbers (decimal strings of up to 128 bits) numerically. */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What this (warm) function has already delivered, so at-least-once redelivery does not double
 * any effect:
 * - per shard, the highest sequence number whose effects reached every sink: a redelivered record
 *   at or below it is skipped whole;
 * - per record after a partial failure, which sinks already took it (a bit per sink), so the retry
 *   writes only to the others;
 * - the event ids accepted recently (between capacity/2 and capacity of them), so a producer's duplicate is
 *   counted as a duplicate instead of being written again.
 * State lives in memory: a cold start forgets it, and downstream stores keyed by event_id
 * (OpenSearch `_id`, lake compaction) absorb what a cold start lets through.
 */
export class DeliveryLedger {
  private readonly committed = new Map<string, string>();
  private readonly partial = new Map<string, number>();
  // Accepted ids in two generations: when the young one is full the old one is dropped whole, so
  // the memory stays bounded at `capacity` without evicting ids one by one.
  private young = new Set<string>();
  private old = new Set<string>();

  constructor(private readonly capacity = 1_000_000) {}

  /**
   * How many leading records of a batch (in sequence order, as Kinesis delivers them) were
   * already delivered: a redelivered prefix is skipped whole.
   */
  countDelivered(shardKey: string, sequenceNumbers: (i: number) => string, length: number): number {
    const upTo = this.committed.get(shardKey);
    if (upTo === undefined) return 0;
    let count = 0;
    while (count < length && compareSequenceNumbers(sequenceNumbers(count), upTo) <= 0) count++;
    return count;
  }

  /** Bit mask of the sinks that already took the record at (shard, sequence) in an earlier, partly failed attempt. */
  sinksDone(shardKey: string, sequenceNumber: string): number {
    return this.partial.size === 0 ? 0 : (this.partial.get(`${shardKey}|${sequenceNumber}`) ?? 0);
  }

  /** Records that `sinkBit` took the record at (shard, sequence), which will be delivered again. */
  markSinkDone(shardKey: string, sequenceNumber: string, sinkBit: number): void {
    const key = `${shardKey}|${sequenceNumber}`;
    this.partial.set(key, (this.partial.get(key) ?? 0) | sinkBit);
  }

  /**
   * Claims `eventId` for the record being processed: false when an earlier record (in this batch
   * or before) already claimed it, i.e. this one is a duplicate. One hash lookup on the hot path;
   * claims of records that end up undelivered are released by `release`.
   */
  claim(eventId: string): boolean {
    if (this.old.size > 0 && this.old.has(eventId)) return false;
    const before = this.young.size;
    this.young.add(eventId);
    return this.young.size !== before;
  }

  /** Releases claims of records that were not delivered and will come back. */
  release(eventIds: readonly string[]): void {
    for (const id of eventIds) this.young.delete(id);
  }

  /** Marks a shard delivered up to `sequenceNumber` and bounds the remembered event ids. */
  commit(shardKey: string, sequenceNumber: string): void {
    const current = this.committed.get(shardKey);
    if (current === undefined || compareSequenceNumbers(sequenceNumber, current) > 0) {
      this.committed.set(shardKey, sequenceNumber);
    }
    if (this.partial.size > 0) this.prunePartial(shardKey, sequenceNumber);
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Set();
    }
  }

  private prunePartial(shardKey: string, sequenceNumber: string): void {
    for (const key of this.partial.keys()) {
      const [shard, sequence] = key.split('|') as [string, string];
      if (shard === shardKey && compareSequenceNumbers(sequence, sequenceNumber) <= 0) this.partial.delete(key);
    }
  }
}
