import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { partitionTimeColumn, tableColumns } from '../../src/schema/columns.js';
import { TABLES, type TableName } from '../../src/schema/registry.js';
import { type Sink, SinkWriteError } from '../../src/sinks/sink.js';
import { ColumnBuffer, epochMillis, layoutTable, type TableLayout } from './column-buffer.js';
import { writeParquetFile } from './write-parquet-file.js';

const HOUR_MS = 3_600_000;
const MB = 1024 * 1024;

/** Firehose buffering hints: a partition's buffer is delivered when it reaches either. */
export interface BufferingHints {
  sizeInMBs: number;
  intervalInSeconds: number;
}

/** Why a file was delivered. */
export type DeliveryReason = 'size' | 'interval' | 'memory' | 'flush' | 'close';

/** One Parquet file the lake delivered. */
export interface LakeFile {
  table: TableName;
  /** Partition values, as in the path: `dt=YYYY-MM-DD/hour=HH`. */
  dt: string;
  hour: string;
  path: string;
  rows: number;
  /** Size of the Parquet file. */
  bytes: number;
  reason: DeliveryReason;
}

/** Options of openLocalLake. */
export interface LocalLakeOptions {
  /** The lake is written under `<outDir>/lake`. */
  outDir: string;
  bufferingHints: BufferingHints;
  /** Clock for the buffering interval, epoch ms (default Date.now). */
  now?: () => number;
  /** Called after each delivered file. */
  onFile?: (file: LakeFile) => void;
  /**
   * Bound on the estimated bytes buffered across all partitions (default 4 × sizeInMBs): past it,
   * the largest partitions are delivered early. Many partitions each below the size hint (a replay
   * spanning months of hours) would otherwise grow without bound.
   */
  maxBufferedMBs?: number;
}

/** The local Firehose → S3 Parquet stand-in. */
export interface LocalLake {
  /** The sink for one table: what its Firehose delivery stream is on AWS. */
  sinkFor<T extends object = object>(table: TableName): Sink<T>;
  /**
   * Delivers the buffers whose interval has passed (what Firehose's timer does), or with
   * `{ all: true }` every buffer. Throws SinkWriteError when a delivery fails; its rows stay buffered.
   */
  flush(options?: { all?: boolean }): Promise<void>;
  /** Delivers everything and closes DuckDB; `rows` counts the rows delivered per table. */
  close(): Promise<{ files: number; rows: Record<string, number> }>;
}

interface TableState {
  table: TableName;
  layout: TableLayout;
  timeColumn: string;
  /** Buffers by partition: hours since the epoch (UTC) of the partition time column. */
  partitions: Map<number, ColumnBuffer>;
  /** Next file sequence number. */
  seq: number;
  delivered: number;
}

