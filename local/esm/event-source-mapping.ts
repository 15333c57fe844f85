import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { plainConstructor } from '#src/telemetry/plain-object.js';
import type { StreamMappingSettings } from '../serverless-config.js';
import type { LocalStream, StoredRecord } from '../stream/local-stream.js';
import { jsonByteLength } from './json-byte-length.js';

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
  /** Execution environments created (the first invocation of each is a cold start). */
  coldStarts: number;
  /** Invocations that crashed (fault injection): the batch failed whole and the environment was discarded. */
  crashes: number;
  /** Windows Lambda ended early because the returned state passed 1 MB. */
  windowsTerminatedEarly: number;
}

/** One simulated execution environment: a handler instance with its own module state (a warm ledger, say). */
export interface Container {
  readonly id: number;
  readonly handler: MappedHandler;
}

/** Faults the mapping injects (all optional; see local/chaos/). */
export interface MappingFaults {
  /** Whether this invocation lands in a fresh environment although a warm one is free. */
  coldStart?(): boolean;
  /** When this invocation's environment dies mid-batch: after how many sink writes (undefined: it does not). */
  crash?(): number | undefined;
}

/**
 * The invocation running in this async context, for sinks that simulate a crash mid-batch: once
 * `crashed` is set, the environment is dead, so nothing more it writes lands, and the mapping
 * treats the invocation as a function error whatever the handler returns.
 */
export interface InvocationScope {
  readonly function: string;
  readonly container: number;
  /** Set when a crash was injected for this invocation: after this many sink writes the environment dies. */
  crashAfterWrites: number | undefined;
  writes: number;
  crashed: boolean;
}

/** The invocation a sink write belongs to (undefined outside an invocation). */
export const invocationScope = new AsyncLocalStorage<InvocationScope>();

/** What the mapping tells its observer after each invocation it counts as a success. */
export interface InvocationOutcome {
  container: Container;
  event: KinesisStreamEvent;
  response: MappedResponse | undefined;
}

/** Options of EventSourceMapping. */
export interface MappingOptions {
  settings: StreamMappingSettings;
  /** Builds the function in a new execution environment (module state and all): called at each cold start. */
  createHandler: () => MappedHandler;
  stream: LocalStream;
  region: string;
  /**
   * The on-failure destination: JSON lines as Lambda would send them to SQS. Beside it,
   * `<name>.records.jsonl` keeps the failed batches' records (spoolPathOf), which AWS would read
   * back from the stream within its retention: the in-process stream is gone after the run.
   */
  dlqPath: string;
  /** Wall clock for record age; the arrival timestamps are the records' own. */
  now?: () => number;
  faults?: MappingFaults;
  /** Called after every invocation whose response Lambda would act on (not after errors or crashes). */
  onInvoked?: (outcome: InvocationOutcome) => void;
  /**
   * How long after its arrival a record can first be read (ms, on the clock of `now`): Kinesis's
   * put-to-get propagation, propagationMsOf(settings) for the in-process stream; 0 (the default)
   * for records a real stream already returned.
   */
  propagationMs?: number;
}

/** How long Lambda waits before it polls a shard again that it found empty (standard polling). */
const IDLE_POLL_MS = 1000;

/**
 * Kinesis's put-to-get propagation delay, published as averages: shared throughput "an average of
 * around 200 ms if you have one consumer reading from the stream" (around 1000 ms with five),
 * enhanced fan-out "typically an average of 70 ms whether you have one consumer or five"
 * (https://docs.aws.amazon.com/streams/latest/dev/building-consumers.html). The stand-in holds every
 * record back by the average for the mapping's kind of read: no consumer is faster than AWS says.
 */
export const PROPAGATION_MS = { polling: 200, enhancedFanOut: 70 } as const;

/** The put-to-get delay a mapping with these settings sees on AWS (PROPAGATION_MS). */
export function propagationMsOf(settings: Pick<StreamMappingSettings, 'enhancedFanOut'>): number {
  return settings.enhancedFanOut ? PROPAGATION_MS.enhancedFanOut : PROPAGATION_MS.polling;
}

