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
 * - the event ids accepted so far (bounded, oldest forgotten first), so a producer's duplicate is
 *   counted as a duplicate instead of being written again.
 * State lives in memory: a cold start forgets it, and downstream stores keyed by event_id
 * (OpenSearch `_id`, lake compaction) absorb what a cold start lets through.
 */
export class DeliveryLedger {
  private readonly committed = new Map<string, string>();
  private readonly partial = new Map<string, number>();
  private readonly accepted = new Set<string>();

  constructor(private readonly capacity = 1_000_000) {}

  /** True when every effect of the record at (shard, sequence) is already delivered. */
  isDelivered(shardKey: string, sequenceNumber: string): boolean {
    const upTo = this.committed.get(shardKey);
    return upTo !== undefined && compareSequenceNumbers(sequenceNumber, upTo) <= 0;
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

  /** True when `eventId` was accepted from an earlier record. */
  wasAccepted(eventId: string): boolean {
    return this.accepted.has(eventId);
  }

  /** Marks a shard delivered up to `sequenceNumber` and remembers the accepted event ids. */
  commit(shardKey: string, sequenceNumber: string, acceptedIds: readonly string[]): void {
    const current = this.committed.get(shardKey);
    if (current === undefined || compareSequenceNumbers(sequenceNumber, current) > 0) {
      this.committed.set(shardKey, sequenceNumber);
    }
    for (const key of this.partial.keys()) {
      const [shard, sequence] = key.split('|') as [string, string];
      if (shard === shardKey && compareSequenceNumbers(sequence, sequenceNumber) <= 0) this.partial.delete(key);
    }
    for (const id of acceptedIds) this.accepted.add(id);
    let excess = this.accepted.size - this.capacity;
    if (excess > 0) {
      for (const id of this.accepted) {
        this.accepted.delete(id);
        if (--excess === 0) break;
      }
    }
  }
}
