import type { PutRecordsResult } from '#src/adapters/aws/kinesis-producer.js';
import { type PutEntry, planPutCalls } from '#src/replay/put-calls.js';
import { replayObject } from '#src/replay/replay-object.js';
import type { Sink } from '#src/sinks/sink.js';
import type { Reject } from '#src/telemetry/event.js';

/** What the replay function needs: where objects come from and where records go. */
export interface ReplayDeps {
  readObject(bucket: string, key: string): Promise<string>;
  put(entries: PutEntry[]): Promise<PutRecordsResult>;
  /** The shards' write budget (src/replay/shard-budget.ts). */
  budget: { take(records: number, bytes: number): Promise<void> };
  rejects: Sink<Reject>;
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
 * written as rejects with their position, and a summary out.
 *
 * @example const handler = createReplayHandler(deps); await handler({ bucket, key });
 */
export function createReplayHandler(deps: ReplayDeps) {
  return async (event: { bucket: string; key: string }): Promise<ReplayResult> => {
    const { records, rejects, skipped } = replayObject(event.key, await deps.readObject(event.bucket, event.key));
    if (rejects.length > 0) await deps.rejects.write(rejects);
    let put = 0;
    for (const call of planPutCalls(records)) {
      await deps.budget.take(call.entries.length, call.bytes);
      put += (await deps.put(call.entries)).put;
    }
    const reasons: Record<string, number> = {};
    for (const reject of rejects) reasons[reject.reason] = (reasons[reject.reason] ?? 0) + 1;
    return {
      key: event.key,
      records: records.length,
      put,
      rejected: rejects.length,
      reasons,
      ...(skipped ? { skipped } : {}),
    };
  };
}
