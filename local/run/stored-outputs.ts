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
  /** De-aggregated Firehose records the stand-in accepted, each with its table and JSON objects. */
  lake: { table: TableName; data: Uint8Array; rows: number }[];
  /** `_bulk` request bodies, each with its index family. */
  search: { family: IndexFamilyName; body: string }[];
  /** Notifications the topic delivered to its subscriber. */
  alerts: string[];
  rejects: Reject[];
  duplicates: Duplicate[];
  /** The invocations the mapping acted on: their counts summed, and the id lines they spool. */
  commit: { counts: BatchCounts; accepted: string; alerts: string } | undefined;
}

/**
 * How many bytes of lake records and `_bulk` bodies a worker collects before it hands them over
 * mid-drain: held for a whole drain (about 3 MB unpaced), they outlive the young generation and the
 * old generation's collector pays for them (the GC threads' CPU rose in a 1M-event run).
 */
const HANDOVER_BYTES = 256 * 1024;

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

  private lake: StoredMessage['lake'] = [];
  private search: StoredMessage['search'] = [];
  private alerts: string[] = [];
  private rejects: Reject[] = [];
  private duplicates: Duplicate[] = [];
  private commit: StoredMessage['commit'];
  private transfer: ArrayBuffer[] = [];

  /** A Firehose record for the lake: copied, as the caller's bytes may be a view of a larger buffer. */
  lakeRecord(table: TableName, data: Uint8Array, rows: number): void {
    const copy = new Uint8Array(data);
    this.lake.push({ table, data: copy, rows });
    this.transfer.push(copy.buffer as ArrayBuffer);
    this.grew(copy.byteLength);
  }

  searchBody(family: IndexFamilyName, body: string): void {
    // Kept apart, not joined: a joined string of many bodies would be a large object, which V8
    // allocates in its old generation rather than the young one.
    this.search.push({ family, body });
    this.grew(body.length);
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
    if (!this.commit) {
      this.commit = { counts: addBatchCounts(emptyBatchCounts(), counts), accepted, alerts };
      return;
    }
    addBatchCounts(this.commit.counts, counts);
    this.commit.accepted += accepted;
    this.commit.alerts += alerts;
  }

  /** Hands over what was stored since the last hand-over, if anything was. */
  flush(): void {
    const empty =
      this.lake.length === 0 &&
      this.search.length === 0 &&
      this.alerts.length === 0 &&
      this.rejects.length === 0 &&
      this.duplicates.length === 0 &&
      !this.commit;
    if (empty) return;
    const message: StoredMessage = {
      kind: 'stored',
      lake: this.lake,
      search: this.search,
      alerts: this.alerts,
      rejects: this.rejects,
      duplicates: this.duplicates,
      commit: this.commit,
    };
    const transfer = this.transfer;
    this.lake = [];
    this.search = [];
    this.alerts = [];
    this.rejects = [];
    this.duplicates = [];
    this.commit = undefined;
    this.transfer = [];
    this.bytes = 0;
    this.post(message, transfer);
  }
}
