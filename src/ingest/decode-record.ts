import { isUtf8 } from 'node:buffer';
import { type EventValidator, isSchemaValidator } from '../schema/validate-event.js';
import type { RecordSource, Reject, TelemetryEvent } from '../telemetry/event.js';
import { parseTimestamp } from '../telemetry/parse-timestamp.js';
import { rejectPayload } from '../telemetry/reject-payload.js';
import { knownShapeMeetsSchema, parseKnownShape, viewKnownShape } from './known-shape-parser.js';
import { scanJson } from './scan-json.js';

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
/** Nesting deeper than this is no telemetry (ours is 3 deep); past it a payload is refused before anything walks it. */
export const MAX_JSON_DEPTH = 32;

/** The outcome of decoding, parsing, validating and normalising one record. */
export type DecodedRecord = { ok: true; event: TelemetryEvent; text: string } | { ok: false; reject: Reject };

/** Where a record (or a user record of a KPL aggregate) sits on the stream. */
export interface RecordPosition {
  stream: string;
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  /** The user record's index in a KPL aggregate (its sub-sequence number); absent for a plain record. */
  subSequenceNumber?: number;
}

/** `<stream>/<partition key>/<sequence number>[:<sub-sequence number>]`: the derived event id, and a reject's id. */
export function positionId(position: RecordPosition): string {
  const sub = position.subSequenceNumber === undefined ? '' : `:${position.subSequenceNumber}`;
  return `${position.stream}/${position.partitionKey}/${position.sequenceNumber}${sub}`;
}

