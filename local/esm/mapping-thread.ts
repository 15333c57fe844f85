import { type MessagePort, Worker, type WorkerOptions } from 'node:worker_threads';
import type { LateRecord, WindowAggregateRow } from '#src/sinks/sink.js';
import type { ChaosSpec } from '../chaos/chaos.js';
import type { StreamMappingSettings } from '../serverless-config.js';
import {
  type LocalShard,
  type LocalStream,
  type ShardColumns,
  type StoredRecord,
  StoredRecordObject,
  sequenceNumberOf,
} from '../stream/local-stream.js';
import type { EventSourceMapping, MappingStats } from './event-source-mapping.js';

/** The stage's rule thresholds and window settings, as the functions' config takes them. */
export interface RuleConfig {
  rules: { speedingKmh: number; highRpm: number; poorAqi: number; gpsJumpKmh: number };
  windowSeconds: number;
  allowedLatenessSeconds: number;
  dedupeCapacity: number;
}

/** What a mapping worker needs to build its mapping and handler (structured-cloneable). */
export interface MappingWorkerInit {
  settings: StreamMappingSettings;
  /** The mapping's put-to-get delay (MappingOptions.propagationMs). */
  propagationMs: number;
  streamName: string;
  shards: Pick<LocalShard, 'shardId' | 'startingHashKey' | 'endingHashKey'>[];
  region: string;
  dlqPath: string;
  dimensionsDir: string;
  ruleConfig: RuleConfig;
  /** Fault injection in the worker's mapping and sinks. */
  chaos?: ChaosSpec;
}

/** What the aggregate worker needs. */
export type AggregateWorkerInit = MappingWorkerInit;

/**
 * Records forwarded to the worker, packed column by column into a few flat strings and typed arrays:
 * cloning a million small strings one by one cost the main thread more than producing them, a
 * flat string is copied in one go. Records put with their bytes travel as those bytes, with their
 * sequence numbers' counters, over memory the threads share (posted without a copy); the worker
 * makes each one's base64 (the event's `data`) and sequence number, so the main thread makes neither.
 */
export interface RecordColumns {
  shard: number;
  count: number;
  /** The records' bytes back to back, record i ending at `ends[i]`, and their sequence numbers' counters… */
  bytes?: Uint8Array;
  ends?: Uint32Array;
  counters?: Float64Array;
  /** …or their data as base64 (which has no newline) joined by newlines, and their sequence numbers (digits) by commas. */
  data?: string;
  sequenceNumbers?: string;
  /** The partition keys back to back (a key may hold any character), each `keyLengths[i]` long. */
  partitionKeys: string;
  keyLengths: Uint16Array;
  /** Arrival times, seconds since the epoch. */
  arrivals: Float64Array;
}

/** Packs records as a shard stores them for the worker, their data as base64 (see RecordColumns). */
export function packRecords(shard: number, records: readonly StoredRecord[]): RecordColumns {
  return packColumns(shard, {
    count: records.length,
    partitionKeys: records.map((record) => record.partitionKey),
    arrivals: Float64Array.from(records, (record) => record.approximateArrivalTimestamp),
    data: records.map((record) => record.data),
    sequenceNumbers: records.map((record) => record.sequenceNumber),
  });
}

/** Packs a shard's columns for the worker (see RecordColumns). */
export function packColumns(shard: number, columns: ShardColumns): RecordColumns {
  const { count, bytes, ends, counters, data, sequenceNumbers } = columns;
  const keyLengths = new Uint16Array(count);
  for (let i = 0; i < count; i++) keyLengths[i] = columns.partitionKeys[i]!.length;
  return {
    shard,
    count,
    ...(bytes && ends && counters
      ? { bytes, ends, counters }
      : { data: data!.join('\n'), sequenceNumbers: sequenceNumbers!.join(',') }),
    partitionKeys: columns.partitionKeys.join(''),
    keyLengths,
    arrivals: columns.arrivals,
  };
}

/**
 * The last records packed per stream and shard: every mapping thread forwards the same new records
 * of a shard at each poll (ingest's and aggregate's), so they are packed once.
 */
const lastPacked = new WeakMap<LocalStream, Map<number, { from: number; end: number; columns: RecordColumns }>>();

