import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { KinesisBatchInfo } from '#src/redrive/failure-record.js';
import type {
  FailureQueue,
  QueuedMessage,
  RangeRead,
  RangeReader,
  StreamRecord,
} from '#src/redrive/redrive-failures.js';
import { spoolPathOf } from '../esm/event-source-mapping.js';

/**
 * A local run's on-failure destination (`<out>/dlq/<function>.jsonl`) as a queue. Removal is
 * deferred: `commit` rewrites the file with the messages that were not removed, once the records
 * they stand for have gone through the pipeline (the local redrive removes only after its run).
 *
 * @example const queue = new LocalFailureQueue('.fleetstream/dlq/ingest.jsonl');
 */
export class LocalFailureQueue implements FailureQueue {
  private readonly lines: string[];
  private readonly removed = new Set<string>();
  private delivered = false;

  constructor(private readonly path: string) {
    this.lines = existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
      : [];
  }

  /** Messages in the file. */
  get size(): number {
    return this.lines.length;
  }

  async receive(): Promise<QueuedMessage[]> {
    if (this.delivered) return [];
    this.delivered = true;
    return this.lines.map((body, index) => ({ id: `${this.path}:${index + 1}`, body }));
  }

  async remove(message: QueuedMessage): Promise<void> {
    this.removed.add(message.id);
  }

  /** Rewrites the file without the removed messages; returns how many are left in it. */
  commit(): number {
    const kept = this.lines.filter((_, index) => !this.removed.has(`${this.path}:${index + 1}`));
    if (this.lines.length > 0) writeFileSync(this.path, kept.map((line) => `${line}\n`).join(''));
    return kept.length;
  }
}

/**
 * Re-reads failed ranges from the records a local run kept beside its on-failure destination
 * (`dlq/<function>.records.jsonl`, see spoolPathOf), the stand-in for Kinesis's retention: a
 * range whose start record is not there is expired, as a trimmed range on AWS is.
 *
 * @example const reader = new SpoolRangeReader('.fleetstream/dlq/ingest.jsonl');
 */
export class SpoolRangeReader implements RangeReader {
  private readonly byShard = new Map<string, StreamRecord[]>();
  private readonly spool: string;

  constructor(dlqPath: string) {
    this.spool = spoolPathOf(dlqPath);
    if (!existsSync(this.spool)) return;
    for (const line of readFileSync(this.spool, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const {
        shardId,
        kinesisSchemaVersion: _,
        ...record
      } = JSON.parse(line) as StreamRecord & {
        shardId: string;
        kinesisSchemaVersion?: string;
      };
      const records = this.byShard.get(shardId) ?? [];
      if (records.length === 0) this.byShard.set(shardId, records);
      records.push(record);
    }
  }

  async read(info: KinesisBatchInfo): Promise<RangeRead> {
    const start = BigInt(info.startSequenceNumber);
    const end = BigInt(info.endSequenceNumber);
    const seen = new Set<string>();
    const records = (this.byShard.get(info.shardId) ?? []).filter((record) => {
      const at = BigInt(record.sequenceNumber);
      if (at < start || at > end || seen.has(record.sequenceNumber)) return false;
      seen.add(record.sequenceNumber);
      return true;
    });
    records.sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1));
    if (
      records[0]?.sequenceNumber !== info.startSequenceNumber ||
      records.at(-1)?.sequenceNumber !== info.endSequenceNumber
    )
      return {
        kind: 'expired',
        reason: `${this.spool} holds ${records.length} records of ${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber}, not the whole range`,
      };
    return { kind: 'records', records };
  }
}
