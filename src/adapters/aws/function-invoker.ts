import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { KinesisBatchInfo } from '#src/redrive/failure-record.js';
import type { BatchOutcomes, BatchTarget, SendResult, StreamRecord } from '#src/redrive/redrive-failures.js';

/** Options of createFunctionInvoker. */
export interface FunctionInvokerOptions {
  client: Pick<LambdaClient, 'send'>;
  functionName: string;
  region: string;
}

/**
 * The Kinesis event Lambda's event-source mapping would send for these records
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, "Example event").
 */
export function kinesisEventOf(info: KinesisBatchInfo, records: readonly StreamRecord[], region: string) {
  return {
    Records: records.map((record) => ({
      kinesis: { kinesisSchemaVersion: '1.0', ...record },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${info.shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: '',
      awsRegion: region,
      eventSourceARN: info.streamArn,
    })),
  } satisfies KinesisStreamEvent;
}

/**
 * Sends re-read records to a deployed function with a synchronous Invoke of the Kinesis event. A
 * function error fails the whole range; a partial batch response fails it from the lowest
 * reported sequence number, as the mapping would read it
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html). The
 * records came from one failed batch, so the event stays within the 6 MB invocation payload that
 * capped that batch.
 *
 * @example const target = createFunctionInvoker({ client: new LambdaClient({}), functionName: 'fleetstream-dev-ingest', region });
 */
export function createFunctionInvoker(options: FunctionInvokerOptions): BatchTarget {
  return {
    async send(info: KinesisBatchInfo, records: readonly StreamRecord[]): Promise<SendResult> {
      if (records.length === 0) return { ok: true };
      const answer = await options.client.send(
        new InvokeCommand({
          FunctionName: options.functionName,
          InvocationType: 'RequestResponse',
          // The last 4 KB of the invocation's log: ingest's "batch processed" line says how the records ended.
          LogType: 'Tail',
          Payload: Buffer.from(JSON.stringify(kinesisEventOf(info, records, options.region))),
        }),
      );
      const body = Buffer.from(answer.Payload ?? []).toString('utf8');
      if (answer.FunctionError)
        return { ok: false, failedFrom: 0, error: `${options.functionName}: ${answer.FunctionError}: ${body}` };
      let response: KinesisStreamBatchResponse | undefined;
      try {
        response = body ? (JSON.parse(body) as KinesisStreamBatchResponse) : undefined;
      } catch {
        return {
          ok: false,
          failedFrom: 0,
          error: `${options.functionName} answered with no JSON: ${body.slice(0, 200)}`,
        };
      }
      const failures = response?.batchItemFailures ?? [];
      if (failures.length === 0) {
        const outcomes = answer.LogResult
          ? outcomesInLog(Buffer.from(answer.LogResult, 'base64').toString('utf8'))
          : undefined;
        return outcomes ? { ok: true, outcomes } : { ok: true };
      }
      // An identifier that names no record of the batch fails the whole batch, as Lambda treats it.
      const indexes = failures.map((failure) =>
        records.findIndex((record) => record.sequenceNumber === failure.itemIdentifier),
      );
      const failedFrom = indexes.some((index) => index < 0) ? 0 : Math.min(...indexes);
      return {
        ok: false,
        failedFrom,
        error: `${options.functionName} reported a failure from ${records[failedFrom]!.sequenceNumber}`,
      };
    },
  };
}

/**
 * The counts of the last "batch processed" line in a log tail (functions/ingest logs one per batch
 * with `accepted`, `rejected`, `duplicates`, `redelivered`); undefined when there is none, as for
 * aggregate or a tail that cut the line.
 */
export function outcomesInLog(log: string): BatchOutcomes | undefined {
  let found: BatchOutcomes | undefined;
  for (const line of log.split('\n')) {
    if (!line.includes('"batch processed"')) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const counts = [entry.accepted, entry.rejected, entry.duplicates, entry.redelivered];
      if (entry.message !== 'batch processed' || !counts.every((n) => Number.isInteger(n))) continue;
      const [accepted, rejected, duplicates, redelivered] = counts as number[];
      found = { accepted: accepted!, rejected: rejected!, duplicates: duplicates!, redelivered: redelivered! };
    } catch {
      // a line cut by the 4 KB tail
    }
  }
  return found;
}