/** A shard's records from `from` to its end, packed (once for all the threads that forward them). */
function packShard(stream: LocalStream, shard: number, from: number): RecordColumns | undefined {
  const end = stream.end(shard);
  if (end <= from) return undefined;
  let byShard = lastPacked.get(stream);
  if (!byShard) {
    byShard = new Map();
    lastPacked.set(stream, byShard);
  }
  const cached = byShard.get(shard);
  if (cached && cached.from === from && cached.end === end) return cached.columns;
  const columns = packColumns(shard, stream.readColumns(shard, from));
  byShard.set(shard, { from, end, columns });
  return columns;
}

/** The partition keys of a RecordColumns message. */
function partitionKeysOf(columns: RecordColumns): string[] {
  const keys = new Array<string>(columns.count);
  let keyAt = 0;
  for (let i = 0; i < columns.count; i++) {
    const keyEnd = keyAt + columns.keyLengths[i]!;
    keys[i] = columns.partitionKeys.slice(keyAt, keyEnd);
    keyAt = keyEnd;
  }
  return keys;
}

/** The records of a RecordColumns message, as a shard stores them. */
export function unpackRecords(columns: RecordColumns): StoredRecord[] {
  const { bytes, ends, counters, shard } = columns;
  const buffer = bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  const data = buffer ? undefined : columns.data!.split('\n');
  const sequenceNumbers = buffer ? undefined : columns.sequenceNumbers!.split(',');
  const records = new Array<StoredRecord>(columns.count);
  const keys = partitionKeysOf(columns);
  let dataAt = 0;
  for (let i = 0; i < columns.count; i++) {
    let text: string;
    let sequenceNumber: string;
    if (buffer) {
      const dataEnd = ends![i]!;
      text = buffer.toString('base64', dataAt, dataEnd);
      sequenceNumber = sequenceNumberOf(shard, counters![i]!);
      dataAt = dataEnd;
    } else {
      text = data![i]!;
      sequenceNumber = sequenceNumbers![i]!;
    }
    records[i] = new StoredRecordObject(keys[i]!, sequenceNumber, text, columns.arrivals[i]!);
  }
  return records;
}

/** Main thread → worker. */
export type ToWorker =
  | ({ kind: 'records' } & RecordColumns)
  | { kind: 'drain'; shard: number; final: boolean; nowMs: number }
  | { kind: 'close' };

/** Worker → main thread: the protocol's own messages; anything else is the function's output. */
export type ControlMessage =
  | { kind: 'drained'; shard: number; checkpoint: number }
  | { kind: 'done'; stats: MappingStats; extra?: unknown };

/** The aggregate worker's outputs. */
export type AggregateOutput = { kind: 'windows'; rows: WindowAggregateRow[] } | { kind: 'late'; records: LateRecord[] };

/** Worker → main thread (aggregate). */
export type FromWorker = AggregateOutput | ControlMessage;

/** Where the aggregate handler's output goes on the main thread. */
export interface AggregateOutputs {
  windows(rows: WindowAggregateRow[]): Promise<void>;
  late(records: LateRecord[]): Promise<void>;
}

/** The aggregate worker's outputs, written on the main thread. */
export function aggregateOutputHandler(outputs: AggregateOutputs) {
  return (message: AggregateOutput): Promise<void> =>
    message.kind === 'windows' ? outputs.windows(message.rows) : outputs.late(message.records);
}

/**
 * How far a worker (ingest or aggregate) may fall behind what it was sent before `drain` waits for
 * it (records per shard). It bounds the worker's heap (workerOldGenerationMb): 50,000 cost ~120 MB more peak RSS.
 */
export const MAX_BACKLOG = 10_000;

/**
 * How many records an unpaced run puts on a stream of `shards` shards between two polls of the
 * mappings: a quarter of a worker's backlog per shard, so a worker drain() waits for still has
 * three polls of records queued while the main thread makes the next. At a whole backlog per poll
 * (20,000 records on 2 shards), the main thread waited for the slowest worker to finish everything
 * but the last poll, and the others then ran dry while it produced: a 1M-event run kept 1.66-1.68
 * of the 2 cores busy; at a quarter, 1.87-1.91, for the same CPU and peak RSS (3 alternating runs
 * each of several sizes; docs/local-runtime.md).
 *
 * @example unpacedPollRecords(2) // 5000
 */
export function unpacedPollRecords(shards: number): number {
  return Math.max(1, Math.floor((shards * MAX_BACKLOG) / 4));
}

/**
 * A worker's young generation (MB): from 48 MB V8 makes semi-spaces of 16 MB (new space up to 32 MB).
 * Honoured only while no `--max-semi-space-size` is set in the process: a V8 flag, even one set at
 * run time, overrides every later worker's resourceLimits. 32 MB semi-spaces (any limit above 48)
 * halved the ingest workers' scavenges and saved ~5 % CPU in a 1M-event run, for ~60 MB more peak
 * RSS, which the 1 GiB goal does not leave (3 alternating pairs, docs/local-runtime.md).
 */
