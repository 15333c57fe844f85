import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { StreamMappingSettings } from '../serverless-config.js';
import type { LocalStream, StoredRecord } from '../stream/local-stream.js';

/** What a Kinesis-mapped handler returns: a partial batch response, and a state for tumbling windows. */
export interface MappedResponse {
  batchItemFailures?: { itemIdentifier: string }[];
  state?: Record<string, unknown>;
}

/** A handler as the local mapping invokes it. */
export type MappedHandler = (
  event: KinesisStreamEvent & Record<string, unknown>,
  context: Context,
) => Promise<MappedResponse | undefined>;

/** Counters of one mapping, for the report. */
export interface MappingStats {
  invocations: number;
  failedInvocations: number;
  retries: number;
  bisections: number;
  dlqBatches: number;
  dlqRecords: number;
  windowsFinalised: number;
}

/** Options of EventSourceMapping. */
export interface MappingOptions {
  settings: StreamMappingSettings;
  handler: MappedHandler;
  stream: LocalStream;
  region: string;
  /** The on-failure destination: JSON lines as Lambda would send them to SQS. */
  dlqPath: string;
  /** Wall clock for record age; the arrival timestamps are the records' own. */
  now?: () => number;
}

function toEvent(
  records: readonly StoredRecord[],
  shardId: string,
  arn: string,
  region: string,
  role: string,
): KinesisStreamEvent {
  return {
    Records: records.map(
      (record): KinesisStreamRecord => ({
        kinesis: record,
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${record.sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: role,
        awsRegion: region,
        eventSourceARN: arn,
      }),
    ),
  };
}

/**
 * The Lambda event-source mapping for one function on a local stream, with the semantics AWS
 * documents (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): one batch in flight
 * per shard, in order; a partial batch response checkpoints before the lowest failed record and
 * retries from it; an error (or an invalid itemIdentifier) fails the whole batch, which is split in
 * two when bisect is on; after MaximumRetryAttempts, or once records are older than
 * MaximumRecordAgeInSeconds, the batch's metadata goes to the on-failure destination and the shard
 * moves on. With tumblingWindowInSeconds, batches never span a window, `state` is threaded between
 * invocations and a final invoke (no records, isFinalInvokeForWindow) closes each window.
 */
export class EventSourceMapping {
  readonly stats: MappingStats = {
    invocations: 0,
    failedInvocations: 0,
    retries: 0,
    bisections: 0,
    dlqBatches: 0,
    dlqRecords: 0,
    windowsFinalised: 0,
  };
  /** Per shard: the position of the next record to deliver (everything before is checkpointed). */
  readonly checkpoints: number[];
  private readonly windows: ({ start: number; state: Record<string, unknown> } | undefined)[];
  private readonly arn: string;
  private readonly role: string;
  private readonly now: () => number;

  constructor(private readonly options: MappingOptions) {
    this.checkpoints = options.stream.shards.map(() => 0);
    this.windows = options.stream.shards.map(() => undefined);
    this.arn = `arn:aws:kinesis:${options.region}:000000000000:stream/${options.stream.name}`;
    this.role = `arn:aws:iam::000000000000:role/${options.settings.functionName}`;
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(options.dlqPath), { recursive: true });
  }

  /**
   * Delivers the records available on a shard, batch by batch. As Lambda does, a batch goes out
   * when it is full or when `batchWindow` seconds (record arrival time) have passed since its first
   * record; `final` sends whatever is left (end of the input).
   */
  async drain(shardIndex: number, final = false): Promise<void> {
    const { stream, settings } = this.options;
    while (this.checkpoints[shardIndex]! < stream.end(shardIndex)) {
      let batch = stream.read(shardIndex, this.checkpoints[shardIndex]!, settings.batchSize);
      const newest = stream.read(shardIndex, stream.end(shardIndex) - 1, 1)[0]!;
      const waited = newest.approximateArrivalTimestamp - batch[0]!.approximateArrivalTimestamp;
      if (!final && batch.length < settings.batchSize && waited < settings.batchWindow) return;
      if (settings.tumblingWindowInSeconds !== undefined) batch = await this.alignToWindow(shardIndex, batch);
      await this.deliver(shardIndex, batch, 0);
      this.checkpoints[shardIndex] = this.checkpoints[shardIndex]! + batch.length;
    }
  }

  /** Sends the final invoke of every open tumbling window (end of the run). */
  async closeWindows(): Promise<void> {
    for (let shardIndex = 0; shardIndex < this.windows.length; shardIndex++) await this.finishWindow(shardIndex);
  }

  private windowStartOf(record: StoredRecord): number {
    const seconds = this.options.settings.tumblingWindowInSeconds!;
    return Math.floor(record.approximateArrivalTimestamp / seconds) * seconds;
  }

  private async alignToWindow(shardIndex: number, batch: StoredRecord[]): Promise<StoredRecord[]> {
    const first = this.windowStartOf(batch[0]!);
    const current = this.windows[shardIndex];
    if (current && current.start !== first) await this.finishWindow(shardIndex);
    if (!this.windows[shardIndex]) this.windows[shardIndex] = { start: first, state: {} };
    const cut = batch.findIndex((record) => this.windowStartOf(record) !== first);
    return cut < 0 ? batch : batch.slice(0, cut);
  }

  private async finishWindow(shardIndex: number): Promise<void> {
    const window = this.windows[shardIndex];
    if (!window) return;
    this.stats.invocations++;
    await this.options.handler({ Records: [], ...this.windowFields(window, true) }, this.context());
    this.windows[shardIndex] = undefined;
    this.stats.windowsFinalised++;
  }

  private windowFields(window: { start: number; state: Record<string, unknown> }, final: boolean) {
    const seconds = this.options.settings.tumblingWindowInSeconds!;
    return {
      window: {
        start: new Date(window.start * 1000).toISOString(),
        end: new Date((window.start + seconds) * 1000).toISOString(),
      },
      state: window.state,
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: false,
    };
  }

  private context(): Context {
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: this.options.settings.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${this.options.settings.functionName}`,
      memoryLimitInMB: '1024',
      awsRequestId: `local-${this.stats.invocations}`,
      logGroupName: `/aws/lambda/${this.options.settings.functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => 60_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Invokes once; resolves to the index of the first record to retry, -1 when all succeeded. */
  private async invoke(shardIndex: number, batch: readonly StoredRecord[]): Promise<number> {
    const shardId = this.options.stream.shards[shardIndex]!.shardId;
    const event = toEvent(batch, shardId, this.arn, this.options.region, this.role) as KinesisStreamEvent &
      Record<string, unknown>;
    const window = this.windows[shardIndex];
    if (window) Object.assign(event, this.windowFields(window, false));
    this.stats.invocations++;
    let response: MappedResponse | undefined;
    try {
      response = await this.options.handler(event, this.context());
    } catch {
      this.stats.failedInvocations++;
      return 0;
    }
    const failures = this.options.settings.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    if (failures.length === 0) {
      if (window && response?.state) window.state = response.state;
      return -1;
    }
    this.stats.failedInvocations++;
    // Lambda resumes at the lowest failed sequence number; an unknown identifier fails the whole batch.
    let lowest = Number.POSITIVE_INFINITY;
    for (const failure of failures) {
      const index = batch.findIndex((record) => record.sequenceNumber === failure.itemIdentifier);
      lowest = Math.min(lowest, Math.max(index, 0));
    }
    return lowest;
  }

  private async deliver(shardIndex: number, batch: readonly StoredRecord[], attempt: number): Promise<void> {
    const { settings } = this.options;
    if (batch.length === 0) return;
    const age = this.now() / 1000 - batch[0]!.approximateArrivalTimestamp;
    if (settings.maximumRecordAgeInSeconds >= 0 && attempt > 0 && age > settings.maximumRecordAgeInSeconds) {
      this.sendToDlq(shardIndex, batch, 'RecordAgeExceeded', attempt);
      return;
    }
    const failedAt = await this.invoke(shardIndex, batch);
    if (failedAt < 0) return;
    const remaining = batch.slice(failedAt);
    this.stats.retries++;
    if (failedAt === 0 && settings.bisectBatchOnFunctionError && remaining.length > 1) {
      // Bisect: retry each half on its own, so a poison record ends up alone. Splitting does not
      // count towards the retry quota; retries of a single record do.
      this.stats.bisections++;
      const half = Math.ceil(remaining.length / 2);
      await this.deliver(shardIndex, remaining.slice(0, half), attempt);
      await this.deliver(shardIndex, remaining.slice(half), attempt);
      return;
    }
    if (settings.maximumRetryAttempts >= 0 && attempt >= settings.maximumRetryAttempts) {
      this.sendToDlq(shardIndex, remaining, 'RetryAttemptsExhausted', attempt + 1);
      return;
    }
    await this.deliver(shardIndex, remaining, attempt + 1);
  }

  private sendToDlq(shardIndex: number, batch: readonly StoredRecord[], condition: string, invokeCount: number): void {
    const shardId = this.options.stream.shards[shardIndex]!.shardId;
    this.stats.dlqBatches++;
    this.stats.dlqRecords += batch.length;
    const message = {
      version: '1.0',
      timestamp: new Date(this.now()).toISOString(),
      requestContext: {
        requestId: `local-${this.stats.invocations}`,
        functionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${this.options.settings.functionName}`,
        condition,
        approximateInvokeCount: invokeCount,
      },
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: batch[0]!.sequenceNumber,
        endSequenceNumber: batch[batch.length - 1]!.sequenceNumber,
        approximateArrivalOfFirstRecord: new Date(batch[0]!.approximateArrivalTimestamp * 1000).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          batch[batch.length - 1]!.approximateArrivalTimestamp * 1000,
        ).toISOString(),
        batchSize: batch.length,
        streamArn: this.arn,
      },
    };
    appendFileSync(this.options.dlqPath, `${JSON.stringify(message)}\n`);
  }
}
