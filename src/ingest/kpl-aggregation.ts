import { createHash } from 'node:crypto';

// The KPL aggregated record format
// (https://github.com/awslabs/amazon-kinesis-producer/blob/master/aggregation-format.md):
//
//   MAGIC F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16)
//
//   message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2; repeated Record records = 3; }
//   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2; required bytes data = 3; repeated Tag tags = 4; }
//   message Tag { required string key = 1; optional string value = 2; }
//
// Lambda hands a consumer the aggregate as one record and does not de-aggregate it
// (https://docs.aws.amazon.com/streams/latest/dev/kinesis-record-deaggregation.html).
//
// Why a reader of our own and not aws-kinesis-agg (the awslabs module): that module is CommonJS,
// pulls in protobufjs, takes base64 strings, allocates a Buffer and an object graph per message and
// reports through callbacks; ingest runs at ~350k records/s per core. The three messages need only
// two wire types of the protobuf encoding (https://developers.google.com/protocol-buffers/docs/encoding):
// varints (type 0) and length-delimited fields (type 2). Reading them from a view of the record's
// bytes copies no user data, and being strict costs nothing: every deviation is a reject, never a
// guess. Stricter than a generic protobuf parser on purpose: an unknown field, a repeated
// singular field or a group is `kpl:format` rather than skipped or merged, because no KPL writes
// them and a format we do not understand must not be dropped silently (the reject keeps the record).

/** The four bytes that open every KPL aggregated record. */
export const KPL_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const DIGEST_BYTES = 16;
const MAGIC_BYTES = 4;

/** One user record taken out of an aggregate; `data` is a view into the aggregate's bytes, not a copy. */
export interface KplUserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
  /** The user record's index in the aggregate, from 0: its sub-sequence number under the Kinesis sequence number. */
  subSequenceNumber: number;
}

/** What a producer puts into an aggregate. */
export interface KplRecordInput {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
}

/** Why an aggregate could not be read: `kpl:checksum` (the MD5 trailer does not match) or `kpl:format` (anything else). */
export type KplRejectReason = 'kpl:checksum' | 'kpl:format';

/** The outcome of deaggregate: the user records, or a reject reason and what was wrong. */
export type KplDeaggregation =
  | { ok: true; records: KplUserRecord[] }
  | { ok: false; reason: KplRejectReason; message: string };

// `fatal`: invalid UTF-8 in a key is a reject, never U+FFFD; `ignoreBOM`: a leading BOM is kept as
// the producer wrote it rather than stripped.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * Whether a record's bytes open with the KPL magic number (then they are an aggregate, or a corrupt one).
 * No JSON text starts with these bytes: 0xF3 then 0xC2 is not even valid UTF-8.
 *
 * @example if (isKplAggregate(bytes)) { const result = deaggregate(bytes); … }
 */
export function isKplAggregate(bytes: Uint8Array): boolean {
  return (
    bytes.length >= MAGIC_BYTES && bytes[0] === 0xf3 && bytes[1] === 0x89 && bytes[2] === 0x9a && bytes[3] === 0xc2
  );
}

/** Thrown inside the reader only; deaggregate turns it into a `kpl:format` outcome. */
class FormatError extends Error {}

/**
 * A cursor over a protobuf message. Varints are read as numbers: exact to 2^53, and any larger
 * value can only be an index past the end of its table or a length past the end, both rejects.
 */
class Reader {
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    /** Exclusive; narrowed to a sub-message while it is read. */
    public end: number,
  ) {
    this.pos = start;
  }

  varint(what: string): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new FormatError(`${what}: varint truncated at byte ${this.pos}`);
      const byte = this.bytes[this.pos++]!;
      // The 10th byte of a 64-bit varint carries a single bit.
      if (i === 9 && byte > 1) throw new FormatError(`${what}: varint longer than 64 bits at byte ${this.pos - 1}`);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    // Unreachable: a 10th byte of 0 or 1 ends the varint.
    throw new FormatError(`${what}: varint longer than 64 bits at byte ${this.pos}`);
  }

  /** The bounds of a length-delimited field's payload; advances past it. */
  delimited(what: string): number {
    const length = this.varint(`${what} length`);
    if (length > this.end - this.pos)
      throw new FormatError(`${what}: length ${length} runs past the end (${this.end - this.pos} bytes left)`);
    const start = this.pos;
    this.pos += length;
    return start;
  }

  string(what: string): string {
    const start = this.delimited(what);
    try {
      return utf8.decode(this.bytes.subarray(start, this.pos));
    } catch {
      throw new FormatError(`${what}: invalid UTF-8`);
    }
  }
}

const VARINT = 0;
const LEN = 2;

function wrongWireType(what: string, wireType: number, expected: number): never {
  throw new FormatError(`${what}: wire type ${wireType}, expected ${expected}`);
}