/**
 * Where a local on-failure destination keeps the records of the batches it received
 * (`dlq/ingest.jsonl` → `dlq/ingest.records.jsonl`): one JSON line per record, its shard id and the
 * record as the event carried it. `fleetstream redrive --dlq` re-reads the ranges from it.
 */
export function spoolPathOf(dlqPath: string): string {
  return dlqPath.replace(/(\.jsonl)?$/, '.records.jsonl');
}

/**
 * The synchronous invocation payload limit, which caps a Kinesis batch in bytes: Lambda reads "until
 * it has gathered a full batch, the batching window expires, or the batch reaches the payload limit
 * of 6 MB" (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html).
 */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** The JSON a record adds to the event besides its data (ids, ARNs, names), rounded up. */
const RECORD_ENVELOPE_BYTES = 400;
/** "Your state can be a maximum of 1 MB per shard" (https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html). */
export const MAX_WINDOW_STATE_BYTES = 1024 * 1024;
/** A final invoke is retried until it succeeds (processing of the shard waits); this bounds a broken handler. */
const MAX_FINAL_INVOKE_ATTEMPTS = 100;

/** The Kinesis event Lambda gets for a batch of a shard's records (exported for its tests). */
export function toEvent(
  records: readonly StoredRecord[],
  shardId: string,
  arn: string,
  region: string,
  role: string,
): KinesisStreamEvent {
  // One string per record for its id, not two (`${shardId}:${…}` joins three parts).
  const idPrefix = `${shardId}:`;
  return new KinesisEvent(
    records.map((record) => new EventRecord(record, idPrefix + record.sequenceNumber, role, region, arn)),
  );
}

/** The event, `{ Records }`, by a constructor (plainConstructor says why): it holds the batch while the function runs. */
const KinesisEvent = plainConstructor(function (this: KinesisStreamEvent, records: KinesisStreamRecord[]) {
  this.Records = records;
});

/** A Kinesis event record, by a constructor too: a batch's records all live while it runs. */
const EventRecord = plainConstructor(function (
  this: KinesisStreamRecord,
  kinesis: StoredRecord,
  eventID: string,
  role: string,
  region: string,
  arn: string,
) {
  this.kinesis = kinesis;
  this.eventSource = 'aws:kinesis';
  this.eventVersion = '1.0';
  this.eventID = eventID;
  this.eventName = 'aws:kinesis:record';
  this.invokeIdentityArn = role;
  this.awsRegion = region;
  this.eventSourceARN = arn;
});

