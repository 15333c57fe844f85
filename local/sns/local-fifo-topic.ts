import type { PublishBatchCommand, PublishBatchCommandOutput } from '@aws-sdk/client-sns';
import { entryBytes, MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, type SnsApi } from '#src/adapters/aws/sns-alert-sink.js';

/** An error as the SNS API raises it: `name` is the error code callers branch on. */
export class SnsApiError extends Error {
  constructor(
    override readonly name:
      | 'TooManyEntriesInBatchRequest'
      | 'EmptyBatchRequest'
      | 'BatchRequestTooLong'
      | 'BatchEntryIdsNotDistinct'
      | 'InvalidParameter'
      | 'NotFound',
    message: string,
  ) {
    super(message);
  }
}

/** What the topic did, for the run report. */
export interface LocalTopicStats {
  publish_batch_calls: number;
  /** Messages accepted (delivered or deduplicated). */
  published: number;
  /** Messages delivered to the subscriber. */
  delivered: number;
  /** Messages accepted but not delivered: their deduplication id was seen within the interval. */
  deduplicated: number;
  /** Entries a fault injector failed (the caller retries them). */
  failed: number;
}

/** Options of LocalFifoTopic. */
export interface LocalFifoTopicOptions {
  topicArn: string;
  /** The subscriber: each delivered message, in order. */
  deliver: (message: string) => Promise<void>;
  /** The clock of the deduplication interval (ms). */
  now: () => number;
  /** Fault injection: whether this entry fails (InternalError) in the response. */
  failEntry?: () => boolean;
}

/** "the 5 minute minimum deduplication interval" (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatchRequestEntry.html). */
export const DEDUPLICATION_INTERVAL_MS = 5 * 60_000;

/**
 * The local stand-in for the alerts topic: an SNS FIFO topic with one subscriber, answering
 * PublishBatch as the API does (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html),
 * never more leniently: 1 to 10 entries with distinct ids, 256 KiB of messages and attributes in
 * all, a MessageGroupId and a MessageDeduplicationId on every entry (no content-based
 * deduplication); a message whose deduplication id was accepted within the last 5 minutes is
 * accepted and not delivered.
 *
 * @example const topic = new LocalFifoTopic({ topicArn, deliver: (m) => file.write(m), now }); createSnsAlertSink({ client: topic, topicArn });
 */
export class LocalFifoTopic implements SnsApi {
  readonly stats: LocalTopicStats = { publish_batch_calls: 0, published: 0, delivered: 0, deduplicated: 0, failed: 0 };
  /** Deduplication id → when it was accepted; pruned as the interval passes. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: LocalFifoTopicOptions) {}

  async send(command: PublishBatchCommand): Promise<PublishBatchCommandOutput> {
    const { TopicArn, PublishBatchRequestEntries: entries = [] } = command.input;
    if (TopicArn !== this.options.topicArn) throw new SnsApiError('NotFound', `Topic ${TopicArn} does not exist`);
    if (entries.length === 0) throw new SnsApiError('EmptyBatchRequest', 'the batch request has no entries');
    if (entries.length > MAX_BATCH_ENTRIES)
      throw new SnsApiError('TooManyEntriesInBatchRequest', `${entries.length} entries: at most ${MAX_BATCH_ENTRIES}`);
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw new SnsApiError('BatchEntryIdsNotDistinct', 'two entries share an Id');
    const bytes = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    if (bytes > MAX_BATCH_BYTES)
      throw new SnsApiError('BatchRequestTooLong', `${bytes} bytes in one batch: at most ${MAX_BATCH_BYTES}`);
    for (const entry of entries) {
      if (!entry.MessageGroupId) throw new SnsApiError('InvalidParameter', 'a FIFO topic needs a MessageGroupId');
      if (!entry.MessageDeduplicationId)
        throw new SnsApiError(
          'InvalidParameter',
          'the topic has no content-based deduplication: give a MessageDeduplicationId',
        );
    }
    this.stats.publish_batch_calls++;
    const now = this.options.now();
    this.forgetBefore(now - DEDUPLICATION_INTERVAL_MS);
    const Successful: { Id: string; MessageId: string; SequenceNumber: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    for (const entry of entries) {
      if (this.options.failEntry?.()) {
        this.stats.failed++;
        Failed.push({ Id: entry.Id!, Code: 'InternalError', SenderFault: false, Message: 'injected fault' });
        continue;
      }
      this.stats.published++;
      const id = entry.MessageDeduplicationId!;
      if (this.seen.has(id)) this.stats.deduplicated++;
      else {
        this.seen.set(id, now);
        this.stats.delivered++;
        await this.options.deliver(entry.Message!);
      }
      Successful.push({
        Id: entry.Id!,
        MessageId: `m-${this.stats.published}`,
        SequenceNumber: String(this.stats.published),
      });
    }
    return { Successful, Failed, $metadata: {} };
  }

  private forgetBefore(cutoff: number): void {
    for (const [id, at] of this.seen) {
      if (at >= cutoff) break;
      this.seen.delete(id);
    }
  }
}