/** The first bytes that name a compression format, with the reject reason each gets. */
const COMPRESSED: { reason: string; name: string; magic: readonly number[] }[] = [
  { reason: 'encoding:gzip', name: 'gzip', magic: [0x1f, 0x8b] },
  { reason: 'encoding:zstd', name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { reason: 'encoding:zlib', name: 'zlib', magic: [0x78, 0x9c] },
  { reason: 'encoding:zlib', name: 'zlib', magic: [0x78, 0xda] },
  { reason: 'encoding:zlib', name: 'zlib', magic: [0x78, 0x01] },
];

/** Text that is base64 of something: a producer that encoded its payload once more. */
const BASE64_TEXT = /^[A-Za-z0-9+/]{16,}={0,2}$/;

/** The reject outcome for a record, keeping its complete payload to be fixed and sent again (rejectPayload). */
function rejected(
  position: RecordPosition,
  reason: string,
  message: string,
  payload: { text?: string; bytes?: Uint8Array },
  fields?: unknown,
): DecodedRecord {
  const source: RecordSource = {
    stream: position.stream,
    shard_id: position.shardId,
    partition_key: position.partitionKey,
    sequence_number:
      position.subSequenceNumber === undefined
        ? position.sequenceNumber
        : `${position.sequenceNumber}:${position.subSequenceNumber}`,
  };
  const known = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {};
  const reject: Reject = {
    reject_id: positionId(position),
    reason,
    message,
    source,
    event_id: typeof known.event_id === 'string' ? known.event_id : null,
    type: typeof known.type === 'string' ? known.type.slice(0, 64) : null,
    ...rejectPayload(payload.text ?? payload.bytes ?? ''),
  };
  return { ok: false, reject };
}

/** Whether the bytes open with `magic`. */
function opensWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Whether a string value anywhere in the parsed payload (keys included) holds a lone surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return !value.isWellFormed();
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  for (const key in value) {
    if (!key.isWellFormed() || hasLoneSurrogate((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** What walkJson found: object members, string values, and whether nesting passed MAX_JSON_DEPTH. */
let members = 0;
let strings = 0;
let tooDeep = false;

/** Counts the members and string values of a parsed payload, stopping below MAX_JSON_DEPTH. */
function walkJson(value: unknown, depth: number): void {
  if (typeof value === 'string') {
    strings++;
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_JSON_DEPTH) {
    tooDeep = true;
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walkJson(value[i], depth + 1);
    return;
  }
  for (const key in value) {
    members++;
    walkJson((value as Record<string, unknown>)[key], depth + 1);
  }
}

/** How many `"` the text holds. */
function countQuotes(text: string): number {
  let count = 0;
  for (let at = text.indexOf('"'); at >= 0; at = text.indexOf('"', at + 1)) count++;
  return count;
}

/**
 * Checks what JSON.parse lets through: a key twice in one object (JSON.parse keeps the last),
 * nesting past MAX_JSON_DEPTH, and a lone surrogate escape. Without a backslash in the text (nearly
 * all telemetry) every `"` opens or closes a key or a string value, so a parsed payload that
 * accounts for fewer quotes lost a duplicated key; that costs a walk of the parsed object and a
 * native search for quotes. With a backslash, one exact scan of the text (scanJson).
 */
function structureProblem(text: string, parsed: unknown): { reason: string; message: string } | undefined {
  members = 0;
  strings = 0;
  tooDeep = false;
  walkJson(parsed, 0);
  if (text.indexOf('\\') < 0) {
    if (tooDeep) return { reason: 'json:depth', message: `nested deeper than ${MAX_JSON_DEPTH}` };
    if (countQuotes(text) === 2 * (members + strings)) return undefined;
  }
  const scan = scanJson(text);
  if (scan.depth > MAX_JSON_DEPTH)
    return { reason: 'json:depth', message: `nested ${scan.depth} deep, at most ${MAX_JSON_DEPTH}` };
  if (scan.members !== members)
    return { reason: 'json:duplicate_key', message: `a key appears twice in one object${scan.duplicateKeyHint(text)}` };
  if (scan.unicodeEscapes && hasLoneSurrogate(parsed))
    return { reason: 'encoding:utf8', message: 'a lone surrogate escape (\\ud800-\\udfff) in a string' };
  return undefined;
}

/**
 * Decode → parse → validate → normalise one record's bytes (or text). Never throws: bad input
 * becomes a reject whose `reason` names what was wrong and which keeps the whole payload:
 * - `size:max_bytes`: over Kinesis's 1 MiB;
 * - `encoding:gzip` / `encoding:zlib` / `encoding:zstd`: compressed, not decompressed;
 * - `encoding:utf8`: bytes that are not UTF-8, or a lone surrogate (`"\ud800"`) anywhere in the JSON,
 *   which would become U+FFFD on the way out and could merge two ids;
 * - `encoding:base64`: text that is base64 of something (encoded once more by the producer);
 * - `json:parse`, `json:depth` (nesting past 32), `json:duplicate_key` (a key twice in one object:
 *   JSON.parse would keep the last silently);
 * - `type:unknown`, `schema:/<path>:<keyword>`, `schema:/ts:format`.
 * Normalising sets `event_id` (derived from the position when the producer omitted it) and converts
 * `ts` to epoch milliseconds, mutating the parsed object to spare an allocation per record.
 */
export function decodePayload(
  payload: { text: string; bytes?: undefined } | { bytes: Uint8Array; text?: undefined },
  position: RecordPosition,
  validate: EventValidator,
): DecodedRecord {
  let text = payload.text;
  if (text === undefined) {
    const bytes = payload.bytes!;
    if (bytes.byteLength > MAX_RECORD_BYTES)
      return rejected(position, 'size:max_bytes', `${bytes.byteLength} bytes > ${MAX_RECORD_BYTES}`, { bytes });
    for (const format of COMPRESSED)
      if (opensWith(bytes, format.magic))
        return rejected(position, format.reason, `a ${format.name}-compressed payload: send JSON text`, { bytes });
    if (!isUtf8(bytes)) return rejected(position, 'encoding:utf8', 'the bytes are not valid UTF-8', { bytes });
    text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  } else if (text.length > MAX_RECORD_BYTES / 4 && Buffer.byteLength(text) > MAX_RECORD_BYTES) {
    return rejected(position, 'size:max_bytes', `${Buffer.byteLength(text)} bytes > ${MAX_RECORD_BYTES}`, { text });
  }
  // Nearly all telemetry has its schema's exact shape: then one specialised pass gives the object
  // JSON.parse would, and that shape holds no duplicated key, deep nesting or escape to check.
  let parsed: unknown = parseKnownShape(text);
  // The parser checked the schema in the same pass: a known shape that meets it needs no ajv.
  const meetsSchema = parsed !== undefined && knownShapeMeetsSchema() && isSchemaValidator(validate);
  if (parsed === undefined) {
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      if (BASE64_TEXT.test(text) && text.length % 4 === 0)
        return rejected(position, 'encoding:base64', 'the payload is base64 text: send the JSON itself', { text });
      return rejected(position, 'json:parse', error instanceof Error ? error.message : 'invalid JSON', { text });
    }
    const problem = structureProblem(text, parsed);
    if (problem) return rejected(position, problem.reason, problem.message, { text }, parsed);
  }
  if (!meetsSchema) {
    const result = validate(parsed);
    if (!result.ok) return rejected(position, result.reason, result.message, { text }, parsed);
  }
  const event = parsed as TelemetryEvent & { ts: number | string };
  const ts = parseTimestamp(event.ts);
  if (Number.isNaN(ts))
    return rejected(
      position,
      'schema:/ts:format',
      `/ts ${String(event.ts)} is no real instant in range`,
      { text },
      parsed,
    );
  event.ts = ts;
  if (event.event_id === undefined) event.event_id = positionId(position);
  return { ok: true, event: event as TelemetryEvent, text };
}

/**
 * The accepted outcome of a plain record's text when it has its schema's exact shape and passes
 * the schema and the `ts` check, else undefined (then decodePayload judges the text from the start
 * and decides the reject). What decodePayload does for such text, without the position and payload
 * objects it takes: on the hot path those were two allocations per record for nothing.
 */
function acceptKnownShape(text: string, validate: EventValidator): DecodedRecord | undefined {
  const event = acceptedShape(text, validate, parseKnownShape);
  return event === undefined ? undefined : { ok: true, event, text };
}

/** acceptKnownShape's judgement, on the object `read` gives (parseKnownShape, or viewKnownShape's reused view). */
function acceptedShape(
  text: string,
  validate: EventValidator,
  read: (text: string) => Record<string, unknown> | undefined,
): TelemetryEvent | undefined {
  const parsed = read(text);
  // An event without its own id (its id derived from the position) takes decodePayload's path.
  if (parsed === undefined || parsed.event_id === undefined) return undefined;
  if (!(knownShapeMeetsSchema() && isSchemaValidator(validate)) && !validate(parsed).ok) return undefined;
  const event = parsed as TelemetryEvent & { ts: number | string };
  const ts = parseTimestamp(event.ts);
  if (Number.isNaN(ts)) return undefined;
  event.ts = ts;
  return event as TelemetryEvent;
}

/**
 * The event decodeRecord accepts on its fast path for this record, as viewKnownShape's reused view
 * (valid until the next call: read what you need first), or undefined when decodeRecord has to
 * judge the record (then it accepts or rejects it as always). Whatever this returns, decodeRecord
 * returns an accepted event with the same fields and values: the same text (atob's), the same
 * shape, schema, id and `ts` checks. For a reader of a few fields per record (the aggregate),
 * which then allocates no event, location, outcome or kept text per record.
 *
 * @example const event = viewAcceptedRecord(record.kinesis, validate) ?? toEventOrReject(decodeRecord(…));
 */
export function viewAcceptedRecord(record: StreamRecordData, validate: EventValidator): TelemetryEvent | undefined {
  const binary = atobOrUndefined(record.data);
  if (binary === undefined || binary.length > MAX_RECORD_BYTES) return undefined;
  return acceptedShape(binary, validate, viewKnownShape);
}

/** atob, or undefined for what it refuses (then decodeRecord decodes the bytes leniently, as Buffer does). */
function atobOrUndefined(data: string): string | undefined {
  try {
    return atob(data);
  } catch {
    return undefined;
  }
}

/** Telemetry is almost always 7-bit ASCII: then `atob` gives the UTF-8 text directly, no Buffer. */
const hasNonAscii = (binary: string) => Buffer.byteLength(binary, 'utf8') !== binary.length;

/**
 * Decodes one Kinesis record (base64 data, as Lambda delivers it) and judges it with decodePayload.
 *
 * @example const decoded = decodeRecord(record.kinesis, 'fleetstream-dev-telemetry', 'shardId-000000000000', validate);
 */
export function decodeRecord(
  record: StreamRecordData,
  stream: string,
  shardId: string,
  validate: EventValidator,
): DecodedRecord {
  const binary = atobOrUndefined(record.data);
  // The known-shape parser reads every character of what it accepts and takes only printable
  // ASCII, so text it accepts is its own UTF-8: the scan for other characters is needed only after.
  if (binary !== undefined && binary.length <= MAX_RECORD_BYTES) {
    const accepted = acceptKnownShape(binary, validate);
    if (accepted !== undefined) return accepted;
  }
  const ascii = binary !== undefined && binary.length <= MAX_RECORD_BYTES && !hasNonAscii(binary);
  const position = { stream, shardId, partitionKey: record.partitionKey, sequenceNumber: record.sequenceNumber };
  if (ascii) return decodePayload({ text: binary! }, position, validate);
  return decodePayload({ bytes: Buffer.from(record.data, 'base64') }, position, validate);
}

/** The stream name from an event source ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameFromArn(arn: string): string {
  const slash = arn.lastIndexOf('/');
  return slash >= 0 ? arn.slice(slash + 1) : arn;
}
