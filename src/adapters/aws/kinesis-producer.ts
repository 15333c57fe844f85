import { PutRecordsCommand, type PutRecordsCommandOutput, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.js';

/**
 * PutRecords limits (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html):
 * at most 500 records and 5 MiB per call, each record's data plus partition key at most 1 MiB.
 */
const MAX_CALL_RECORDS = 500;
const MAX_CALL_BYTES = 5 * 1024 * 1024;

/** One record to put: its partition key, its bytes and, to pick the shard instead of the key, an explicit hash key. */
export interface ProducerEntry {
  partitionKey: string;
  data: Uint8Array;
  explicitHashKey?: string;
}

/** What putRecords needs of a Kinesis client: PutRecords (the SDK's KinesisClient, or the local stand-in). */
export interface KinesisProducerApi {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

/** Options of putRecords. */
export interface PutRecordsOptions {
  client: KinesisProducerApi;
  streamName: string;
  /** Attempts per call, the first included (default 8). */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: Sleep;
}

/** What putRecords did. */
export interface PutRecordsResult {
  /** Records Kinesis accepted. */
  put: number;
  /** PutRecords calls made, retries included. */
  calls: number;
  /** Entries that failed once (throttled or internal error) and were retried. */
  retriedEntries: number;
}

/** Thrown when some entries are still failing after the last attempt; names the first of them. */
export class PutRecordsError extends Error {
  override readonly name = 'PutRecordsError';
}

function splitCalls(entries: readonly ProducerEntry[]): ProducerEntry[][] {
  const calls: ProducerEntry[][] = [];
  let call: ProducerEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.data.length + Buffer.byteLength(entry.partitionKey);
    if (call.length > 0 && (call.length === MAX_CALL_RECORDS || bytes + size > MAX_CALL_BYTES)) {
      calls.push(call);
      call = [];
      bytes = 0;
    }
    call.push(entry);
    bytes += size;
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

/**
 * Puts records with PutRecords in calls of at most 500 records / 5 MiB. A partial response
 * (`FailedRecordCount` > 0, e.g. ProvisionedThroughputExceededException on a hot shard) is not a
 * failure of the call: only the failed entries are sent again, after a jittered backoff, until they
 * are accepted or `maxAttempts` runs out (then PutRecordsError). A retried entry can land after a
 * later record of the same partition key; consumers that need strict order per key must tolerate
 * that or put one key at a time.
 *
 * @example await putRecords({ client: new KinesisClient({}), streamName: 'fleetstream-dev-telemetry' }, entries);
 */
export async function putRecords(
  options: PutRecordsOptions,
  entries: readonly ProducerEntry[],
): Promise<PutRecordsResult> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? realSleep;
  const result: PutRecordsResult = { put: 0, calls: 0, retriedEntries: 0 };
  for (const call of splitCalls(entries)) {
    let pending = call;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, baseDelayMs));
      const request: PutRecordsRequestEntry[] = pending.map((entry) =>
        entry.explicitHashKey === undefined
          ? { PartitionKey: entry.partitionKey, Data: entry.data }
          : { PartitionKey: entry.partitionKey, Data: entry.data, ExplicitHashKey: entry.explicitHashKey },
      );
      result.calls++;
      const response = await options.client.send(
        new PutRecordsCommand({ StreamName: options.streamName, Records: request }),
      );
      const answers = response.Records ?? [];
      if (answers.length !== pending.length)
        throw new PutRecordsError(
          `PutRecords to ${options.streamName} answered ${answers.length} entries for ${pending.length} records`,
        );
      const failed: ProducerEntry[] = [];
      let firstError: string | undefined;
      answers.forEach((answer, index) => {
        if (answer.ErrorCode) {
          failed.push(pending[index]!);
          firstError ??= `${answer.ErrorCode}: ${answer.ErrorMessage ?? ''}`.trim();
        }
      });
      result.put += pending.length - failed.length;
      if (failed.length > 0 && attempt >= maxAttempts)
        throw new PutRecordsError(
          `${failed.length} records to ${options.streamName} still failing after ${attempt} attempts ` +
            `(first: partition key ${failed[0]!.partitionKey}, ${firstError})`,
        );
      result.retriedEntries += failed.length;
      pending = failed;
    }
  }
  return result;
}
