import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  PutRecordBatchCommand,
  PutRecordBatchCommandOutput,
  PutRecordBatchResponseEntry,
} from '@aws-sdk/client-firehose';
import {
  type FirehoseApi,
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_OBJECTS_PER_RECORD,
  MAX_RECORD_BYTES,
} from '#src/adapters/aws/firehose-sink.js';
import type { TableName } from '#src/schema/registry.js';
import type { LocalLake } from '../lake/local-lake.js';

/** An error as the Firehose API raises it: `name` is the error code callers branch on. */
export class FirehoseApiError extends Error {
  constructor(
    override readonly name: 'ValidationException' | 'ResourceNotFoundException' | 'ServiceUnavailableException',
    message: string,
  ) {
    super(message);
  }
}

/** What the stand-in did, for the run report. */
export interface LocalFirehoseStats {
  put_record_batch_calls: number;
  records: number;
  objects: number;
  /** Records of more than 500 objects, which de-aggregation does not split: sent to the error output. */
  deaggregation_failed: number;
  /** Records a fault injector made fail in a partial response (the caller retries them). */
  failed_put: number;
}

/** Options of LocalFirehose. */
export interface LocalFirehoseOptions {
  /** Where de-aggregated records are buffered and converted: the lake, or (in an ingest worker) a hand-off to it. */
  lake: Pick<LocalLake, 'append'>;
  /** Delivery stream name → lake table, as the stack names them (src/sinks/delivery-streams.ts). */
  streams: ReadonlyMap<string, TableName>;
  /** Where records that fail processing go, as `errors/<table>/processing-failed/` on S3. */
  errorDir: string;
  /** Fault injection: whether the record at this index of a call fails with ServiceUnavailableException. */
  failRecord?: (stream: string, index: number) => boolean;
}

const NEWLINE = 0x0a;

/** Counts the newline-delimited JSON objects of a packed record (a last one may lack its newline), up to `limit + 1`. */
function countObjects(data: Uint8Array, limit: number): number {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0 && count <= limit; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== NEWLINE ? count + 1 : count;
}

/**
 * The local stand-in for the lake's Firehose delivery streams (Direct PUT, JSON record
 * de-aggregation, dynamic partitioning, Parquet conversion), answering PutRecordBatch as the API
 * does and never more leniently:
 * - a call of more than 500 records or 4 MiB, or a record over 1,000 KiB, is refused whole
 *   (ValidationException; https://docs.aws.amazon.com/firehose/latest/dev/limits.html);
 * - an unknown delivery stream is ResourceNotFoundException;
 * - a record is de-aggregated into newline-delimited JSON objects, at most 500
 *   (https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-multirecord-deaggergation.html);
 *   AWS accepts a record with more but does not split it as expected, so here it goes whole to the
 *   error output and is counted, where the run's verification sees its rows missing;
 * - the objects are buffered and converted to Parquet by the LocalLake.
 *
 * @example const firehose = new LocalFirehose({ lake, streams, errorDir }); createFirehoseSink({ client: firehose, … });
 */
export class LocalFirehose implements FirehoseApi {
  readonly stats: LocalFirehoseStats = {
    put_record_batch_calls: 0,
    records: 0,
    objects: 0,
    deaggregation_failed: 0,
    failed_put: 0,
  };

  constructor(private readonly options: LocalFirehoseOptions) {}

  async send(command: PutRecordBatchCommand): Promise<PutRecordBatchCommandOutput> {
    const { DeliveryStreamName: stream, Records: records = [] } = command.input;
    const table = stream === undefined ? undefined : this.options.streams.get(stream);
    if (stream === undefined || table === undefined)
      throw new FirehoseApiError('ResourceNotFoundException', `Firehose ${stream} not found`);
    if (records.length < 1 || records.length > MAX_BATCH_RECORDS)
      throw new FirehoseApiError(
        'ValidationException',
        `${records.length} records: PutRecordBatch takes 1 to ${MAX_BATCH_RECORDS}`,
      );
    let bytes = 0;
    for (const record of records) {
      const size = record.Data?.byteLength ?? 0;
      if (size > MAX_RECORD_BYTES)
        throw new FirehoseApiError('ValidationException', `a record of ${size} bytes: at most ${MAX_RECORD_BYTES}`);
      bytes += size;
    }
    if (bytes > MAX_BATCH_BYTES)
      throw new FirehoseApiError('ValidationException', `${bytes} bytes in one call: at most ${MAX_BATCH_BYTES}`);
    this.stats.put_record_batch_calls++;
    let failed = 0;
    const responses: PutRecordBatchResponseEntry[] = [];
    for (const [index, record] of records.entries()) {
      if (this.options.failRecord?.(stream, index)) {
        failed++;
        responses.push({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'injected fault' });
        continue;
      }
      // Awaited: the lake holds the caller back while a delivery is behind (its backpressure).
      await this.deliver(stream, table, record.Data ?? new Uint8Array());
      responses.push({ RecordId: `${stream}-${this.stats.records}` });
    }
    this.stats.failed_put += failed;
    return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses, $metadata: {} };
  }

  private async deliver(stream: string, table: TableName, data: Uint8Array): Promise<void> {
    this.stats.records++;
    const objects = countObjects(data, MAX_OBJECTS_PER_RECORD);
    if (objects > MAX_OBJECTS_PER_RECORD) {
      this.stats.deaggregation_failed++;
      const dir = join(this.options.errorDir, table, 'processing-failed');
      mkdirSync(dir, { recursive: true });
      appendFileSync(
        join(dir, 'records.jsonl'),
        `${JSON.stringify({
          deliveryStreamName: stream,
          errorCode: 'DeAggregationFailed',
          errorMessage: `more than ${MAX_OBJECTS_PER_RECORD} JSON objects in one record`,
          rawData: Buffer.from(data).toString('base64'),
        })}\n`,
      );
      return;
    }
    this.stats.objects += objects;
    await this.options.lake.append(table, data, objects);
  }
}
