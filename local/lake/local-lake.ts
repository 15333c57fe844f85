import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbType, partitionTimeColumn, tableColumns } from '#src/schema/columns.js';
import { TABLES, type TableName } from '#src/schema/registry.js';
import { SinkWriteError } from '#src/sinks/sink.js';
import { LAKE_PARQUET_COMPRESSION } from '../../resources/analytics/lake-streams.js';
import { BatchedWriter } from '../run/file-sinks.js';
import { PartitionRuns } from './partition-runs.js';

/** Firehose buffering hints: a buffer is delivered when it reaches either. */
export interface BufferingHints {
  sizeInMBs: number;
  intervalInSeconds: number;
}

/** Options of LocalLake.open. */
export interface LakeOptions {
  outDir: string;
  bufferingHints: BufferingHints;
  /** Clock for the buffering interval (ms). */
  now?: () => number;
}

/** A buffer's file: its newline-delimited JSON objects as Firehose received them, record by record. */
interface Spool {
  path: string;
  stream: WriteStream;
  writer: BatchedWriter;
}

interface TableBuffer {
  /**
   * Where the buffer's records go as they come, a file per partition (`dt=…/hour=…`), opened with
   * the partition's first record, for at most MAX_SPLIT_PARTITIONS partitions…
   */
  parts: Map<string, Spool>;
  /** …and one file for the records of any other partition, or of none found, which DuckDB partitions. */
  mixed: Spool | undefined;
  bytes: number;
  since: number;
  flushes: number;
  rows: number;
  runs: PartitionRuns;
}

/**
 * Partitions a buffer keeps files of their own. Records come in event-time order per shard, so a
 * 64 MB buffer of a live stream holds one to three hours; a replay of old data (Geolife) may hold
 * hundreds, which one DuckDB statement partitions faster than a statement each.
 */
const MAX_SPLIT_PARTITIONS = 8;

/** Single-quoted SQL string literal. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The local stand-in for the S3 side of the lake's Firehose delivery streams (LocalFirehose is the
 * API side): one buffer per table, delivered when it reaches the buffering hints (size or interval,
 * as Firehose does) and on close, as Parquet files (in the codec the stack's Firehose streams write)
 * whose columns are the Glue columns derived from `schemas/`, under the layout dynamic partitioning gives on S3:
 * `lake/<table>/dt=YYYY-MM-DD/hour=HH/*.parquet`.
 *
 * As Firehose's dynamic partitioning does, a buffer keeps each partition's objects apart (PartitionRuns
 * finds an object's partition as the stack's JQ query does); DuckDB converts each partition's
 * (`read_json` with the table's columns → `COPY`), so a field outside the columns never reaches the lake. Like Firehose, a delivery failure surfaces
 * later than the call that buffered the rows; here it fails the run loudly at the next append or close.
 */
export class LocalLake {
  private readonly buffers = new Map<TableName, TableBuffer>();
  private readonly now: () => number;
  private files = 0;
  /** Deliveries run one at a time: a DuckDB connection runs one statement at a time. */
  private delivering: Promise<void> = Promise.resolve();
  private inFlight = 0;
  /** A delivery that failed in the background; the next write or close throws it. */
  private failure: Error | undefined;

  private constructor(
    private readonly options: LakeOptions,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    this.now = options.now ?? Date.now;
    for (const table of TABLES) {
      this.buffers.set(table, {
        parts: new Map(),
        mixed: undefined,
        bytes: 0,
        since: 0,
        flushes: 0,
        rows: 0,
        runs: new PartitionRuns(partitionTimeColumn(table)),
      });
      mkdirSync(join(options.outDir, 'lake', table), { recursive: true });
    }
    mkdirSync(join(options.outDir, '.tmp'), { recursive: true });
  }

