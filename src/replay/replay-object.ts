import { createHash } from 'node:crypto';
import { parsePlt, pltReject } from '../geolife/parse-plt.js';
import type { ProducedRecord } from '../simulate/produced-record.js';
import type { Reject } from '../telemetry/event.js';
import { partitionKeyOf } from '../telemetry/partition-key.js';
import { rejectPayload } from '../telemetry/reject-payload.js';

/** The records of one replayed object, and the lines that could not become one. */
export interface ReplayBatch {
  records: ProducedRecord[];
  rejects: Reject[];
  /** Why the object was not read at all (neither `.plt` nor JSONL, e.g. Geolife's labels.txt). */
  skipped?: string;
}

/** One S3 object as GetObject returns it: the key, the bytes, and what identifies this version of it. */
export interface ReplayedObject {
  bucket: string;
  key: string;
  body: Uint8Array;
  /** The ETag GetObject answered (quotes included, as S3 sends it). */
  etag: string;
  /** The version id, when the bucket is versioned (`null` when versioning is suspended). */
  versionId?: string;
}

const GEOLIFE_KEY = /(?:^|\/)([^/]+)\/Trajectory\/([^/]+)\.plt$/i;
const LF = 0x0a;
const CR = 0x0d;
const encoder = new TextEncoder();
// fatal: a line that is not UTF-8 is left exactly as it is, for ingest to reject (`encoding:utf8`).
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder();

/**
 * Whether a key is one the user asked to replay with `prefix`: the key itself, or a key under the
 * folder it names. ListObjectsV2 (the distributed Map's item reader) lists by plain prefix, so
 * `incoming/a.json` also lists `incoming/a.jsonl` and `incoming/a.json.bak`
 * (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.S3ObjectsItemReaderProps.html);
 * a prefix ending in `/` is a folder, and an empty prefix the whole bucket.
 *
 * @example keyMatchesPrefix('incoming/a.jsonl', 'incoming/a.json') // false
 */
export function keyMatchesPrefix(key: string, prefix: string): boolean {
  if (prefix === '' || prefix.endsWith('/')) return key.startsWith(prefix);
  return key === prefix || key.startsWith(`${prefix}/`);
}

/**
 * The event id a replayed JSONL line without one gets: `s3:<object>:<line>`, where `<object>` is 32
 * hex digits of the SHA-256 of bucket, key, version id and ETag. The same object version replayed
 * again (a Step Functions retry, a second execution) gives the same ids, which ingest counts as
 * duplicates; a changed object gives new ones. The version id alone is not enough: a bucket with
 * versioning suspended writes every object as version `null`.
 *
 * @example replayEventIdPrefix({ bucket: 'raw', key: 'incoming/a.jsonl', etag: '"9b2cf…"' }) + ':' + 7
 */
export function replayEventIdPrefix(object: Pick<ReplayedObject, 'bucket' | 'key' | 'etag' | 'versionId'>): string {
  const identity = `${object.bucket}\n${object.key}\n${object.versionId ?? ''}\n${object.etag}`;
  return `s3:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

/**
 * A line with `"event_id":"<id>",` put right after its opening brace, when the line is a JSON object
 * without an `event_id`; every other byte stays as the producer wrote it. Anything else (not UTF-8,
 * not JSON, not an object, an `event_id` already there, even null) is returned as it is: ingest
 * judges it.
 *
 * @example withEventId(bytes('{"type":"gps"}'), 's3:…:1') // {"event_id":"s3:…:1","type":"gps"}
 */
export function withEventId(line: Uint8Array, eventId: string): Uint8Array {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(line));
  } catch {
    return line;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.hasOwn(value, 'event_id'))
    return line;
  // JSON.parse read an object, so the first byte past JSON whitespace is its `{`.
  const brace = skipWhitespace(line, 0);
  const empty = line[skipWhitespace(line, brace + 1)] === 0x7d; // `{}`: no comma after the id
  const insert = encoder.encode(`"event_id":${JSON.stringify(eventId)}${empty ? '' : ','}`);
  const out = new Uint8Array(line.length + insert.length);
  out.set(line.subarray(0, brace + 1));
  out.set(insert, brace + 1);
  out.set(line.subarray(brace + 1), brace + 1 + insert.length);
  return out;
}

function skipWhitespace(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === LF || bytes[i] === CR)) i++;
  return i;
}

/** The lines of an object as views: split on `\n` only, a CRLF's `\r` dropped, as the local JSONL reader does. */
function splitLines(body: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let newline = body.indexOf(LF); newline >= 0; newline = body.indexOf(LF, start)) {
    const end = newline > start && body[newline - 1] === CR ? newline - 1 : newline;
    lines.push(body.subarray(start, end));
    start = newline + 1;
  }
  if (start < body.length) lines.push(body.subarray(start));
  return lines;
}

/** A line of nothing but whitespace (or nothing): no payload at all. */
function isBlank(line: Uint8Array): boolean {
  for (const byte of line)
    if (byte !== 0x20 && byte !== 0x09 && byte !== CR && byte !== 0x0b && byte !== 0x0c) return false;
  return true;
}

/**
 * Turns one object of a replay prefix into stream records: a Geolife `.plt`
 * (`…/<user>/Trajectory/<trajectory>.plt`) gives one `trajectory_point` per data line keyed by
 * user, with the stable id `geolife-<user>-<trajectory>-<line>` (the same from any bucket or folder),
 * a malformed line a reject naming the object and line; a `.jsonl` (`.ndjson`, `.json`) object gives
 * one payload per line, byte for byte as it would sit in a Kinesis record (ingest judges it), except
 * that a JSON object without `event_id` gets the id of its object version and line (withEventId,
 * replayEventIdPrefix), so replaying it again is idempotent; anything else is skipped, and says so.
 *
 * @example const { records, rejects } = replayObject({ bucket: 'raw', key: 'incoming/cars.jsonl', body, etag });
 */
export function replayObject(object: ReplayedObject): ReplayBatch {
  const { key } = object;
  const geolife = GEOLIFE_KEY.exec(key);
  const records: ProducedRecord[] = [];
  const rejects: Reject[] = [];
  if (geolife) {
    const ids = { userId: geolife[1]!, trajectoryId: geolife[2]!, source: key };
    for (const line of parsePlt(lenientUtf8.decode(object.body), ids)) {
      if (line.ok) records.push({ partitionKey: ids.userId, data: JSON.stringify(line.point) });
      else rejects.push(pltReject(ids, line));
    }
    return { records, rejects };
  }
  if (!/\.(jsonl|ndjson|json)$/i.test(key))
    return { records, rejects, skipped: 'not a Geolife .plt or a JSONL object' };
  const idPrefix = replayEventIdPrefix(object);
  splitLines(object.body).forEach((line, index) => {
    const lineNumber = index + 1;
    const eventId = `${idPrefix}:${lineNumber}`;
    if (!isBlank(line)) {
      const partitionKey = partitionKeyOf(lenientUtf8.decode(line.subarray(0, 4096)), eventId);
      records.push({ partitionKey, data: withEventId(line, eventId) });
    }
    // An empty line is a reject here, with its object and line number, which ingest would not know.
    else
      rejects.push({
        reject_id: `${key}:${lineNumber}`,
        reason: 'jsonl:empty_line',
        message: `${key} line ${lineNumber}: empty line`,
        source: { stream: 'replay', shard_id: '', partition_key: '', sequence_number: '' },
        event_id: null,
        type: null,
        ...rejectPayload(line),
      });
  });
  return { records, rejects };
}
