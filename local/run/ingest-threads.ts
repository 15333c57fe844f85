import type { ChaosStats } from '../chaos/chaos.js';
import type { MappingStats } from '../esm/event-source-mapping.js';
import { MappingThread, type MappingWorkerInit } from '../esm/mapping-thread.js';
import type { LocalFirehoseStats } from '../firehose/local-firehose.js';
import type { LocalLake } from '../lake/local-lake.js';
import type { LocalTopicStats } from '../sns/local-fifo-topic.js';
import type { LocalStream } from '../stream/local-stream.js';
import type { RunAccounting } from './run-accounting.js';
import type { RunOutputs } from './run-outputs.js';
import type { StoredMessage } from './stored-outputs.js';

/** What an ingest worker needs besides the mapping's own settings (structured-cloneable). */
export interface IngestWorkerInit extends MappingWorkerInit {
  /** The lake's delivery streams are `<prefix><table>`, as the stack names them. */
  lakeStreamPrefix: string;
  alertsTopicArn: string;
  /** The Firehose stand-in's error output (`lake-errors/`). */
  lakeErrorDir: string;
}

/** What an ingest worker hands the main thread to store: one message per drain (stored-outputs.ts). */
export type IngestOutput = StoredMessage;

/** What an ingest worker reports when it closes, besides the mapping's stats. */
export interface IngestWorkerDone {
  firehose: LocalFirehoseStats;
  topic: LocalTopicStats;
  chaos?: ChaosStats;
}

/** Options of IngestThreads. */
export interface IngestThreadsOptions {
  /** dist/ingest-worker.js */
  workerUrl: URL;
  /** Worker threads; shards are dealt to them in turn (shard i to worker i mod count). */
  count: number;
  /** Each worker's init; `index` is the worker's number (for its fault injector's seed). */
  init: (index: number) => IngestWorkerInit;
  stream: LocalStream;
  lake: LocalLake;
  outputs: RunOutputs;
  accounting: RunAccounting;
  now: () => number;
}

const sum = <T extends object>(into: T, from: T | undefined): T => {
  if (!from) return into;
  for (const [key, value] of Object.entries(from))
    if (typeof value === 'number')
      (into as Record<string, number>)[key] = ((into as Record<string, number>)[key] ?? 0) + value;
  return into;
};

/**
 * The ingest mapping on several worker threads, the stream's shards split between them (as Lambda
 * runs a shard's batches apart from another shard's): each worker runs the same EventSourceMapping,
 * handler, Firehose and topic stand-ins over its shards, and hands the main thread what they store
 * (lake records, `_bulk` bodies, notifications, rejects, duplicates) and the accounting of each
 * invocation the mapping acted on. Exposes what the pipeline uses of an EventSourceMapping.
 */
export class IngestThreads {
  readonly checkpoints: number[];
  stats: MappingStats | undefined;
  /** What each worker's stand-ins did, once closed. */
  readonly done: IngestWorkerDone[] = [];
  private readonly threads: MappingThread<IngestOutput>[];
  private readonly owner: number[];

  constructor(options: IngestThreadsOptions) {
    const { stream, lake, outputs, accounting } = options;
    const count = Math.max(1, Math.min(options.count, stream.shards.length));
    this.owner = stream.shards.map((_, shard) => shard % count);
    this.checkpoints = stream.shards.map(() => 0);
    const store = async (message: IngestOutput): Promise<void> => {
      for (const { table, data, rows } of message.lake) await lake.append(table, data, rows);
      for (const { family, bytes, bodies } of message.search)
        await outputs.searchFiles![family].writeBytes(bytes, bodies);
      if (message.alerts.length > 0) await outputs.deliverAlerts(message.alerts);
      if (message.rejects.length > 0) await outputs.rejects.write(message.rejects);
      if (message.duplicates.length > 0) await outputs.duplicates.write(message.duplicates);
      const { commit } = message;
      if (commit) accounting.commitLines(commit.counts, commit.accepted, commit.alerts);
    };
    this.threads = Array.from({ length: count }, (_, index) => {
      const init = options.init(index);
      return new MappingThread<IngestOutput>(options.workerUrl, init, stream, {
        onOutput: store,
        now: options.now,
        dedupeCapacity: init.ruleConfig.dedupeCapacity,
        name: `ingest (worker ${index + 1})`,
      });
    });
  }

  /** Worker threads running ingest. */
  get count(): number {
    return this.threads.length;
  }

  /** Hands the shard's new records to the worker that owns it. */
  async drain(shard: number, final = false): Promise<void> {
    const thread = this.threads[this.owner[shard]!]!;
    await thread.drain(shard, final);
    this.checkpoints[shard] = thread.checkpoints[shard]!;
  }

  /** Waits for every worker to deliver what it holds and stops them; sums their stats. */
  async closeWindows(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.closeWindows()));
    this.stats = this.threads.reduce((total, thread) => sum(total, thread.stats), {} as MappingStats);
    for (const thread of this.threads) this.done.push(thread.extra as IngestWorkerDone);
  }
}

/** Adds the counters of `from` to `into` (stats objects of the same shape). */
export function addCounters<T extends object>(into: T, from: T | undefined): T {
  return sum(into, from);
}