  /** Opens the lake under `<outDir>/lake`. */
  static async open(options: LakeOptions): Promise<LocalLake> {
    // Insertion order is irrelevant to a partitioned COPY and keeping it costs memory; the limit
    // keeps DuckDB's share of the run's footprint bounded (it spills to disk past it). Two threads,
    // though one converts a 64 MB buffer in about 15 % less CPU (libuv threads 2.84 -> 2.52 CPU-s in
    // a 1M-event run): on one, a 10M-event run's peak RSS rose from 918 to 1124 MB (1.24 times a
    // 1M-event run's, past the 1.2 the runtime keeps to).
    const instance = await DuckDBInstance.create(':memory:', {
      threads: '2',
      memory_limit: '256MB',
      preserve_insertion_order: 'false',
      temp_directory: join(options.outDir, '.tmp', 'duckdb'),
    });
    return new LocalLake(options, instance, await instance.connect());
  }

  /**
   * Buffers one de-aggregated Firehose record of a table (newline-delimited JSON objects of the
   * table's columns) and delivers the buffer when it reaches a buffering hint, in the background
   * while records keep coming; at most one delivery waits behind the running one. The buffer is a
   * file per partition the records are written to as they come (in batches, on libuv's thread
   * pool), which the delivery converts. Held until then, a 64 MB buffer was some 9,000 records kept alive on the main
   * thread for seconds; written as they come, the main thread's CPU in a 1M-event run fell from a
   * median 3.40 to 2.88 s (7 alternating runs each).
   */
  async append(table: TableName, data: Uint8Array, rows: number): Promise<void> {
    const buffer = this.buffers.get(table)!;
    if (buffer.bytes === 0) buffer.since = this.now();
    buffer.bytes += data.byteLength;
    buffer.rows += rows;
    if (this.failure) throw this.failure;
    if (data.byteLength > 0) {
      const writes: Promise<void>[] = [];
      buffer.runs.forEach(data, (partition, start, end) => {
        writes.push(this.spoolFor(table, buffer, partition).writer.write(data.subarray(start, end)));
      });
      await Promise.all(writes);
    }
    const sizeLimit = this.options.bufferingHints.sizeInMBs * 1024 * 1024;
    const intervalMs = this.options.bufferingHints.intervalInSeconds * 1000;
    if (buffer.bytes >= sizeLimit || this.now() - buffer.since >= intervalMs) {
      if (this.inFlight > 1) await this.delivering;
      void this.flushTable(table).catch((error: Error) => {
        this.failure ??= error;
      });
    }
  }

  /** Resolves when every delivery started so far has finished. */
  async whenDelivered(): Promise<void> {
    await this.delivering;
    if (this.failure) throw this.failure;
  }

  /** Rows written so far per table (buffered or delivered). */
  rowCounts(): Record<string, number> {
    return Object.fromEntries([...this.buffers].map(([table, buffer]) => [table, buffer.rows]));
  }

  /** The file of the table's buffer that records of `partition` go to (opened with its first). */
  private spoolFor(table: TableName, buffer: TableBuffer, partition: string | undefined): Spool {
    const part = partition === undefined ? undefined : buffer.parts.get(partition);
    if (part) return part;
    if (partition !== undefined && buffer.parts.size < MAX_SPLIT_PARTITIONS) {
      const spool = this.openSpool(`${table}-${buffer.flushes + 1}-${buffer.parts.size}`, table);
      buffer.parts.set(partition, spool);
      return spool;
    }
    buffer.mixed ??= this.openSpool(`${table}-${buffer.flushes + 1}-mixed`, table);
    return buffer.mixed;
  }

  /** A buffer file `.tmp/<name>.ndjson`. */
  private openSpool(name: string, table: TableName): Spool {
    const path = join(this.options.outDir, '.tmp', `${name}.ndjson`);
    const stream = createWriteStream(path, { flags: 'w', highWaterMark: 4 * 1024 * 1024 });
    stream.on('error', (error) => {
      this.failure ??= new SinkWriteError(`lake:${table}: buffer write failed: ${error.message}`, `lake:${table}`, 0, {
        cause: error,
      });
    });
    return { path, stream, writer: new BatchedWriter(stream) };
  }

