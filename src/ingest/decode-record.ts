import type { EventValidator } from '../schema/validate-event.js';
import { decodeBase64 } from '../telemetry/base64.js';
import type { RecordSource, Reject, TelemetryEvent } from '../telemetry/event.js';
import { parseTimestamp } from '../telemetry/parse-timestamp.js';

/**
 * The Kinesis fields ingest reads from one record. Structurally a subset of the `kinesis` member
 * of an aws-lambda `KinesisStreamRecord`, so handlers pass `record.kinesis` as is.
 */
export interface StreamRecordData {
  data: string;
  partitionKey: string;
  sequenceNumber: string;
}

/** Kinesis caps a record's data blob at 1 MiB; a larger payload can only come from a misbehaving producer or replay. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** The outcome of decoding, parsing, validating and normalising one record. */
export type DecodedRecord = { ok: true; event: TelemetryEvent } | { ok: false; reject: Reject };

/** `<stream>/<partition key>/<sequence number>`: the derived event id, and the id of a reject. */
export function positionId(stream: string, record: StreamRecordData): string {
  return `${stream}/${record.partitionKey}/${record.sequenceNumber}`;
}

/** The reject outcome for a record (positional arguments: no object allocated on the hot path). */
function rejected(
  stream: string,
  shardId: string,
  record: StreamRecordData,
  reason: string,
  message: string,
  text: string,
  payload?: unknown,
): DecodedRecord {
  const source: RecordSource = {
    stream,
    shard_id: shardId,
    partition_key: record.partitionKey,
    sequence_number: record.sequenceNumber,
  };
  const fields = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
  const reject: Reject = {
    reject_id: positionId(stream, record),
    reason,
    message,
    source,
    event_id: typeof fields.event_id === 'string' ? fields.event_id : null,
    type: typeof fields.type === 'string' ? fields.type.slice(0, 64) : null,
    payload_preview: text.slice(0, 1024),
  };
  return { ok: false, reject };
}

/**
 * Decode → parse → validate → normalise one record. Never throws: bad input becomes a reject whose
 * `reason` names the rule (`size:max_bytes`, `json:parse`, `type:unknown`, `schema:/speed:minimum`,
 * `schema:/ts:format`). Normalising sets `event_id` (derived from the record position when the
 * producer omitted it) and converts `ts` to epoch milliseconds, mutating the parsed object to spare
 * an allocation per record.
 */
export function decodeRecord(
  record: StreamRecordData,
  stream: string,
  shardId: string,
  validate: EventValidator,
): DecodedRecord {
  const { text, bytes } = decodeBase64(record.data);
  if (bytes > MAX_RECORD_BYTES)
    return rejected(
      stream,
      shardId,
      record,
      'size:max_bytes',
      `${bytes} bytes > ${MAX_RECORD_BYTES}`,
      text.slice(0, 1024),
    );
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    return rejected(
      stream,
      shardId,
      record,
      'json:parse',
      error instanceof Error ? error.message : 'invalid JSON',
      text,
    );
  }
  const result = validate(payload);
  if (!result.ok) return rejected(stream, shardId, record, result.reason, result.message, text, payload);
  const event = payload as TelemetryEvent & { ts: number | string };
  const ts = parseTimestamp(event.ts);
  if (Number.isNaN(ts))
    return rejected(
      stream,
      shardId,
      record,
      'schema:/ts:format',
      `/ts ${String(event.ts)} is no real instant in range`,
      text,
      payload,
    );
  event.ts = ts;
  if (event.event_id === undefined) event.event_id = positionId(stream, record);
  return { ok: true, event: event as TelemetryEvent };
}

/** The stream name from an event source ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameFromArn(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}
