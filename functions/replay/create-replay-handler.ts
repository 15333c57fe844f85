import type { PutRecordsResult } from '#src/adapters/aws/kinesis-producer.js';
import { type PutEntry, planPutCalls } from '#src/replay/put-calls.js';
import { keyMatchesPrefix, type ReplayedObject, replayObject } from '#src/replay/replay-object.js';
import type { Sink } from '#src/sinks/sink.js';
import type { Reject } from '#src/telemetry/event.js';

/** What the replay function needs: where objects come from and where records go. */
export interface ReplayDeps {
  /** GetObject: the bytes and what identifies this version of the object (ETag, version id). */
  readObject(bucket: string, key: string): Promise<Omit<ReplayedObject, 'bucket' | 'key'>>;
  put(entries: PutEntry[]): Promise<PutRecordsResult>;
  /** The shards' write budget (src/replay/shard-budget.ts). */
  budget: { take(records: number, bytes: number): Promise<void> };
  rejects: Sink<Reject>;
}

/** One item of the replay state machine's Map: the object, and the prefix the user asked for. */
export interface ReplayEvent {
  bucket: string;
  key: string;
  /** When given, a key that is neither this prefix itself nor under the folder it names is skipped. */
  prefix?: string;
}

/** One replayed object, as the replay state machine's Map collects it. */
export interface ReplayResult {
  key: string;
  records: number;
  put: number;
  rejected: number;
  reasons: Record<string, number>;
  skipped?: string;
}

/**
 * Builds the replay handler: one S3 object in, its records put into the stream within the shards'
 * limits (failed entries of partial PutRecords responses retried by the producer), its bad lines
 * written as rejects with their position, and a summary out. Idempotent per object version: lines
 * without an event_id get one derived from the object's ETag and version id and their line number,
 * so a retried or repeated replay puts records ingest counts as duplicates. A key the item reader
 * listed only because it shares the prefix (`a.jsonl` for `a.json`) is skipped unread.
 *
 * @example const handler = createReplayHandler(deps); await handler({ bucket, key, prefix });
 */
export function createReplayHandler(deps: ReplayDeps) {
  return async (event: ReplayEvent): Promise<ReplayResult> => {
    const summary = { key: event.key, records: 0, put: 0, rejected: 0, reasons: {} };
    if (event.prefix !== undefined && !keyMatchesPrefix(event.key, event.prefix))
      return {
        ...summary,
        skipped: `not the key "${event.prefix}" nor under that folder (listed because S3 prefixes match any key that starts with them)`,
      };
    const object = await deps.readObject(event.bucket, event.key);
    const { records, rejects, skipped } = replayObject({ ...object, bucket: event.bucket, key: event.key });
    if (rejects.length > 0) await deps.rejects.write(rejects);
    let put = 0;
    for (const call of planPutCalls(records)) {
      await deps.budget.take(call.entries.length, call.bytes);
      put += (await deps.put(call.entries)).put;
    }
    const reasons: Record<string, number> = {};
    for (const reject of rejects) reasons[reject.reason] = (reasons[reject.reason] ?? 0) + 1;
    return {
      ...summary,
      records: records.length,
      put,
      rejected: rejects.length,
      reasons,
      ...(skipped ? { skipped } : {}),
    };
  };
}
