import { Worker } from 'node:worker_threads';
import type { LateRecord, WindowAggregateRow } from '#src/sinks/sink.js';
import type { ChaosSpec } from '../chaos/chaos.js';
import type { StreamMappingSettings } from '../serverless-config.js';
import type { LocalShard, LocalStream } from '../stream/local-stream.js';
import type { MappingStats } from './event-source-mapping.js';

/** What the aggregate worker needs to build its mapping and handler (structured-cloneable). */
export interface AggregateWorkerInit {
  settings: StreamMappingSettings;
  streamName: string;
  shards: Pick<LocalShard, 'shardId' | 'startingHashKey' | 'endingHashKey'>[];
  region: string;
  dlqPath: string;
  dimensionsDir: string;
  ruleConfig: {
    rules: { speedingKmh: number; highRpm: number; poorAqi: number; gpsJumpKmh: number };
    windowSeconds: number;
    allowedLatenessSeconds: number;
    dedupeCapacity: number;
  };
  /** Fault injection in the worker's mapping and sinks. */
  chaos?: ChaosSpec;
}

/** Records forwarded to the worker, column by column (cheaper to clone than one object per record). */
export interface RecordColumns {
  shard: number;
  partitionKeys: string[];
  data: string[];
  sequenceNumbers: string[];
  arrivals: number[];
}

/** Main thread → worker. */
export type ToWorker =
  | ({ kind: 'records' } & RecordColumns)
  | { kind: 'drain'; shard: number; final: boolean; nowMs: number }
  | { kind: 'close' };

/** Worker → main thread. */
export type FromWorker =
  | { kind: 'windows'; rows: WindowAggregateRow[] }
  | { kind: 'late'; records: LateRecord[] }
  | { kind: 'drained'; shard: number; checkpoint: number }
  | { kind: 'done'; stats: MappingStats };

/** Where the aggregate handler's output goes on the main thread. */
export interface AggregateOutputs {
  windows(rows: WindowAggregateRow[]): Promise<void>;
  late(records: LateRecord[]): Promise<void>;
}

/** How far the worker may fall behind what it was sent before `drain` waits for it. */
const MAX_BACKLOG = 200_000;

/**
 * The aggregate mapping in a worker thread of its own, as on AWS each function runs apart: the
 * main thread forwards each shard's new records and goes on with ingest while the worker decodes,
 * windows and aggregates them with the same EventSourceMapping and handler; window rows and late
 * records come back as messages. Exposes what the pipeline uses of an EventSourceMapping.
 */
export class MappingThread {
  /** Per shard, the position up to which records were handed to the worker (the main stream may trim there). */
  readonly checkpoints: number[];
  stats: MappingStats | undefined;
  private readonly acknowledged: number[];
  private readonly worker: Worker;
  private outputs: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private done: ((stats: MappingStats) => void) | undefined;

  constructor(
    workerUrl: URL,
    init: AggregateWorkerInit,
    private readonly stream: LocalStream,
    outputs: AggregateOutputs,
    /** The mapping's clock for record age, read on the main thread at each drain. */
    private readonly now: () => number,
  ) {
    this.checkpoints = stream.shards.map(() => 0);
    this.acknowledged = stream.shards.map(() => 0);
    // Workers inherit the process's flags; --input-type (a bench or `node -e` parent) is not valid for a file.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    this.worker = new Worker(workerUrl, { workerData: init, execArgv });
    this.worker.on('message', (message: FromWorker) => {
      if (message.kind === 'windows') this.queue(() => outputs.windows(message.rows));
      else if (message.kind === 'late') this.queue(() => outputs.late(message.records));
      else if (message.kind === 'drained') {
        this.acknowledged[message.shard] = message.checkpoint;
        this.wake();
      } else {
        this.stats = message.stats;
        this.done?.(message.stats);
      }
    });
    this.worker.on('error', (error) => {
      this.failure = new Error(`the aggregate mapping's worker failed: ${error.message}`, { cause: error });
      this.wake();
    });
  }

  /** Writes outputs in the order they came; the first failure fails the mapping. */
  private queue(write: () => Promise<void>): void {
    this.outputs = this.outputs.then(write).catch((error: Error) => {
      this.failure ??= error;
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Hands the shard's new records to the worker and asks it to deliver; waits only if it is far behind. */
  async drain(shard: number, final = false): Promise<void> {
    if (this.failure) throw this.failure;
    const from = this.checkpoints[shard]!;
    const records = this.stream.read(shard, from, this.stream.end(shard) - from);
    if (records.length > 0) {
      const message: ToWorker = {
        kind: 'records',
        shard,
        partitionKeys: records.map((r) => r.partitionKey),
        data: records.map((r) => r.data),
        sequenceNumbers: records.map((r) => r.sequenceNumber),
        arrivals: records.map((r) => r.approximateArrivalTimestamp),
      };
      this.worker.postMessage(message);
      this.checkpoints[shard] = from + records.length;
    }
    this.worker.postMessage({ kind: 'drain', shard, final, nowMs: this.now() } satisfies ToWorker);
    while (this.checkpoints[shard]! - this.acknowledged[shard]! > MAX_BACKLOG && !this.failure)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Closes every open window, waits for the worker's last rows to be written and stops it. */
  async closeWindows(): Promise<void> {
    if (this.failure) throw this.failure;
    const stats = new Promise<MappingStats>((resolve, reject) => {
      this.done = resolve;
      this.worker.once('error', reject);
    });
    this.worker.postMessage({ kind: 'close' } satisfies ToWorker);
    try {
      this.stats = await stats;
      await this.outputs;
      if (this.failure) throw this.failure;
    } finally {
      await this.worker.terminate();
    }
  }
}
