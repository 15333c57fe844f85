import type { EventValidator } from '../schema/validate-event.js';
import type { Reject } from '../telemetry/event.js';
import { rejectPayload } from '../telemetry/reject-payload.js';
import {
  type DecodedRecord,
  decodePayload,
  decodeRecord,
  positionId,
  type RecordPosition,
  type StreamRecordData,
} from './decode-record.js';
import { deaggregate, isKplAggregate } from './kpl-aggregation.js';

/** One unit of a Kinesis record: the record itself, or one user record of a KPL aggregate, decoded. */
export interface RecordUnit {
  position: RecordPosition;
  /** The sequence number, with `:<sub-sequence number>` for a user record: what the ledger keys a unit's sinks by. */
  unitPosition: string;
  decoded: DecodedRecord;
}

/** The base64 of the KPL magic bytes F3 89 9A C2 begins with these four characters. */
const KPL_BASE64_PREFIX = '84ma';
const KPL_FIRST = KPL_BASE64_PREFIX.charCodeAt(0);

/** Whether a record's base64 data holds a KPL aggregate (or a corrupt one): it opens with the magic bytes. */
export function isKplRecord(data: string): boolean {
  // The first character alone rules out nearly every record (JSON's `{` is `e` in base64), without a call.
  return (
    data.charCodeAt(0) === KPL_FIRST &&
    data.startsWith(KPL_BASE64_PREFIX) &&
    isKplAggregate(Buffer.from(data.slice(0, 8), 'base64'))
  );
}

/**
 * A reject decided outside decodePayload (an aggregate that cannot be read, an event that cannot be
 * written), keeping its bytes.
 *
 * @example rejectAt(position, 'kpl:checksum', 'the MD5 does not match', bytes)
 */
export function rejectAt(position: RecordPosition, reason: string, message: string, bytes: Uint8Array): Reject {
  return {
    reject_id: positionId(position),
    reason,
    message,
    source: {
      stream: position.stream,
      shard_id: position.shardId,
      partition_key: position.partitionKey,
      sequence_number: position.sequenceNumber,
    },
    event_id: null,
    type: null,
    ...rejectPayload(bytes),
  };
}

/**
 * Decodes one Kinesis record into its units: a plain record is one; a KPL aggregate is one per
 * user record, each an event of its own under the record's sequence number with its sub-sequence
 * number (https://docs.aws.amazon.com/streams/latest/dev/kinesis-kpl-consumer-deaggregation.html),
 * or one reject (`kpl:checksum`, `kpl:format`) when the aggregate cannot be read. `userRecords` says
 * how many user records a readable aggregate held (0 for a plain record).
 *
 * @example const { units } = decodeUnits(record.kinesis, stream, shardId, validate);
 */
export function decodeUnits(
  record: StreamRecordData,
  stream: string,
  shardId: string,
  validate: EventValidator,
): { units: RecordUnit[]; userRecords: number } {
  const position: RecordPosition = {
    stream,
    shardId,
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
  };
  if (!isKplRecord(record.data))
    return {
      units: [
        { position, unitPosition: record.sequenceNumber, decoded: decodeRecord(record, stream, shardId, validate) },
      ],
      userRecords: 0,
    };
  const bytes = Buffer.from(record.data, 'base64');
  const aggregate = deaggregate(bytes);
  if (!aggregate.ok)
    return {
      units: [
        {
          position,
          unitPosition: record.sequenceNumber,
          decoded: { ok: false, reject: rejectAt(position, aggregate.reason, aggregate.message, bytes) },
        },
      ],
      userRecords: 0,
    };
  const units = aggregate.records.map((user): RecordUnit => {
    const userPosition = { ...position, partitionKey: user.partitionKey, subSequenceNumber: user.subSequenceNumber };
    return {
      position: userPosition,
      unitPosition: `${record.sequenceNumber}:${user.subSequenceNumber}`,
      decoded: decodePayload({ bytes: user.data }, userPosition, validate),
    };
  });
  return { units, userRecords: units.length };
}