/** Reads one Tag message, only to check it: the KPL does not write tags, ingest has no use for them. */
function checkTag(bytes: Uint8Array, start: number, end: number): void {
  const tag = new Reader(bytes, start, end);
  let key = false;
  let value = false;
  while (tag.pos < end) {
    const header = tag.varint('tag field');
    const field = Math.floor(header / 8);
    const wireType = header & 7;
    if (field === 1 || field === 2) {
      const name = field === 1 ? 'tag key' : 'tag value';
      if (wireType !== LEN) wrongWireType(name, wireType, LEN);
      if (field === 1 ? key : value) throw new FormatError(`${name} appears twice`);
      tag.string(name);
      if (field === 1) key = true;
      else value = true;
    } else throw new FormatError(`tag: unknown field ${field}`);
  }
  if (!key) throw new FormatError('tag: required key missing');
}

/**
 * Splits a KPL aggregated record into its user records, after checking the magic number and the
 * MD5 trailer. Never throws: a wrong checksum is `kpl:checksum`; anything else malformed (no magic,
 * truncated varints, lengths past the end, wrong wire types, unknown or repeated singular fields,
 * missing required fields, key indexes out of range, invalid UTF-8 in a key, no user records) is
 * `kpl:format`. Each user record's `subSequenceNumber` is its index from 0
 * (https://docs.aws.amazon.com/streams/latest/dev/kinesis-producer-adv-aggregation.html).
 *
 * @example const result = deaggregate(Buffer.from(record.kinesis.data, 'base64')); if (result.ok) for (const r of result.records) …
 */
export function deaggregate(bytes: Uint8Array): KplDeaggregation {
  if (!isKplAggregate(bytes)) return formatReject('no KPL magic number (F3 89 9A C2)');
  if (bytes.length < MAGIC_BYTES + DIGEST_BYTES)
    return formatReject(`${bytes.length} bytes: too short for the magic number and an MD5 trailer`);
  const end = bytes.length - DIGEST_BYTES;
  const digest = createHash('md5').update(bytes.subarray(MAGIC_BYTES, end)).digest();
  for (let i = 0; i < DIGEST_BYTES; i++)
    if (digest[i] !== bytes[end + i])
      return {
        ok: false,
        reason: 'kpl:checksum',
        message: `MD5 of the ${end - MAGIC_BYTES}-byte protobuf message does not match the trailer`,
      };
  try {
    return { ok: true, records: readAggregate(bytes, end) };
  } catch (error) {
    if (error instanceof FormatError) return formatReject(error.message);
    throw error;
  }
}

function formatReject(message: string): KplDeaggregation {
  return { ok: false, reason: 'kpl:format', message };
}

/** A user record's four numbers in `pending`: partition key index, explicit hash key index (-1: none), data start, data end. */
const PENDING_FIELDS = 4;

function readAggregate(bytes: Uint8Array, end: number): KplUserRecord[] {
  const reader = new Reader(bytes, MAGIC_BYTES, end);
  const partitionKeys: string[] = [];
  const explicitHashKeys: string[] = [];
  // Flat numbers, no object per user record: the key tables may follow the records, so indexes
  // are resolved once the whole message is read.
  const pending: number[] = [];
  while (reader.pos < end) {
    const header = reader.varint('field');
    const field = Math.floor(header / 8);
    const wireType = header & 7;
    if (field === 1) {
      if (wireType !== LEN) wrongWireType('partition_key_table', wireType, LEN);
      partitionKeys.push(reader.string(`partition_key_table[${partitionKeys.length}]`));
    } else if (field === 2) {
      if (wireType !== LEN) wrongWireType('explicit_hash_key_table', wireType, LEN);
      explicitHashKeys.push(reader.string(`explicit_hash_key_table[${explicitHashKeys.length}]`));
    } else if (field === 3) {
      if (wireType !== LEN) wrongWireType('records', wireType, LEN);
      const index = pending.length / PENDING_FIELDS;
      const start = reader.delimited(`records[${index}]`);
      const recordEnd = reader.pos;
      reader.pos = start;
      reader.end = recordEnd;
      readRecord(reader, index, pending);
      reader.end = end;
    } else throw new FormatError(`aggregated record: unknown field ${field} (wire type ${wireType})`);
  }
  const count = pending.length / PENDING_FIELDS;
  if (count === 0) throw new FormatError('aggregated record holds no user records');
  const records: KplUserRecord[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * PENDING_FIELDS;
    const partitionKeyIndex = pending[at]!;
    const explicitHashKeyIndex = pending[at + 1]!;
    const partitionKey = partitionKeys[partitionKeyIndex];
    if (partitionKey === undefined)
      throw new FormatError(
        `records[${i}]: partition_key_index ${partitionKeyIndex} out of range (table of ${partitionKeys.length})`,
      );
    const data = bytes.subarray(pending[at + 2]!, pending[at + 3]!);
    if (explicitHashKeyIndex < 0) {
      records[i] = { partitionKey, data, subSequenceNumber: i };
      continue;
    }
    const explicitHashKey = explicitHashKeys[explicitHashKeyIndex];
    if (explicitHashKey === undefined)
      throw new FormatError(
        `records[${i}]: explicit_hash_key_index ${explicitHashKeyIndex} out of range (table of ${explicitHashKeys.length})`,
      );
    records[i] = { partitionKey, explicitHashKey, data, subSequenceNumber: i };
  }
  return records;
}

