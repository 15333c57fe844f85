import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { type Sink, SinkWriteError } from '#src/sinks/sink.js';
import type { Alert } from '#src/telemetry/event.js';
import { backoffDelay, sleep as realSleep, type Sleep } from './retry.js';

/** PublishBatch takes at most 10 entries (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html). */
const MAX_ENTRIES = 10;

/** Options of createSnsAlertSink. */
export interface SnsAlertSinkOptions {
  client: SNSClient;
  topicArn: string;
  name?: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: Sleep;
}

function toEntry(alert: Alert, index: number): PublishBatchRequestEntry {
  return {
    Id: String(index),
    Subject: `fleetstream alert: ${alert.rule}`.slice(0, 100),
    Message: JSON.stringify(alert),
    // Subscribers filter by rule or source type with a subscription filter policy.
    MessageAttributes: {
      rule: { DataType: 'String', StringValue: alert.rule },
      source_type: { DataType: 'String', StringValue: alert.source_type },
    },
  };
}

/**
 * A sink publishing alerts to an SNS topic, 10 per PublishBatch call. Failed entries are retried
 * with backoff; then SinkWriteError names the first alert not published.
 *
 * @example
 *   const alerts = createSnsAlertSink({ client: new SNSClient({}), topicArn });
 */
export function createSnsAlertSink(options: SnsAlertSinkOptions): Sink<Alert> {
  const name = options.name ?? 'alerts';
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? realSleep;

  async function publish(alerts: readonly Alert[], offset: number): Promise<void> {
    let pending = alerts.map((alert, i) => toEntry(alert, offset + i));
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
      for (let offset = 0; offset < alerts.length; offset += MAX_ENTRIES) {
        await publish(alerts.slice(offset, offset + MAX_ENTRIES), offset);
      }
    },
  };
}
