import type { ProducedRecord } from '#src/simulate/produced-record.js';
import type { Reject } from '#src/telemetry/event.js';

// Apart from the source loop so the worker threads (through chaos.ts) can read source entries
// without loading the loop's producer adapter, and with it the Kinesis SDK client, at start.

/** A source item: a record for the stream, or a line the source itself could not turn into one. */
export type SourceItem = { kind: 'record'; record: ProducedRecord } | { kind: 'reject'; reject: Reject };

/**
 * What a run reads: source items, or records as they are (a simulator's output, read without a
 * wrapper object and a generator step per record on the producing thread).
 */
export type SourceEntry = SourceItem | ProducedRecord;

/** A source entry's record, or undefined when the entry is a reject. */
export function recordOf(entry: SourceEntry): ProducedRecord | undefined {
  const kind = (entry as { kind?: SourceItem['kind'] }).kind;
  if (kind === undefined) return entry as ProducedRecord;
  return kind === 'record' ? (entry as { record: ProducedRecord }).record : undefined;
}