const WORKER_YOUNG_GENERATION_MB = 48;

/**
 * What a record the worker holds costs its heap, with margin: a record read from a real stream is
 * held as its object (base64 data, key, sequence number); one put as bytes holds only its key and
 * log slots, its bytes sitting in the shard's slab outside the old generation.
 */
const HELD_RECORD_BYTES = 1024;
/**
 * What a remembered event id once cost the heap (its string and its slot). IdSet now keeps ids'
 * code units and slots in typed arrays outside the heap, so this is margin, kept as the records' is.
 */
const DEDUPE_ID_BYTES = 128;

/**
 * A worker's old generation (MB). Unbounded, V8 sizes a worker's heap from the machine's memory and
 * collects it lazily: in a 1M-event fleet run each of three workers grew to 260-300 MB of which about
 * 40 MB was live. The cap holds what a worker keeps: the records it may hold unacknowledged on every
 * shard, its dedupe set, and 64 MB for the rest (handlers, batches in flight). Past it the worker
 * fails (ERR_WORKER_OUT_OF_MEMORY) and the run stops with that error; nothing is marked delivered.
 *
 * @example workerOldGenerationMb(2, 20_000, 200_000) // 128
 */
export function workerOldGenerationMb(shards: number, backlogRecords: number, dedupeCapacity: number): number {
  return Math.ceil(64 + (shards * backlogRecords * HELD_RECORD_BYTES + dedupeCapacity * DEDUPE_ID_BYTES) / 2 ** 20);
}

/**
 * The process's flags a worker takes: all of Node's but `--input-type` (a bench's or `node -e`
 * parent's, not valid for a file) and the V8 options Node names in ERR_WORKER_INVALID_EXEC_ARGV
 * (`--trace-gc`, `--single-threaded-gc`, `--max-semi-space-size=…`): V8's flags are the process's,
 * so every worker runs with them anyway, and refusing them made `node --trace-gc dist/cli.js run` fail.
 *
 * @example workerExecArgv(['--cpu-prof', '--trace-gc', '--input-type=module'], 'Initiated Worker with invalid execArgv flags: --trace-gc') // ['--cpu-prof']
 */
export function workerExecArgv(execArgv: readonly string[], refusal?: string): string[] {
  const refused = new Set(
    refusal
      ?.slice(refusal.indexOf(':') + 1)
      .split(',')
      .map((flag) => flag.trim()) ?? [],
  );
  return execArgv.filter((flag) => !flag.startsWith('--input-type') && !refused.has(flag));
}

/** A worker with the process's flags it takes (workerExecArgv): asked once, then without those it refused. */
function startWorker(url: URL, options: Omit<WorkerOptions, 'execArgv'>): Worker {
  try {
    return new Worker(url, { ...options, execArgv: workerExecArgv(process.execArgv) });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(url, { ...options, execArgv: workerExecArgv(process.execArgv, (error as Error).message) });
  }
}

/** Options of MappingThread beyond the worker's own data. */
export interface MappingThreadOptions<Output> {
  /** Writes one of the worker's outputs on the main thread; called in the order they came. */
  onOutput: (message: Output) => Promise<void>;
  /** The mapping's clock for record age, read on the main thread at each drain. */
  now: () => number;
  /** Records the worker may hold unacknowledged per shard before `drain` waits (default 10,000). */
  maxBacklog?: number;
  /** Event ids the worker's function remembers (the stage's dedupeCapacity; 0 for aggregate): sizes its heap. */
  dedupeCapacity?: number;
  /** A name for errors. */
  name?: string;
}

/**
 * A function's event-source mapping in a worker thread of its own, as on AWS each function runs
 * apart: the main thread forwards each shard's new records and goes on while the worker runs the
 * same EventSourceMapping and handler over them; the worker's outputs come back as messages, written
 * on the main thread in order. Exposes what the pipeline uses of an EventSourceMapping.
 */
export class MappingThread<Output extends { kind: string } = AggregateOutput> {
  /** Per shard, the position up to which records were handed to the worker (the main stream may trim there). */
  readonly checkpoints: number[];
  stats: MappingStats | undefined;
  /** What the worker reported besides its stats when it closed. */
  extra: unknown;
  private readonly acknowledged: number[];
  private readonly worker: Worker;
  private readonly maxBacklog: number;
  private readonly name: string;
  private outputs: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private waiters: (() => void)[] = [];
  private done: ((stats: MappingStats) => void) | undefined;