/** Reads one Record message (the reader bounded to it) and appends its four numbers to `pending`. */
function readRecord(reader: Reader, index: number, pending: number[]): void {
  const at = `records[${index}]`;
  let partitionKeyIndex = -1;
  let explicitHashKeyIndex = -1;
  let dataStart = -1;
  let dataEnd = -1;
  while (reader.pos < reader.end) {
    const header = reader.varint(`${at} field`);
    const field = Math.floor(header / 8);
    const wireType = header & 7;
    if (field === 1 || field === 2) {
      const name = field === 1 ? `${at}.partition_key_index` : `${at}.explicit_hash_key_index`;
      if (wireType !== VARINT) wrongWireType(name, wireType, VARINT);
      if ((field === 1 ? partitionKeyIndex : explicitHashKeyIndex) >= 0) throw new FormatError(`${name} appears twice`);
      const value = reader.varint(name);
      if (field === 1) partitionKeyIndex = value;
      else explicitHashKeyIndex = value;
    } else if (field === 3) {
      if (wireType !== LEN) wrongWireType(`${at}.data`, wireType, LEN);
      if (dataStart >= 0) throw new FormatError(`${at}.data appears twice`);
      dataStart = reader.delimited(`${at}.data`);
      dataEnd = reader.pos;
    } else if (field === 4) {
      if (wireType !== LEN) wrongWireType(`${at}.tags`, wireType, LEN);
      const start = reader.delimited(`${at}.tags`);
      checkTag(reader.bytes, start, reader.pos);
    } else throw new FormatError(`${at}: unknown field ${field} (wire type ${wireType})`);
  }
  if (partitionKeyIndex < 0) throw new FormatError(`${at}: required partition_key_index missing`);
  if (dataStart < 0) throw new FormatError(`${at}: required data missing`);
  pending.push(partitionKeyIndex, explicitHashKeyIndex, dataStart, dataEnd);
}

/**
 * Packs user records into one KPL aggregated record (magic, protobuf, MD5), with partition keys
 * and explicit hash keys each stored once in their tables, as the KPL writes them. For tests,
 * fixtures and producer tools; the caller keeps the result within Kinesis's 1 MiB record limit.
 *
 * @example const blob = aggregate([{ partitionKey: '1452650', data: new TextEncoder().encode('{"type":"car_sensor",…}') }]);
 */
export function aggregate(records: readonly KplRecordInput[]): Uint8Array {
  const partitionKeys = new Map<string, number>();
  const explicitHashKeys = new Map<string, number>();
  const indexOf = (table: Map<string, number>, key: string) => {
    const index = table.get(key) ?? table.size;
    table.set(key, index);
    return index;
  };
  const encodedRecords: Uint8Array[] = [];
  for (const record of records) {
    const parts: number[] = [];
    pushVarint(parts, (1 << 3) | VARINT);
    pushVarint(parts, indexOf(partitionKeys, record.partitionKey));
    if (record.explicitHashKey !== undefined) {
      pushVarint(parts, (2 << 3) | VARINT);
      pushVarint(parts, indexOf(explicitHashKeys, record.explicitHashKey));
    }
    pushVarint(parts, (3 << 3) | LEN);
    pushVarint(parts, record.data.length);
    const head = Uint8Array.from(parts);
    const encoded = new Uint8Array(head.length + record.data.length);
    encoded.set(head);
    encoded.set(record.data, head.length);
    encodedRecords.push(encoded);
  }
  const chunks: Uint8Array[] = [];
  const field = (number: number, payload: Uint8Array) => {
    const header: number[] = [];
    pushVarint(header, (number << 3) | LEN);
    pushVarint(header, payload.length);
    chunks.push(Uint8Array.from(header), payload);
  };
  for (const key of partitionKeys.keys()) field(1, encoder.encode(key));
  for (const key of explicitHashKeys.keys()) field(2, encoder.encode(key));
  for (const record of encodedRecords) field(3, record);
  const bodyLength = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(MAGIC_BYTES + bodyLength + DIGEST_BYTES);
  out.set(KPL_MAGIC);
  let at = MAGIC_BYTES;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  out.set(createHash('md5').update(out.subarray(MAGIC_BYTES, at)).digest(), at);
  return out;
}

function pushVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}
