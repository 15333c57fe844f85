import { PutRecordBatchCommand, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.js';

/**
 * Firehose limits (https://docs.aws.amazon.com/firehose/latest/dev/limits.html): a record is at most
 * 1,000 KiB; PutRecordBatch takes at most 500 records and 4 MiB.
 */
export const MAX_RECORD_BYTES = 1000 * 1024;
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * "Record deaggregation by JSON or by delimiter is capped at 500 per record"
 * (https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-multirecord-deaggergation.html):
 * a packed record carries at most 500 JSON objects.
 */
export const MAX_OBJECTS_PER_RECORD = 500;

/** What the sink needs of a Firehose client: PutRecordBatch (the SDK's FirehoseClient, or the local stand-in). */
export interface FirehoseApi {
  send(command: PutRecordBatchCommand): Promise<PutRecordBatchCommandOutput>;
}

/** Options of createFirehoseSink. */
export interface FirehoseSinkOptions<T> {
  client: FirehoseApi;
  deliveryStreamName: string;
  name: string;
  /** One JSON object per item (default JSON.stringify); a newline is appended. */
  serialise?: (item: T) => string;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: Sleep;
}

const NEWLINE = 0x0a;

/** A packed Firehose record and the range of items it carries. */
interface PackedRecord {
  data: Uint8Array;
  firstItem: number;
}

/**
 * Packs newline-delimited JSON items into Firehose records of up to 1,000 KiB and 500 objects.
 * Firehose bills each record rounded up to 5 KB, so one event per record (≈ 200 bytes) would be
 * billed 25×; 500 events of ≈ 200 bytes make a record of ≈ 100 KB, billed for what it carries. The
 * delivery stream's dynamic partitioning de-aggregates (JSON) at most 500 objects per record.
 */
export function packRecords(lines: readonly string[]): PackedRecord[] {
  const records: PackedRecord[] = [];
  const scratch = packScratch();
  let firstItem = 0;
  let at = 0;
  // Each line is written straight into the scratch buffer and each full record copied out once:
  // measuring every line's UTF-8 length first (Buffer.byteLength) scanned it once more, which cost
  // the ingest thread about 5 % of its CPU. A UTF-16 code unit takes at most 3 bytes of UTF-8, so a
  // line of n units with 3n + 1 bytes of room fits unmeasured; only a line near the limit is measured.
  const pack = () => {
    records.push({ data: Buffer.from(scratch.subarray(0, at)), firstItem });
    at = 0;
  };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const count = index - firstItem;
    if (count === MAX_OBJECTS_PER_RECORD) {
      pack();
      firstItem = index;
    }
    if (line.length * 3 + 1 > MAX_RECORD_BYTES - at) {
      const size = Buffer.byteLength(line) + 1;
      if (index > firstItem && at + size > MAX_RECORD_BYTES) {
        pack();
        firstItem = index;
      }
      if (size > MAX_RECORD_BYTES) {
        // Larger than a record may be: it goes alone, as it is (Firehose refuses it, naming it).
        const data = Buffer.allocUnsafe(size);
        data.write(line, 0);
        data[size - 1] = NEWLINE;
        records.push({ data, firstItem: index });
        firstItem = index + 1;
        continue;
      }
    }
    at += scratch.write(line, at);
    scratch[at++] = NEWLINE;
  }
  if (lines.length > firstItem) pack();
  return records;
}

/** One record's worth of bytes that packRecords writes into (it is synchronous: one buffer serves every call). */
let scratchBuffer: Buffer | undefined;
function packScratch(): Buffer {
  scratchBuffer ??= Buffer.allocUnsafeSlow(MAX_RECORD_BYTES);
  return scratchBuffer;
}

function splitCalls(records: readonly PackedRecord[]): PackedRecord[][] {
  const calls: PackedRecord[][] = [];
  let call: PackedRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (call.length > 0 && (call.length === MAX_BATCH_RECORDS || bytes + record.data.length > MAX_BATCH_BYTES)) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(record);
    bytes += record.data.length;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/**
 * A sink writing to a Firehose delivery stream with PutRecordBatch. Failed entries of a partial
 * response (and thrown throttling errors) are retried with backoff; when retries run out it throws
 * SinkWriteError with the first item of the first record still not accepted. Payloads are never logged.
 *
 * @example
 *   const lake = createFirehoseSink({ client: new FirehoseClient({}), deliveryStreamName: 'fleetstream-dev-lake-car-sensor', name: 'lake' });
 */
export function createFirehoseSink<T>(options: FirehoseSinkOptions<T>): Sink<T> {
  const serialise = options.serialise ?? ((item: T) => JSON.stringify(item));
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? realSleep;

  async function putWithRetries(call: PackedRecord[]): Promise<void> {
    let pending = call;
    let lastError = 'unknown';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, baseDelayMs));
      try {
        const response = await options.client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: options.deliveryStreamName,
            Records: pending.map((record) => ({ Data: record.data })),
          }),
        );
        if (!response.FailedPutCount) return;
        const responses = response.RequestResponses ?? [];
        const failed = pending.filter((_, i) => responses[i]?.ErrorCode !== undefined);
        lastError = responses.find((r) => r.ErrorCode)?.ErrorCode ?? 'FailedPutCount';
        // A failure count without per-record error codes: retry the whole call rather than guess.
        if (failed.length > 0) pending = failed;
      } catch (error) {
        lastError = error instanceof Error ? error.name : String(error);
      }
    }
    const first = pending.reduce((min, record) => Math.min(min, record.firstItem), Number.POSITIVE_INFINITY);
    throw new SinkWriteError(
      `${options.name}: ${pending.length} Firehose record(s) not accepted after ${maxAttempts} attempts (${lastError})`,
      options.name,
      first,
    );
  }

  return {
    name: options.name,
    async write(items: readonly T[]): Promise<void> {
      if (items.length === 0) return;
      const calls = splitCalls(packRecords(items.map(serialise)));
      // Calls in order: items before a failing call are stored, as SinkWriteError promises.
      for (const call of calls) await putWithRetries(call);
    },
  };
}