  private readonly now: () => number;

  constructor(
    workerUrl: URL,
    init: unknown,
    private readonly stream: LocalStream,
    options: MappingThreadOptions<Output>,
  ) {
    this.now = options.now;
    this.maxBacklog = options.maxBacklog ?? MAX_BACKLOG;
    this.name = options.name ?? 'mapping';
    this.checkpoints = stream.shards.map(() => 0);
    this.acknowledged = stream.shards.map(() => 0);
    // A worker keeps a smaller young generation than the main thread's V8 default, so the process's
    // memory does not grow by 100 MB a thread, and an old generation sized to what it holds.
    this.worker = startWorker(workerUrl, {
      workerData: init,
      resourceLimits: {
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
        maxOldGenerationSizeMb: workerOldGenerationMb(
          stream.shards.length,
          this.maxBacklog,
          options.dedupeCapacity ?? 0,
        ),
      },
    });
    this.worker.on('message', (message: Output | ControlMessage) => {
      if (message.kind === 'drained') {
        const { shard, checkpoint } = message as Extract<ControlMessage, { kind: 'drained' }>;
        this.acknowledged[shard] = checkpoint;
        this.wake();
      } else if (message.kind === 'done') {
        const { stats, extra } = message as Extract<ControlMessage, { kind: 'done' }>;
        this.stats = stats;
        this.extra = extra;
        this.done?.(stats);
      } else {
        this.queue(() => options.onOutput(message as Output));
      }
    });
    this.worker.on('error', (error) => {
      this.failure = new Error(`the ${this.name} mapping's worker failed: ${error.message}`, { cause: error });
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
    const columns = packShard(this.stream, shard, from);
    if (columns) {
      this.worker.postMessage({ kind: 'records', ...columns } satisfies ToWorker);
      this.checkpoints[shard] = from + columns.count;
    }
    this.worker.postMessage({ kind: 'drain', shard, final, nowMs: this.now() } satisfies ToWorker);
    while (this.checkpoints[shard]! - this.acknowledged[shard]! > this.maxBacklog && !this.failure)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Closes every open window, waits for the worker's last outputs to be written and stops it. */
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

/** What serveMapping calls besides the mapping. */
export interface ServeHooks {
  /** Sets the mapping's clock (the main thread's, sent with each drain). */
  setNow: (nowMs: number) => void;
  /** Hands the main thread what the worker stored meanwhile; runs before each answer, so before the checkpoint moves. */
  flush?: () => void;
  /** What the worker reports on `done` besides the stats. */
  extra?: () => unknown;
}

/**
 * The worker's side of MappingThread: appends the records it is sent to its copy of the stream,
 * drains its mapping when asked (one message at a time, in order: a drain finishes before the next
 * records land) and answers `drained` with the checkpoint; on `close`, closes the windows and
 * answers `done` with the stats and whatever `extra` returns.
 */
export function serveMapping(
  port: MessagePort,
  stream: LocalStream,
  mapping: Pick<EventSourceMapping, 'drain' | 'closeWindows' | 'checkpoints' | 'stats'>,
  { setNow, flush, extra }: ServeHooks,
): void {
  let work = Promise.resolve();
  port.on('message', (message: ToWorker) => {
    work = work.then(() => handle(message));
  });
  const post = (message: ControlMessage) => port.postMessage(message);
  async function handle(message: ToWorker): Promise<void> {
    if (message.kind === 'records') {
      const { shard, bytes, ends, counters, arrivals } = message;
      // Records put as bytes stay bytes until a batch reads them; base64 records (a real shard's) as they are.
      if (bytes && ends && counters)
        stream.appendBytes(shard, { bytes, ends, counters, arrivals, partitionKeys: partitionKeysOf(message) });
      else for (const record of unpackRecords(message)) stream.append(shard, record);
    } else if (message.kind === 'drain') {
      setNow(message.nowMs);
      await mapping.drain(message.shard, message.final);
      stream.trim(message.shard, mapping.checkpoints[message.shard]!);
      flush?.();
      post({ kind: 'drained', shard: message.shard, checkpoint: mapping.checkpoints[message.shard]! });
    } else {
      await mapping.closeWindows();
      flush?.();
      post({ kind: 'done', stats: mapping.stats, ...(extra ? { extra: extra() } : {}) });
    }
  }
}
