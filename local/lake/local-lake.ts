import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { duckdbType, serialFields, tableColumns } from '../../src/schema/columns.js';
import { compileSerializer, type Serializer } from '../../src/schema/compile-serializer.js';
import { TABLES, type TableName } from '../../src/schema/registry.js';
import { type Sink, SinkWriteError } from '../../src/sinks/sink.js';

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

interface TableBuffer {
  lines: string[];
  bytes: number;
  since: number;
  flushes: number;
  rows: number;
}

/** The column Firehose's dynamic partitioning keys on: event time, or the window start. */
function partitionColumn(table: TableName): string {
  return table === 'window_aggregates' ? 'window_start' : 'ts';
}

/** Single-quoted SQL string literal. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The local stand-in for the Firehose → S3 Parquet delivery: one buffer per table, delivered when
 * it reaches the buffering hints (size or interval, as Firehose does) and on close, as Parquet
 * files (zstd) whose columns are the Glue columns derived from `schemas/`, under the same layout
 * dynamic partitioning gives on S3: `lake/<table>/dt=YYYY-MM-DD/hour=HH/*.parquet`.
 *
 * Rows are serialised to the columns at `write` (so a producer's extra fields never reach the lake)
 * and converted by DuckDB (`read_json` → `COPY … PARTITION_BY`). Like Firehose, a delivery failure
 * surfaces later than the `write` that buffered the rows; here it fails the run loudly at flush.
 */
export class LocalLake {
  private readonly buffers = new Map<TableName, TableBuffer>();
  private readonly serializers = new Map<TableName, Serializer>();
  private readonly now: () => number;
  private files = 0;

  private constructor(
    private readonly options: LakeOptions,
    private readonly connection: DuckDBConnection,
  ) {
    this.now = options.now ?? Date.now;
    for (const table of TABLES) {
      this.serializers.set(table, compileSerializer(serialFields(table)));
      this.buffers.set(table, { lines: [], bytes: 0, since: 0, flushes: 0, rows: 0 });
      mkdirSync(join(options.outDir, 'lake', table), { recursive: true });
    }
    mkdirSync(join(options.outDir, '.tmp'), { recursive: true });
  }

  /** Opens the lake under `<outDir>/lake`. */
  static async open(options: LakeOptions): Promise<LocalLake> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    return new LocalLake(options, await instance.connect());
  }

  /**
   * The sink for one table (what a Firehose delivery stream is on AWS). `serialize` defaults to the
   * table's column serialiser; event tables pass `serializeEvent` so the line is shared with search.
   */
  sinkFor<T extends object>(table: TableName, serialize: (row: T) => string = this.serializers.get(table)!): Sink<T> {
    const buffer = this.buffers.get(table)!;
    const sizeLimit = this.options.bufferingHints.sizeInMBs * 1024 * 1024;
    const intervalMs = this.options.bufferingHints.intervalInSeconds * 1000;
    return {
      name: `lake:${table}`,
      write: async (items: readonly T[]) => {
        if (items.length === 0) return;
        if (buffer.lines.length === 0) buffer.since = this.now();
        for (const item of items) {
          const line = serialize(item);
          buffer.lines.push(line);
          buffer.bytes += line.length + 1;
        }
        buffer.rows += items.length;
        if (buffer.bytes >= sizeLimit || this.now() - buffer.since >= intervalMs) await this.flushTable(table);
      },
    };
  }

  /** Rows written so far per table (buffered or delivered). */
  rowCounts(): Record<string, number> {
    return Object.fromEntries([...this.buffers].map(([table, buffer]) => [table, buffer.rows]));
  }

  /** Delivers one table's buffer as Parquet files. */
  async flushTable(table: TableName): Promise<void> {
    const buffer = this.buffers.get(table)!;
    if (buffer.lines.length === 0) return;
    const lines = buffer.lines;
    buffer.lines = [];
    buffer.bytes = 0;
    const flush = ++buffer.flushes;
    const tmp = join(this.options.outDir, '.tmp', `${table}-${flush}.ndjson`);
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    const columns = tableColumns(table);
    const readTypes = columns
      .map((c) => `${quote(c.name)}: ${quote(c.type === 'timestamp' ? 'BIGINT' : duckdbType(c))}`)
      .join(', ');
    const select = columns
      .map((c) => (c.type === 'timestamp' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`))
      .join(', ');
    const partition = `epoch_ms("${partitionColumn(table)}")`;
    const sql = `COPY (
        SELECT ${select}, strftime(${partition}, '%Y-%m-%d') AS dt, strftime(${partition}, '%H') AS hour
        FROM read_json(${quote(tmp)}, format = 'newline_delimited', columns = {${readTypes}})
      ) TO ${quote(join(this.options.outDir, 'lake', table))}
      (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (dt, hour), APPEND, FILENAME_PATTERN ${quote(`${table}-${flush}-{uuid}`)})`;
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
      rmSync(tmp, { force: true });
    }
    this.files++;
  }

  /** Delivers every buffer and closes DuckDB. */
  async close(): Promise<{ flushes: number; rows: Record<string, number> }> {
    for (const table of TABLES) await this.flushTable(table);
    rmSync(join(this.options.outDir, '.tmp'), { recursive: true, force: true });
    this.connection.closeSync();
    return { flushes: this.files, rows: this.rowCounts() };
  }
}
