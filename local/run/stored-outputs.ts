import { Buffer } from 'node:buffer';
import { addBatchCounts, type BatchCounts, emptyBatchCounts } from '#src/ingest/process-batch.js';
import type { TableName } from '#src/schema/registry.js';
import type { IndexFamilyName } from '#src/search/index-templates.js';
import type { Duplicate, Reject } from '#src/telemetry/event.js';

/**
 * What an ingest worker stored during one drain, merged per destination, in the order it was stored
 * within each: the main thread writes it (ingest-threads.ts). Nothing depends on the order between
 * destinations (each file, the lake's buffers and the accounting are apart).
 */
export interface StoredMessage {
  kind: 'stored';
  /**
   * The de-aggregated Firehose records the stand-in accepted, back to back per table (newline-
   * delimited JSON objects), and how many objects each table's bytes hold.
   */
  lake: { table: TableName; data: Uint8Array; rows: number }[];
  /** `_bulk` request bodies as UTF-8, back to back per index family, and how many bodies each holds. */
  search: { family: IndexFamilyName; bytes: Uint8Array; bodies: number }[];
  /** Notifications the topic delivered to its subscriber. */
  alerts: string[];
  rejects: Reject[];
  duplicates: Duplicate[];
  /** The invocations the mapping acted on: their counts summed, and the id lines they spool (UTF-8). */
  commit: { counts: BatchCounts; accepted: Uint8Array; alerts: Uint8Array } | undefined;
}

/**
 * Text gathered as UTF-8 in a buffer of its own, which a message moves to the main thread without a
 * copy. Sent as strings, the main thread's structured clone made every `_bulk` body and id line again
 * in its heap (about 430 bytes an event, 16 % of what it allocated in a 1M-event run) only to turn
 * them back into bytes for its files.
 */
class TextBytes {
  private buffer: Buffer;
  private used = 0;

  constructor(capacity: number) {
    // Not from Node's shared pool: the ArrayBuffer is transferred whole.
    this.buffer = Buffer.allocUnsafeSlow(capacity);
  }

  get byteLength(): number {
    return this.used;
  }

  append(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; only near the end is the text measured.
    if (text.length * 3 > this.buffer.byteLength - this.used) this.reserve(Buffer.byteLength(text, 'utf8'));
    this.used += this.buffer.write(text, this.used, 'utf8');
  }

  /** Appends a copy of `bytes`. */
  appendBytes(bytes: Uint8Array): void {
    this.reserve(bytes.byteLength);
    this.buffer.set(bytes, this.used);
    this.used += bytes.byteLength;
  }

  /** Grows the buffer, when needed, so that `bytes` more fit. */
  private reserve(bytes: number): void {
    if (bytes <= this.buffer.byteLength - this.used) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.used + bytes, this.buffer.byteLength * 2));
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }

  /** The bytes appended, as a view of a buffer no one else holds (to transfer). */
  take(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.used);
  }
}

/**
 * How many bytes of lake records and `_bulk` bodies a worker collects before it hands them over
 * mid-drain. They sit in buffers outside V8's heap (TextBytes), so holding more costs no collection;
 * each hand-over costs both threads a message, its buffers and the main thread's writes. 256 KB made
 * about 2,700 messages in a 1M-event run; at 1 MB the main thread used about 15 % less CPU
 * (3 alternating pairs of scripts/cpu-by-thread.sh, against the unchanged aggregate thread) and the
 * run's peak RSS did not grow (docs/local-runtime.md).
 */
export const HANDOVER_BYTES = 1024 * 1024;

/**
 * Collects what an ingest worker stores and hands it over as one message when its drain ends or
 * HANDOVER_BYTES have gathered. A message per stored item (each Firehose record, `_bulk` body,
 * notification and invocation) was about 109,000 messages in a 1M-event fleet run, each cloned,
 * dispatched and written on its own.
 *
 * @example const stored = new StoredOutputs((message, transfer) => port.postMessage(message, transfer)); stored.alert(message); stored.flush();
 */
export class StoredOutputs {
  private bytes = 0;

  constructor(private readonly post: (message: StoredMessage, transfer: ArrayBuffer[]) => void) {}

  /** Per lake table, its records so far. */
  private lake = new Map<TableName, { text: TextBytes; rows: number }>();
  /** Per index family, its bodies so far. */
  private search = new Map<IndexFamilyName, { text: TextBytes; bodies: number }>();
  private alerts: string[] = [];
  private rejects: Reject[] = [];
  private duplicates: Duplicate[] = [];
  private commit: { counts: BatchCounts; accepted: TextBytes; alerts: TextBytes } | undefined;