/** FNV-1a of a partition key: which of a shard's concurrent batches the key belongs to. */
function laneOf(partitionKey: string, lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) hash = Math.imul(hash ^ partitionKey.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

/** One shard's progress: the checkpoint, and per lane the first position it has not delivered. */
interface ShardProgress {
  next: number[];
  window: { start: number; state: Record<string, unknown> } | undefined;
}

/**
 * The Lambda event-source mapping for one function on a local stream, with the semantics AWS
 * documents (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html), never more leniently:
 * - `ParallelizationFactor` N (1-10): a shard's records go to N concurrent batches by partition key,
 *   order kept per key only (AWS does not document how keys are assigned; here by hash);
 * - every invocation takes a free execution environment or creates one (a cold start); any batch
 *   may land in any environment, and a fault injector can force cold starts and crashes;
 * - batches are cut at batchSize, at the 6 MB payload limit, and held up to `batchWindow`;
 * - a partial batch response checkpoints before the lowest failed record and retries from it; an
 *   error (or an invalid itemIdentifier) fails the whole batch, which is split in two when bisect is
 *   on; after MaximumRetryAttempts, or once records are older than MaximumRecordAgeInSeconds, the
 *   batch's metadata goes to the on-failure destination and the shard moves on;
 * - with tumblingWindowInSeconds (factor 1 only), batches never span a window, `state` is threaded
 *   between invocations (at most 1 MB, else the window ends early), and a final invoke (no records,
 *   isFinalInvokeForWindow) closes each window, retried until it succeeds.
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
    coldStarts: 0,
    crashes: 0,
    windowsTerminatedEarly: 0,
  };
  /** Per shard: the position of the first record not yet delivered (everything before is checkpointed). */
  readonly checkpoints: number[];
  private readonly progress: ShardProgress[];
  private readonly idle: Container[] = [];
  private readonly lanes: number;
  private readonly arn: string;
  private readonly role: string;
  private readonly now: () => number;
  /** Per shard: before this time (`now`) a polled shard that was found empty is not read again. */
  private readonly idleUntil: number[] = [];

  constructor(private readonly options: MappingOptions) {
    const { settings } = options;
    this.lanes = settings.parallelizationFactor;
    if (!Number.isInteger(this.lanes) || this.lanes < 1 || this.lanes > 10)
      throw new Error(`${settings.functionName}: parallelizationFactor must be 1 to 10, got ${this.lanes}`);
    if (settings.tumblingWindowInSeconds !== undefined && this.lanes > 1)
      throw new Error(
        `${settings.functionName}: tumbling windows keep one state per shard, so they need parallelizationFactor 1`,
      );
    this.checkpoints = options.stream.shards.map(() => 0);
    this.progress = options.stream.shards.map(() => ({
      next: Array.from({ length: this.lanes }, () => 0),
      window: undefined,
    }));
    this.arn = `arn:aws:kinesis:${options.region}:000000000000:stream/${options.stream.name}`;
    this.role = `arn:aws:iam::000000000000:role/${settings.functionName}`;
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(options.dlqPath), { recursive: true });
  }

  /**
   * Delivers the records available on a shard. As Lambda does, a batch goes out when it is full (in
   * records or bytes) or when `batchWindow` seconds (record arrival time) have passed since its first
   * record; `final` sends whatever is left (end of the input). With a factor above 1 the shard's
   * batches run concurrently, one sequence per lane.
   */
  async drain(shardIndex: number, final = false): Promise<void> {
    const { stream } = this.options;
    // Polling (no registered consumer): Lambda "polls shards in your stream for records at a rate of
    // once per second for each shard" (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html),
    // so a shard found empty is read again a second later; a shard with records is read on at once.
    // Enhanced fan-out pushes records as they arrive.
    if (!final && !this.options.settings.enhancedFanOut && this.now() < (this.idleUntil[shardIndex] ?? 0)) return;
    const from = this.checkpoints[shardIndex]!;
    const end = final ? stream.end(shardIndex) : this.readableEnd(shardIndex, from);
    if (from >= end) {
      this.idleUntil[shardIndex] = this.now() + IDLE_POLL_MS;
      return;
    }
    const newest = stream.arrivalAt(shardIndex, end - 1);
    const { next } = this.progress[shardIndex]!;
    // Each lane's positions; a batch's records are read when it goes out, so a drain of thousands of
    // records never holds them all at once (they would outlive the young generation).
    const pending: number[][] = next.map(() => []);
    for (let position = from; position < end; position++) {
      const lane = this.lanes === 1 ? 0 : laneOf(stream.partitionKeyAt(shardIndex, position), this.lanes);
      if (position < next[lane]!) continue;
      pending[lane]!.push(position);
    }
    await Promise.all(pending.map((positions, index) => this.drainLane(shardIndex, index, positions, newest, final)));
    // The checkpoint is the first position some lane still has to deliver.
    let checkpoint = end;
    pending.forEach((positions, index) => {
      const firstPending = positions.find((position) => position >= next[index]!);
      if (firstPending !== undefined) checkpoint = Math.min(checkpoint, firstPending);
    });
    this.checkpoints[shardIndex] = checkpoint;
  }

  /**
   * One past the newest record of a shard a reader can see now: records are readable
   * `propagationMs` after their arrival (arrival times never decrease along a shard).
   */
  private readableEnd(shardIndex: number, from: number): number {
    const { stream } = this.options;
    let end = stream.end(shardIndex);
    const delayMs = this.options.propagationMs ?? 0;
    if (delayMs <= 0 || end <= from) return end;
    const readableBefore = (this.now() - delayMs) / 1000;
    while (end > from && stream.arrivalAt(shardIndex, end - 1) > readableBefore) end--;
    return end;
  }

  /** Delivers one lane's records batch by batch, in order; stops at a partial batch that may still wait. */
  private async drainLane(
    shardIndex: number,
    lane: number,
    positions: readonly number[],
    newestArrival: number,
    final: boolean,
  ): Promise<void> {
    const { settings, stream } = this.options;
    const { next } = this.progress[shardIndex]!;
    let at = 0;
    while (at < positions.length) {
      const cut = this.cutBatch(shardIndex, positions, at);
      const waited = newestArrival - stream.arrivalAt(shardIndex, positions[at]!);
      const full = cut - at === settings.batchSize || cut < positions.length;
      if (!final && !full && waited < settings.batchWindow) return;
      let batch = new Array<StoredRecord>(cut - at);
      for (let i = at; i < cut; i++) batch[i - at] = stream.recordAt(shardIndex, positions[i]!);
      if (settings.tumblingWindowInSeconds !== undefined) batch = await this.alignToWindow(shardIndex, batch);
      await this.deliver(shardIndex, batch, 0);
      at += batch.length;
      next[lane] = positions[at - 1]! + 1;
    }
  }

  /** Where the next batch from `at` ends: at most batchSize records and MAX_PAYLOAD_BYTES of event. */
  private cutBatch(shardIndex: number, positions: readonly number[], at: number): number {
    const { batchSize } = this.options.settings;
    const { stream } = this.options;
    let bytes = 0;
    let end = at;
    while (end < positions.length && end - at < batchSize) {
      const position = positions[end]!;
      const size =
        stream.dataLengthAt(shardIndex, position) +
        stream.partitionKeyAt(shardIndex, position).length +
        RECORD_ENVELOPE_BYTES;
      if (end > at && bytes + size > MAX_PAYLOAD_BYTES) break;
      bytes += size;
      end++;
    }
    return end;
  }

  /** Sends the final invoke of every open tumbling window (end of the run). */
  async closeWindows(): Promise<void> {
    for (let shardIndex = 0; shardIndex < this.progress.length; shardIndex++) await this.finishWindow(shardIndex);
  }

  private windowStartOf(record: StoredRecord): number {
    const seconds = this.options.settings.tumblingWindowInSeconds!;
    return Math.floor(record.approximateArrivalTimestamp / seconds) * seconds;
  }

  private async alignToWindow(shardIndex: number, batch: StoredRecord[]): Promise<StoredRecord[]> {
    const progress = this.progress[shardIndex]!;
    const first = this.windowStartOf(batch[0]!);
    if (progress.window && progress.window.start !== first) await this.finishWindow(shardIndex);
    progress.window ??= { start: first, state: {} };
    // A loop, not findIndex with a closure: this runs over every record delivered.
    let cut = 1;
    while (cut < batch.length && this.windowStartOf(batch[cut]!) === first) cut++;
    return cut === batch.length ? batch : batch.slice(0, cut);
  }

  /** The final invoke of a shard's window, retried until it succeeds as Lambda does. */
  private async finishWindow(shardIndex: number, terminatedEarly = false): Promise<void> {
    const progress = this.progress[shardIndex]!;
    const window = progress.window;
    if (!window) return;
    const shardId = this.options.stream.shards[shardIndex]!.shardId;
    for (let attempt = 1; ; attempt++) {
      const event = Object.assign(toEvent([], shardId, this.arn, this.options.region, this.role), {
        ...this.windowFields(window, !terminatedEarly, terminatedEarly),
      });
      const result = await this.invoke(event);
      if (result.ok) break;
      this.stats.retries++;
      if (attempt >= MAX_FINAL_INVOKE_ATTEMPTS)
        throw new Error(`${this.options.settings.functionName}: the final invoke of a window failed ${attempt} times`);
    }
    progress.window = undefined;
    this.stats.windowsFinalised++;
  }

  private windowFields(window: { start: number; state: Record<string, unknown> }, final: boolean, early = false) {
    const seconds = this.options.settings.tumblingWindowInSeconds!;
    return {
      window: {
        start: new Date(window.start * 1000).toISOString(),
        end: new Date((window.start + seconds) * 1000).toISOString(),
      },
      state: window.state,
      isFinalInvokeForWindow: final,
      isWindowTerminatedEarly: early,
    };
  }

  private context(container: Container): Context {
    const name = this.options.settings.functionName;
    return {
      callbackWaitsForEmptyEventLoop: false,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.options.region}:000000000000:function:${name}`,
      memoryLimitInMB: '1024',
      awsRequestId: `local-${this.stats.invocations}`,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local-${container.id}`,
      getRemainingTimeInMillis: () => 60_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** A warm environment if one is free (the most recently used, as Lambda tends to), else a cold start. */
  private acquire(): Container {
    const warm = this.options.faults?.coldStart?.() ? undefined : this.idle.pop();
    if (warm) return warm;
    this.stats.coldStarts++;
    return { id: this.stats.coldStarts, handler: this.options.createHandler() };
  }

  /** Invokes once in some environment. An exception, or a crash injected into the environment, is a function error. */
  private async invoke(event: KinesisStreamEvent): Promise<{ ok: boolean; response: MappedResponse | undefined }> {
    const container = this.acquire();
    this.stats.invocations++;
    const crashAfterWrites = this.options.faults?.crash?.();
    const scope: InvocationScope = {
      function: this.options.settings.functionName,
      container: container.id,
      crashAfterWrites,
      writes: 0,
      crashed: false,
    };
    let response: MappedResponse | undefined;
    let ok = true;
    try {
      response = await invocationScope.run(scope, () =>
        container.handler(event as KinesisStreamEvent & Record<string, unknown>, this.context(container)),
      );
    } catch {
      ok = false;
    }
    if (crashAfterWrites !== undefined) this.stats.crashes++;
    if (!ok || crashAfterWrites !== undefined) {
      // A failed or crashed environment is not reused: Lambda may reuse one after a function error,
      // and a fresh one is the stricter case for idempotency (its in-memory ledger is gone).
      this.stats.failedInvocations++;
      return { ok: false, response: undefined };
    }
    this.idle.push(container);
    this.options.onInvoked?.({ container, event, response });
    return { ok, response };
  }

  /** Invokes with a batch; resolves to the index of the first record to retry, -1 when all succeeded. */
  private async invokeBatch(shardIndex: number, batch: readonly StoredRecord[]): Promise<number> {
    const shardId = this.options.stream.shards[shardIndex]!.shardId;
    const event = toEvent(batch, shardId, this.arn, this.options.region, this.role) as KinesisStreamEvent &
      Record<string, unknown>;
    const window = this.progress[shardIndex]!.window;
    if (window) Object.assign(event, this.windowFields(window, false));
    const { ok, response } = await this.invoke(event);
    if (!ok) return 0;
    const failures = this.options.settings.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    if (failures.length === 0) {
      if (window && response?.state) await this.keepState(shardIndex, response.state);
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

  /** Keeps a window's state; a state over 1 MB ends the window early and the next batch starts a fresh one. */
  private async keepState(shardIndex: number, state: Record<string, unknown>): Promise<void> {
    const window = this.progress[shardIndex]!.window!;
    window.state = state;
    if (jsonByteLength(state) <= MAX_WINDOW_STATE_BYTES) return;
    this.stats.windowsTerminatedEarly++;
    await this.finishWindow(shardIndex, true);
    this.progress[shardIndex]!.window = { start: window.start, state: {} };
  }

  private async deliver(shardIndex: number, batch: readonly StoredRecord[], attempt: number): Promise<void> {
    const { settings } = this.options;
    if (batch.length === 0) return;
    const age = this.now() / 1000 - batch[0]!.approximateArrivalTimestamp;
    if (settings.maximumRecordAgeInSeconds >= 0 && attempt > 0 && age > settings.maximumRecordAgeInSeconds) {
      this.sendToDlq(shardIndex, batch, 'RecordAgeExceeded', attempt);
      return;
    }
    const failedAt = await this.invokeBatch(shardIndex, batch);
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
    appendFileSync(
      spoolPathOf(this.options.dlqPath),
      batch.map((record) => `${JSON.stringify({ shardId, ...record })}\n`).join(''),
    );
  }
}
