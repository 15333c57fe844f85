import { FailureRecordError, type KinesisBatchInfo, parseFailureRecord } from './failure-record.js';

/** A Kinesis record as a re-read returns it and a Kinesis event carries it (data base64, arrival in epoch seconds). */
export interface StreamRecord {
  partitionKey: string;
  data: string;
  sequenceNumber: string;
  approximateArrivalTimestamp: number;
}

/** A message of an on-failure queue: an id to remove it by and its body. */
export interface QueuedMessage {
  id: string;
  body: string;
}

/** Where the on-failure messages are: an SQS queue (src/adapters/aws/failure-queue.ts) or a local `dlq/*.jsonl`. */
export interface FailureQueue {
  /** The next messages; empty when there are none left to see. */
  receive(): Promise<QueuedMessage[]>;
  /** Removes a message once its range was redriven. */
  remove(message: QueuedMessage): Promise<void>;
}

/** What re-reading a range gave: its records, or why they can no longer be read. */
export type RangeRead = { kind: 'records'; records: StreamRecord[] } | { kind: 'expired'; reason: string };

/** Re-reads a failed batch's sequence range (src/adapters/aws/shard-range-reader.ts, or a local spool). */
export interface RangeReader {
  read(info: KinesisBatchInfo): Promise<RangeRead>;
}

/** How the function says the records of a batch ended (ingest logs them with each batch). */
export interface BatchOutcomes {
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Records whose position the function had already delivered: skipped, their effects landed before. */
  redelivered: number;
}

/**
 * What sending a range to the function gave: all done (with how the records ended, when the
 * function said), or the records from `failedFrom` on failed again.
 */
export type SendResult = { ok: true; outcomes?: BatchOutcomes } | { ok: false; failedFrom: number; error: string };

/** Sends re-read records to the function as a Kinesis event (src/adapters/aws/function-invoker.ts, or a local run). */
export interface BatchTarget {
  send(info: KinesisBatchInfo, records: readonly StreamRecord[]): Promise<SendResult>;
}

/** What happened to one message. */
export interface MessageOutcome {
  id: string;
  kind: 'redriven' | 'expired' | 'failed' | 'invalid';
  shardId?: string;
  startSequenceNumber?: string;
  endSequenceNumber?: string;
  /** Records redriven, or (expired, failed) the records the message stands for. */
  records: number;
  /** With `redriven`: how the function said the records ended. */
  ended?: BatchOutcomes;
  detail?: string;
}

/** The tally of a redrive of one queue: every message is redriven (and removed), expired, failed or invalid (kept). */
export interface RedriveFailuresResult {
  messages: Record<MessageOutcome['kind'], number>;
  /** Records sent to the function again, and those of expired and failed messages. */
  records: { redriven: number; expired: number; failed: number };
  /**
   * How the redriven records ended, summed over the batches whose function said (ingest does);
   * `unreported`: redriven records of batches it did not (aggregate, or a log cut short).
   */
  ended: BatchOutcomes & { unreported: number };
  outcomes: MessageOutcome[];
}

/** Options of redriveFailures. */
export interface RedriveFailuresOptions {
  queue: FailureQueue;
  reader: RangeReader;
  target: BatchTarget;
  /** Called as each message is settled (progress lines). */
  onOutcome?: (outcome: MessageOutcome) => void;
}

/**
 * Redrives an on-failure queue: for each message, re-reads its sequence range from the stream and
 * sends the records to the function again; the message is removed only once the function took the
 * whole range. A range the stream no longer holds (past retention) is reported as expired, a range
 * the function failed again as failed, a message that is no Kinesis failure record as invalid; all
 * three stay in the queue, so nothing is dropped silently. Each message is handled once per run
 * (an SQS message seen again before its visibility timeout ends is skipped).
 *
 * @example const result = await redriveFailures({ queue, reader, target });
 */
export async function redriveFailures(options: RedriveFailuresOptions): Promise<RedriveFailuresResult> {
  const result: RedriveFailuresResult = {
    messages: { redriven: 0, expired: 0, failed: 0, invalid: 0 },
    records: { redriven: 0, expired: 0, failed: 0 },
    ended: { accepted: 0, rejected: 0, duplicates: 0, redelivered: 0, unreported: 0 },
    outcomes: [],
  };
  const seen = new Set<string>();
  for (;;) {
    const messages = (await options.queue.receive()).filter((message) => !seen.has(message.id));
    if (messages.length === 0) break;
    for (const message of messages) {
      seen.add(message.id);
      const outcome = await redriveOne(message, options);
      result.messages[outcome.kind]++;
      if (outcome.kind === 'redriven') {
        result.records.redriven += outcome.records;
        if (outcome.ended)
          for (const key of ['accepted', 'rejected', 'duplicates', 'redelivered'] as const)
            result.ended[key] += outcome.ended[key];
        else result.ended.unreported += outcome.records;
      }
      if (outcome.kind === 'expired') result.records.expired += outcome.records;
      if (outcome.kind === 'failed') result.records.failed += outcome.records;
      result.outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  }
  return result;
}

async function redriveOne(message: QueuedMessage, options: RedriveFailuresOptions): Promise<MessageOutcome> {
  let info: KinesisBatchInfo;
  try {
    info = parseFailureRecord(message.body).KinesisBatchInfo;
  } catch (error) {
    if (!(error instanceof FailureRecordError)) throw error;
    return { id: message.id, kind: 'invalid', records: 0, detail: error.message };
  }
  const range = {
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
  };
  const read = await options.reader.read(info);
  if (read.kind === 'expired')
    return { id: message.id, kind: 'expired', ...range, records: info.batchSize, detail: read.reason };
  const sent = await options.target.send(info, read.records);
  if (!sent.ok)
    return {
      id: message.id,
      kind: 'failed',
      ...range,
      records: read.records.length - sent.failedFrom,
      detail: sent.error,
    };
  await options.queue.remove(message);
  return {
    id: message.id,
    kind: 'redriven',
    ...range,
    records: read.records.length,
    ...(sent.outcomes ? { ended: sent.outcomes } : {}),
  };
}
