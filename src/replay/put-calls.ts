import type { ProducedRecord } from '../simulate/produced-record.js';

/** One record as PutRecords takes it: its partition key and its bytes. */
export interface PutEntry {
  partitionKey: string;
  data: Uint8Array;
}

/** One PutRecords call's entries and their size (data plus partition keys, as Kinesis counts it). */
export interface PutCall {
  entries: PutEntry[];
  bytes: number;
}

/**
 * A replay's calls hold at most 500 records and 1 MiB: one second of one shard's write budget at
 * most (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html), so the
 * budget can always admit a call whole.
 */
const CALL_RECORDS = 500;
const CALL_BYTES = 1024 * 1024;

/**
 * Groups records into PutRecords calls of at most 500 records and 1 MiB, in order.
 *
 * @example for (const call of planPutCalls(records)) { await budget.take(call.entries.length, call.bytes); await put(call.entries); }
 */
export function* planPutCalls(records: Iterable<ProducedRecord>): Generator<PutCall> {
  const encoder = new TextEncoder();
  let call: PutCall = { entries: [], bytes: 0 };
  for (const record of records) {
    const data = typeof record.data === 'string' ? encoder.encode(record.data) : record.data;
    const entry = { partitionKey: record.partitionKey, data };
    const size = entry.data.length + entry.partitionKey.length;
    if (call.entries.length === CALL_RECORDS || (call.entries.length > 0 && call.bytes + size > CALL_BYTES)) {
      yield call;
      call = { entries: [], bytes: 0 };
    }
    call.entries.push(entry);
    call.bytes += size;
  }
  if (call.entries.length > 0) yield call;
}