  /** Delivers one table's buffer as Parquet files. */
  async flushTable(table: TableName): Promise<void> {
    const buffer = this.buffers.get(table)!;
    if (buffer.bytes === 0 || (buffer.parts.size === 0 && !buffer.mixed)) return;
    const parts = [...buffer.parts];
    const mixed = buffer.mixed;
    buffer.parts = new Map();
    buffer.mixed = undefined;
    buffer.bytes = 0;
    const flush = ++buffer.flushes;
    this.inFlight++;
    // The buffer's last records go to its files now, while an earlier delivery may still run.
    const spools = [...parts.map(([, spool]) => spool), ...(mixed ? [mixed] : [])];
    const written = Promise.all(spools.map((spool) => spool.writer.end().then(() => finished(spool.stream))));
    // Its failure is the delivery's, once the delivery gets to it; it is not unhandled meanwhile.
    written.catch(() => undefined);
    const delivery = this.delivering
      .then(() => written)
      .then(async () => {
        for (const [partition, spool] of parts) await this.deliver(table, spool.path, flush, partition);
        if (mixed) await this.deliver(table, mixed.path, flush, undefined);
      })
      .finally(() => this.inFlight--);
    this.delivering = delivery.catch(() => undefined);
    await delivery;
  }

  /**
   * Converts one buffer file to Parquet: a partition's straight into its directory, the mixed file
   * partitioned by DuckDB (PARTITION_BY, which costs about as much again as the conversion: 290 MB
   * of car_sensor took 1.2 CPU-s to one file and 1.9-2.5 partitioned, on 2 threads).
   */
  private async deliver(table: TableName, tmp: string, flush: number, partition: string | undefined): Promise<void> {
    const columns = tableColumns(table);
    const readTypes = columns
      .map((c) => `${quote(c.name)}: ${quote(c.type === 'timestamp' ? 'BIGINT' : duckdbType(c))}`)
      .join(', ');
    const select = columns
      .map((c) => (c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`))
      .join(', ');
    const time = `epoch_ms("${partitionTimeColumn(table)}")`;
    const read = `read_json(${quote(tmp)}, format = 'newline_delimited', columns = {${readTypes}})`;
    const codec = `COMPRESSION ${LAKE_PARQUET_COMPRESSION.toLowerCase()}`;
    const tableDir = join(this.options.outDir, 'lake', table);
    let sql: string;
    if (partition === undefined)
      sql = `COPY (SELECT ${select}, strftime(${time}, '%Y-%m-%d') AS dt, strftime(${time}, '%H') AS hour FROM ${read})
        TO ${quote(tableDir)}
        (FORMAT parquet, ${codec}, PARTITION_BY (dt, hour), APPEND, FILENAME_PATTERN ${quote(`${table}-${flush}-{uuid}`)})`;
    else {
      mkdirSync(join(tableDir, partition), { recursive: true });
      sql = `COPY (SELECT ${select} FROM ${read})
        TO ${quote(join(tableDir, partition, `${table}-${flush}-${randomUUID()}.parquet`))} (FORMAT parquet, ${codec})`;
    }
    try {
      await this.connection.run(sql);
    } catch (error) {
      throw new SinkWriteError(
        `lake:${table}: Parquet delivery failed: ${(error as Error).message}`,
        `lake:${table}`,
        0,
        {
          cause: error,
        },
      );
    } finally {
      await rm(tmp, { force: true });
    }
    this.files++;
  }

  /** Delivers every buffer and closes DuckDB. */
  async close(): Promise<{ flushes: number; rows: Record<string, number> }> {
    await this.delivering;
    if (this.failure) throw this.failure;
    for (const table of TABLES) await this.flushTable(table);
    rmSync(join(this.options.outDir, '.tmp'), { recursive: true, force: true });
    this.connection.closeSync();
    // The instance too: closing the connection alone leaves the database (its buffers, up to the
    // memory limit) alive until the garbage collector finalises the instance, which may be after the
    // verification has opened its own.
    this.instance.closeSync();
    return { flushes: this.files, rows: this.rowCounts() };
  }
}