interface Failure {
  state: TableState;
  hour: number;
  error: unknown;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** `dt` and `hour` partition values (UTC) of an hour since the epoch. */
function partitionValues(hour: number): { dt: string; hour: string } {
  const iso = new Date(hour * HOUR_MS).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** The highest `<table>-<seq>.parquet` sequence already in the table's folder, so a reopened lake never overwrites. */
function lastSequence(dir: string, table: string): number {
  if (!existsSync(dir)) return 0;
  const pattern = new RegExp(`^${table}-(\\d+)\\.parquet$`);
  let last = 0;
  for (const entry of readdirSync(dir, { recursive: true })) {
    const match = pattern.exec(String(entry).split(/[\\/]/).pop() ?? '');
    if (match) last = Math.max(last, Number(match[1]));
  }
  return last;
}

/**
 * Opens the local stand-in for Firehose → S3 Parquet: one buffer per (table, dt, hour) partition,
 * as Firehose dynamic partitioning keeps one per partition key; a buffer is delivered as one
 * Parquet file (zstd) when it reaches the size hint or its interval has passed (checked on every
 * write and on flush, against `now`), and on close. Files land where the delivery stream's prefix
 * `<table>/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/` puts them:
 * `<outDir>/lake/<table>/dt=YYYY-MM-DD/hour=HH/<table>-<seq>.parquet`, partitioned on `ts` in UTC
 * (`window_start` for window_aggregates), columns from `schemas/` (src/schema/columns.ts).
 *
 * Delivery semantics, at least once, as Firehose's: a `write` buffers its rows and returns once
 * they are buffered or delivered. When a delivery that `write` set off fails, that write takes
 * back its rows that are not yet in a file and throws SinkWriteError whose `firstFailedIndex` is
 * the first of them (rows it already delivered may then be written again by the caller's retry:
 * duplicates, never loss; `event_id` identifies them). Rows of earlier writes stay buffered and are
 * retried by the next delivery; `flush` and `close` throw while any delivery fails, so a run never
 * ends with rows silently left behind.
 *
 * @example
 *   const lake = await openLocalLake({ outDir: '.fleetstream', bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
 *   await lake.sinkFor('car_sensor').write(events);
 *   await lake.close(); // { files: 3, rows: { car_sensor: 1000000, … } }
 */
export async function openLocalLake(options: LocalLakeOptions): Promise<LocalLake> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection: DuckDBConnection = await instance.connect();
  const now = options.now ?? Date.now;
  const sizeLimit = options.bufferingHints.sizeInMBs * MB;
  const intervalMs = options.bufferingHints.intervalInSeconds * 1000;
  const memoryLimit = (options.maxBufferedMBs ?? 4 * options.bufferingHints.sizeInMBs) * MB;
  const lakeDir = join(options.outDir, 'lake');
  const states = new Map<TableName, TableState>(
    TABLES.map((table) => {
      const dir = join(lakeDir, table);
      mkdirSync(dir, { recursive: true });
      const state: TableState = {
        table,
        layout: layoutTable(tableColumns(table)),
        timeColumn: partitionTimeColumn(table),
        partitions: new Map(),
        seq: lastSequence(dir, table) + 1,
        delivered: 0,
      };
      return [table, state];
    }),
  );
  let files = 0;
  let closed = false;
  // One operation at a time: DuckDB runs one statement per connection, and a write's rollback
  // relies on its rows being the newest in each partition it touched.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <R>(operation: () => Promise<R>): Promise<R> => {
    const result = queue.then(() => {
      if (closed) throw new Error('the local lake is closed');
      return operation();
    });
    queue = result.catch(() => undefined);
    return result;
  };

  /** Delivers one partition's buffer as one file; on failure the rows go back into the buffer. */
  const deliver = async (state: TableState, hour: number, reason: DeliveryReason): Promise<Failure | undefined> => {
    const buffer = state.partitions.get(hour);
    if (!buffer || buffer.rows === 0) return undefined;
    state.partitions.delete(hour);
    const { dt, hour: hh } = partitionValues(hour);
    const dir = join(lakeDir, state.table, `dt=${dt}`, `hour=${hh}`);
    const path = join(dir, `${state.table}-${pad(state.seq, 6)}.parquet`);
    try {
      mkdirSync(dir, { recursive: true });
      await writeParquetFile(connection, buffer, path);
    } catch (error) {
      const newer = state.partitions.get(hour);
      if (newer) newer.prepend(buffer);
      else state.partitions.set(hour, buffer);
      return { state, hour, error };
    }
    state.seq++;
    state.delivered += buffer.rows;
    files++;
    options.onFile?.({ table: state.table, dt, hour: hh, path, rows: buffer.rows, bytes: statSync(path).size, reason });
    return undefined;
  };

