import { createHash } from 'node:crypto';
import {
  PublishBatchCommand,
  type PublishBatchCommandOutput,
  type PublishBatchRequestEntry,
} from '@aws-sdk/client-sns';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';
import type { Alert } from '#src/telemetry/event.js';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.js';

/**
 * PublishBatch takes at most 10 entries, and by default 256 KiB of messages and their attributes in
 * all (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html).
 */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;
/**
 * A FIFO topic's MessageDeduplicationId is at most 128 characters, letters, digits and punctuation
 * (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatchRequestEntry.html).
 */
const MAX_DEDUPLICATION_ID = 128;
const DEDUPLICATION_ID = /^[\x21-\x7e]+$/;

/** What the sink needs of an SNS client: PublishBatch (the SDK's SNSClient, or the local stand-in). */
export interface SnsApi {
  send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput>;
}

/** Options of createSnsAlertSink. */
export interface SnsAlertSinkOptions {
  client: SnsApi;
  topicArn: string;
  name?: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: Sleep;
}

/**
 * The deduplication id of an alert: its `alert_id` when SNS takes it as is, else its SHA-256, so a
 * redelivered alert always carries the same id.
 */
export function deduplicationId(alert: Alert): string {
  const id = alert.alert_id;
  return id.length <= MAX_DEDUPLICATION_ID && DEDUPLICATION_ID.test(id)
    ? id
    : createHash('sha256').update(id).digest('hex');
}

function toEntry(alert: Alert, index: number): PublishBatchRequestEntry {
  return {
    Id: String(index),
    Message: JSON.stringify(alert),
    // FIFO: order per vehicle, car or user; a redelivered alert within the 5-minute deduplication
    // interval "is accepted successfully but isn't delivered" (API_PublishBatchRequestEntry.html).
    MessageGroupId: alert.subject_id,
    MessageDeduplicationId: deduplicationId(alert),
    // Subscribers filter by rule or source type with a subscription filter policy.
    MessageAttributes: {
      rule: { DataType: 'String', StringValue: alert.rule },
      source_type: { DataType: 'String', StringValue: alert.source_type },
    },
  };
}

/** The bytes an entry counts towards a batch: its message, and its attributes' names and values. */
export function entryBytes(entry: PublishBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.Message ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {}))
    bytes +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  return bytes;
}

/** Splits entries into PublishBatch calls of at most 10 entries and 256 KiB of messages and attributes. */
function batches(entries: readonly PublishBatchRequestEntry[]): PublishBatchRequestEntry[][] {
  const calls: PublishBatchRequestEntry[][] = [];
  let call: PublishBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entryBytes(entry);
    if (call.length === MAX_BATCH_ENTRIES || (call.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
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
 * A sink publishing alerts to an SNS FIFO topic with PublishBatch, deduplicated by alert_id, so a
 * batch Lambda delivers again (a retry, another container) notifies nobody twice within the
 * topic's 5-minute deduplication interval. Failed entries are retried with backoff; then
 * SinkWriteError names the first alert not published. Calls go in order.
 *
 * @example
 *   const alerts = createSnsAlertSink({ client: new SNSClient({}), topicArn: 'arn:aws:sns:…:fleetstream-dev-alerts.fifo' });
 */
export function createSnsAlertSink(options: SnsAlertSinkOptions): Sink<Alert> {
  const name = options.name ?? 'alerts';
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? realSleep;

  async function publish(entries: PublishBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    let lastError = 'unknown';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await sleep(backoffDelay(attempt - 1, baseDelayMs));
      try {
        const response = await options.client.send(
          new PublishBatchCommand({ TopicArn: options.topicArn, PublishBatchRequestEntries: pending }),
        );
        const failed = new Set((response.Failed ?? []).map((f) => f.Id));
        if (failed.size === 0) return;
        lastError = response.Failed?.[0]?.Code ?? 'Failed';
        pending = pending.filter((entry) => failed.has(entry.Id));
      } catch (error) {
        lastError = error instanceof Error ? error.name : String(error);
      }
    }
    const first = Math.min(...pending.map((entry) => Number(entry.Id)));
    throw new SinkWriteError(`${name}: ${pending.length} alert(s) not published (${lastError})`, name, first);
  }

  return {
    name,
    async write(alerts: readonly Alert[]): Promise<void> {
      for (const call of batches(alerts.map(toEntry))) await publish(call);
    },
  };
}
