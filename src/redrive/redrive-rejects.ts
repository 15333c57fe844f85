import type { ProducedRecord } from '../simulate/produced-record.js';
import type { Reject } from '../telemetry/event.js';
import { partitionKeyOf } from '../telemetry/partition-key.js';
import { rejectPayloadBytes } from '../telemetry/reject-payload.js';

/** A reject that cannot be sent again, and why. */
export interface SkippedReject {
  reject_id: string;
  reason: string;
  why: string;
}

/** The rejects chosen for a redrive, as records to put on the stream again. */
export interface RejectSelection {
  /** Rejects read. */
  read: number;
  /** Of those, the ones whose reason matched (all without a reason filter). */
  matched: number;
  records: ProducedRecord[];
  /** Matched rejects that cannot be sent again (their payload was truncated or is missing): reported, not sent. */
  skipped: SkippedReject[];
  /** Matched rejects by reason. */
  byReason: Record<string, number>;
}

/**
 * Whether a reject's reason matches `wanted`: the same reason, or one under it, so `schema` matches
 * `schema:/speed:minimum` and `schema:/speed:minimum` only itself.
 */
export function reasonMatches(reason: string, wanted: string | undefined): boolean {
  return wanted === undefined || reason === wanted || reason.startsWith(`${wanted}:`);
}

/**
 * Turns stored rejects back into records for the stream, the payload's bytes as they were sent
 * and its partition key as it came (or, for a reject the source made before the stream, the car,
 * vehicle or user id in the payload). A reject that kept only the first 1 MiB of its payload, or
 * none, is skipped and listed: sending a cut payload would only make a different reject.
 *
 * @example const { records, skipped } = selectRejects(rejects, 'schema');
 */
export function selectRejects(rejects: Iterable<Reject>, wanted?: string): RejectSelection {
  const selection: RejectSelection = { read: 0, matched: 0, records: [], skipped: [], byReason: {} };
  for (const reject of rejects) {
    selection.read++;
    if (!reasonMatches(reject.reason, wanted)) continue;
    selection.matched++;
    selection.byReason[reject.reason] = (selection.byReason[reject.reason] ?? 0) + 1;
    const skip = (why: string) => selection.skipped.push({ reject_id: reject.reject_id, reason: reject.reason, why });
    if (reject.payload_truncated) {
      skip('only the first 1 MiB of the payload was kept');
      continue;
    }
    if (reject.payload === undefined && reject.payload_base64 === undefined) {
      skip('the reject holds no payload');
      continue;
    }
    const data = rejectPayloadBytes(reject);
    const key =
      reject.source.partition_key ||
      partitionKeyOf(
        Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
        `reject-${selection.matched}`,
      );
    selection.records.push({ partitionKey: key, data });
  }
  return selection;
}
