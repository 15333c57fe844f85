import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { aggregate, deaggregate, isKplAggregate, type KplUserRecord } from '#src/ingest/kpl-aggregation.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import type { Reject } from '#src/telemetry/event.js';
import { partitionKeyOf } from '#src/telemetry/partition-key.js';
import { rejectPayload } from '#src/telemetry/reject-payload.js';
import type { SourceItem } from '../run/source-entry.js';
import { keyText, readLines } from './read-jsonl.js';

/** Canonical base64 (RFC 4648 alphabet, padded): what `Buffer.toString('base64')` and the AWS CLI write. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Streams a `.b64` file: one Kinesis data blob per line, base64-encoded, so any bytes (a KPL
 * aggregate, gzip, text that is not UTF-8) can be fed to `fleetstream run --input`. Lines split as
 * readLines does (`\n`, CRLF). A KPL aggregate is put as the KPL puts it: partition key `a` and the
 * first user record's hash key as explicit hash key (awslabs/amazon-kinesis-producer
 * `aws/kinesis/core/kinesis_record.cc`), so it lands on that record's shard and a consumer sees
 * `a`; any other blob is keyed by a car, vehicle or user id in its text, else `line-<n>`. A line
 * that is not canonical base64 cannot be a record: it is a source reject `input:base64` with its
 * line number, never decoded leniently (Buffer would skip the bad characters). An empty line is an
 * empty record, which ingest judges.
 *
 * @example for await (const item of readBase64Records('kpl.b64', Date.now())) …
 */
export async function* readBase64Records(path: string, startMs: number): AsyncGenerator<SourceItem> {
  let lineNumber = 0;
  for await (const line of readLines(path)) {
    lineNumber++;
    const text = line.toString('latin1');
    if (!BASE64.test(text)) {
      yield { kind: 'reject', reject: base64Reject(path, lineNumber, text) };
      continue;
    }
    const data = Buffer.from(text, 'base64');
    const arrivalMs = startMs + lineNumber;
    const kpl = isKplAggregate(data) ? deaggregate(data) : undefined;
    // A corrupt aggregate still came from a KPL: key `a`, routed by it alone (its hash key is unknown).
    const record: ProducedRecord = kpl?.ok
      ? { partitionKey: 'a', explicitHashKey: hashKeyOf(kpl.records[0]!), data, arrivalMs }
      : kpl
        ? { partitionKey: 'a', data, arrivalMs }
        : { partitionKey: partitionKeyOf(keyText(data), `line-${lineNumber}`), data, arrivalMs };
    yield { kind: 'record', record };
  }
}

/**
 * The hash key the KPL puts on an aggregate: its first user record's explicit hash key, else the
 * MD5 of its partition key as a decimal 128-bit integer, as Kinesis hashes partition keys
 * (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html).
 */
function hashKeyOf(first: KplUserRecord): string {
  return first.explicitHashKey ?? BigInt(`0x${createHash('md5').update(first.partitionKey).digest('hex')}`).toString();
}

function base64Reject(path: string, lineNumber: number, text: string): Reject {
  return {
    reject_id: `${path}:${lineNumber}`,
    reason: 'input:base64',
    message: `${path} line ${lineNumber}: not canonical base64 (one Kinesis data blob per line)`,
    source: { stream: 'input', shard_id: '', partition_key: '', sequence_number: '' },
    event_id: null,
    type: null,
    ...rejectPayload(text),
  };
}

/**
 * Writes blobs as a `.b64` file, one base64 line each: what readBase64Records reads.
 *
 * @example writeBase64Records('kpl.b64', [aggregate(userRecords)]);
 */
export function writeBase64Records(path: string, blobs: Iterable<Uint8Array>): void {
  const lines: string[] = [];
  for (const blob of blobs) lines.push(Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('base64'));
  writeFileSync(path, lines.length > 0 ? `${lines.join('\n')}\n` : '');
}

/** Kinesis's record limit counts the data and the partition key (1 MiB); the aggregate's own framing fits in the rest. */
const MAX_AGGREGATE_BYTES = 1024 * 1024 - 1024;

/**
 * Packs records into KPL aggregates as a KPL producer would: in order, up to `perAggregate` user
 * records each and within Kinesis's 1 MiB record size (a single record over it goes alone, for
 * ingest to reject). Text is packed as its UTF-8 bytes.
 *
 * @example writeBase64Records('fleet.b64', await aggregateRecords(readJsonlRecords('fleet.jsonl', 0), 100));
 */
export async function aggregateRecords(
  records: AsyncIterable<ProducedRecord> | Iterable<ProducedRecord>,
  perAggregate: number,
): Promise<Uint8Array[]> {
  const encoder = new TextEncoder();
  const blobs: Uint8Array[] = [];
  let batch: { partitionKey: string; data: Uint8Array }[] = [];
  let bytes = 0;
  for await (const record of records) {
    const data = typeof record.data === 'string' ? encoder.encode(record.data) : record.data;
    // Each user record costs its data, its key (at most once) and a few bytes of protobuf framing.
    const size = data.length + Buffer.byteLength(record.partitionKey) + 16;
    if (batch.length > 0 && (batch.length >= perAggregate || bytes + size > MAX_AGGREGATE_BYTES)) {
      blobs.push(aggregate(batch));
      batch = [];
      bytes = 0;
    }
    batch.push({ partitionKey: record.partitionKey, data });
    bytes += size;
  }
  if (batch.length > 0) blobs.push(aggregate(batch));
  return blobs;
}