  /**
   * A Firehose record for the lake, copied (the caller's bytes may be a view of a larger buffer)
   * after the table's earlier ones: a buffer per record, zeroed and mapped afresh for its ~100 KB,
   * cost the ingest thread more than the copy.
   */
  lakeRecord(table: TableName, data: Uint8Array, rows: number): void {
    let gathered = this.lake.get(table);
    if (!gathered) {
      gathered = { text: new TextBytes(this.capacityFor(`lake:${table}`)), rows: 0 };
      this.lake.set(table, gathered);
    }
    gathered.text.appendBytes(data);
    gathered.rows += rows;
    this.grew(data.byteLength);
  }

  searchBody(family: IndexFamilyName, body: string): void {
    // As bytes, not a joined string: a joined string of many bodies would be a large object, which V8
    // allocates in its old generation rather than the young one; the body itself dies young here.
    let gathered = this.search.get(family);
    if (!gathered) {
      gathered = { text: new TextBytes(this.capacityFor(family)), bodies: 0 };
      this.search.set(family, gathered);
    }
    gathered.text.append(body);
    gathered.bodies++;
    this.grew(body.length);
  }

  /** Bytes each destination's last hand-over held: the next buffer starts a quarter larger, and seldom grows. */
  private readonly lastBytes = new Map<string, number>();

  private capacityFor(destination: string): number {
    return Math.max(4096, Math.ceil((this.lastBytes.get(destination) ?? 0) * 1.25));
  }

  private took(destination: string, bytes: Uint8Array): Uint8Array {
    this.lastBytes.set(destination, bytes.byteLength);
    return bytes;
  }

  private grew(bytes: number): void {
    this.bytes += bytes;
    if (this.bytes >= HANDOVER_BYTES) this.flush();
  }

  alert(message: string): void {
    this.alerts.push(message);
  }

  reject(items: readonly Reject[]): void {
    for (const item of items) this.rejects.push(item);
  }

  duplicate(items: readonly Duplicate[]): void {
    for (const item of items) this.duplicates.push(item);
  }

  /** An invocation the mapping acted on: its counts and its spool lines. */
  invocation(counts: BatchCounts, accepted: string, alerts: string): void {
    if (!this.commit)
      this.commit = {
        counts: emptyBatchCounts(),
        accepted: new TextBytes(this.capacityFor('accepted')),
        alerts: new TextBytes(this.capacityFor('alerts')),
      };
    addBatchCounts(this.commit.counts, counts);
    if (accepted.length > 0) this.commit.accepted.append(accepted);
    if (alerts.length > 0) this.commit.alerts.append(alerts);
  }

  /** Hands over what was stored since the last hand-over, if anything was. */
  flush(): void {
    const empty =
      this.lake.size === 0 &&
      this.search.size === 0 &&
      this.alerts.length === 0 &&
      this.rejects.length === 0 &&
      this.duplicates.length === 0 &&
      !this.commit;
    if (empty) return;
    const transfer: ArrayBuffer[] = [];
    const lake: StoredMessage['lake'] = [];
    for (const [table, { text, rows }] of this.lake) {
      const data = this.took(`lake:${table}`, text.take());
      lake.push({ table, data, rows });
      transfer.push(data.buffer as ArrayBuffer);
    }
    const search: StoredMessage['search'] = [];
    for (const [family, { text, bodies }] of this.search) {
      const bytes = this.took(family, text.take());
      search.push({ family, bytes, bodies });
      transfer.push(bytes.buffer as ArrayBuffer);
    }
    let commit: StoredMessage['commit'];
    if (this.commit) {
      commit = {
        counts: this.commit.counts,
        accepted: this.took('accepted', this.commit.accepted.take()),
        alerts: this.took('alerts', this.commit.alerts.take()),
      };
      transfer.push(commit.accepted.buffer as ArrayBuffer, commit.alerts.buffer as ArrayBuffer);
    }
    const message: StoredMessage = {
      kind: 'stored',
      lake,
      search,
      alerts: this.alerts,
      rejects: this.rejects,
      duplicates: this.duplicates,
      commit,
    };
    this.lake = new Map();
    this.search = new Map();
    this.alerts = [];
    this.rejects = [];
    this.duplicates = [];
    this.commit = undefined;
    this.bytes = 0;
    this.post(message, transfer);
  }
}