  /** Delivers what the hints (or `all`) make due; returns the failures. */
  const deliverDue = async (all: 'flush' | 'close' | false): Promise<Failure[]> => {
    const due: { state: TableState; hour: number; reason: DeliveryReason; bytes: number }[] = [];
    const rest: { state: TableState; hour: number; bytes: number }[] = [];
    const time = now();
    let total = 0;
    for (const state of states.values()) {
      for (const [hour, buffer] of state.partitions) {
        const reason: DeliveryReason | undefined = all
          ? all
          : buffer.bytes >= sizeLimit
            ? 'size'
            : time - buffer.since >= intervalMs
              ? 'interval'
              : undefined;
        if (reason) due.push({ state, hour, reason, bytes: buffer.bytes });
        else {
          rest.push({ state, hour, bytes: buffer.bytes });
          total += buffer.bytes;
        }
      }
    }
    if (total > memoryLimit) {
      rest.sort((a, b) => b.bytes - a.bytes);
      for (const entry of rest) {
        if (total <= memoryLimit / 2) break;
        due.push({ ...entry, reason: 'memory' });
        total -= entry.bytes;
      }
    }
    const failures: Failure[] = [];
    for (const { state, hour, reason } of due) {
      const failure = await deliver(state, hour, reason);
      if (failure) failures.push(failure);
    }
    return failures;
  };

  const failureError = (failures: Failure[], firstFailedIndex: number, sink: string): SinkWriteError => {
    const first = failures[0]!;
    const { dt, hour } = partitionValues(first.hour);
    return new SinkWriteError(
      `${sink}: ${failures.length} Parquet deliveries failed; first ${first.state.table} dt=${dt}/hour=${hour}: ${(first.error as Error)?.message ?? first.error}`,
      sink,
      firstFailedIndex,
      { cause: first.error },
    );
  };

  const write = async (state: TableState, items: readonly object[]): Promise<void> => {
    if (items.length === 0) return;
    const sink = `lake:${state.table}`;
    // Partition keys first, so a row without a usable time fails the call before anything is buffered.
    const hours = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const ms = epochMillis((items[i] as Record<string, unknown>)[state.timeColumn]);
      if (ms === null)
        throw new TypeError(`${sink}: row ${i} has no ${state.timeColumn} to partition on (epoch ms expected)`);
      hours[i] = Math.floor(ms / HOUR_MS);
    }
    const touched = new Map<number, { buffer: ColumnBuffer; rows: number; bytes: number; first: number }>();
    let current: ColumnBuffer | undefined;
    let currentHour = Number.NaN;
    const time = now();
    for (let i = 0; i < items.length; i++) {
      const hour = hours[i]!;
      if (hour !== currentHour) {
        currentHour = hour;
        current = state.partitions.get(hour);
        if (!current) {
          current = new ColumnBuffer(state.layout, time);
          state.partitions.set(hour, current);
        }
        if (!touched.has(hour)) touched.set(hour, { buffer: current, rows: current.rows, bytes: current.bytes, first: i });
      }
      current!.push(items[i] as Record<string, unknown>);
    }
    const failures = await deliverDue(false);
    if (failures.length === 0) return;
    // Take back this call's rows that did not reach a file; the caller's retry writes them again.
    let firstFailedIndex = Number.POSITIVE_INFINITY;
    for (const [hour, mark] of touched) {
      const buffer = state.partitions.get(hour);
      if (buffer !== mark.buffer) continue; // delivered: these rows are in a file
      buffer.truncate(mark.rows, mark.bytes);
      if (buffer.rows === 0) state.partitions.delete(hour);
      firstFailedIndex = Math.min(firstFailedIndex, mark.first);
    }
    if (firstFailedIndex !== Number.POSITIVE_INFINITY) throw failureError(failures, firstFailedIndex, sink);
  };

  return {
    sinkFor<T extends object = object>(table: TableName): Sink<T> {
      const state = states.get(table);
      if (!state) throw new Error(`no lake table "${table}"; tables: ${TABLES.join(', ')}`);
      return { name: `lake:${table}`, write: (items: readonly T[]) => exclusive(() => write(state, items)) };
    },
    flush: (flushOptions) =>
      exclusive(async () => {
        const failures = await deliverDue(flushOptions?.all ? 'flush' : false);
        if (failures.length > 0) throw failureError(failures, 0, 'lake');
      }),
    close: () =>
      exclusive(async () => {
        const failures = await deliverDue('close');
        if (failures.length > 0) throw failureError(failures, 0, 'lake');
        closed = true;
        connection.closeSync();
        instance.closeSync();
        return { files, rows: Object.fromEntries([...states].map(([table, state]) => [table, state.delivered])) };
      }),
  };
}
