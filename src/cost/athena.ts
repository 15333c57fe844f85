import type { Assumptions } from './assumptions.js';
import { costLine, DAYS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import { storageMonths } from './lake-storage.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { StageSettings } from './stage-settings.js';
import type { Workload } from './workload.js';

/** Athena bills bytes scanned rounded up to the MB, at least 10 MB per query, at $/TB (2^40 bytes). */
const MB = 1024 * 1024;
const MINIMUM_BYTES = 10 * MB;
const TB = 1024 ** 4;

/** A lake table as the model sees it: its columns (from schemas/) and the id its deduplicating view keys on. */
export interface LakeTable {
  name: string;
  columns: { name: string; type: string }[];
  idColumn: string;
}

/** What one day of event time adds to a table at the rate costed: its Parquet bytes and objects. */
export interface TableVolume {
  table: string;
  parquetBytesPerDay: number;
  objectsPerDay: number;
}

/** A named query's SQL (queries/*.sql). */
export interface NamedQuerySql {
  name: string;
  sql: string;
}

/** What one run of a named query reads and is billed. */
export interface QueryScan {
  name: string;
  tables: string[];
  bytesPerRun: number;
  billedBytesPerRun: number;
  exceedsCutoff: boolean;
  s3GetsPerRun: number;
  s3ListsPerRun: number;
}

const word = (name: string) => new RegExp(`\\b${name}\\b`, 'i');

/** The lake tables a query's SQL reads (FROM or JOIN). */
export function tablesRead(sql: string, tables: LakeTable[]): LakeTable[] {
  const named = new Set(
    [...sql.matchAll(/\b(?:from|join)\s+"?([a-z_][a-z0-9_]*)"?/gi)].map((m) => m[1]!.toLowerCase()),
  );
  return tables.filter((table) => named.has(table.name));
}

/**
 * The columns a query reads from a table: every column whose name appears in the SQL as a word
 * (over-counting a name that appears only in a string literal errs towards a higher bill), plus
 * the id the deduplicating view partitions by.
 */
export function columnsRead(sql: string, table: LakeTable): string[] {
  return table.columns
    .filter((column) => column.name === table.idColumn || word(column.name).test(sql))
    .map((column) => column.name);
}

/** The share of a table's bytes that some of its columns hold, by typed width per row. */
export function columnShare(table: LakeTable, columns: string[], assumptions: Assumptions): number {
  const width = (column: { name: string; type: string }) =>
    column.name === table.idColumn ? assumptions.idColumnWidthBytes : (assumptions.columnWidthBytes[column.type] ?? 16);
  const total = table.columns.reduce((sum, column) => sum + width(column), 0);
  const read = table.columns.filter((c) => columns.includes(c.name)).reduce((sum, column) => sum + width(column), 0);
  return total === 0 ? 0 : read / total;
}

/**
 * One run of a named query over the deduplicating views, which reads one event-time window
 * (`dt BETWEEN ? AND ?` on every table, queries/*.sql): the read columns' share of the window's
 * days of every table it reads (no more days than the lake holds), capped by the workgroup's
 * per-query cutoff (a query past it fails, billed for what it scanned), at least 10 MB. Athena
 * generates only the window's partitions from the dt condition and the projection
 * (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html):
 * one LIST per hour partition of the window per table, and each object's footer and column chunks.
 */
export function scanQuery(
  query: NamedQuerySql,
  tables: LakeTable[],
  volumes: TableVolume[],
  workload: Workload,
  stage: StageSettings,
  assumptions: Assumptions,
): QueryScan {
  const read = tablesRead(query.sql, tables);
  const held = storageMonths(workload.lakeAgeMonths);
  const daysRead = Math.min(assumptions.queryWindowDays, (held.standard + held.infrequent) * DAYS_PER_MONTH);
  let bytes = 0;
  let objects = 0;
  for (const table of read) {
    const volume = volumes.find((v) => v.table === table.name);
    if (!volume) continue;
    bytes += volume.parquetBytesPerDay * daysRead * columnShare(table, columnsRead(query.sql, table), assumptions);
    objects += volume.objectsPerDay * daysRead;
  }
  const exceedsCutoff = bytes > stage.athenaBytesScannedCutoff;
  const scanned = Math.min(bytes, stage.athenaBytesScannedCutoff);
  const readShare = bytes === 0 ? 1 : scanned / bytes;
  return {
    name: query.name,
    tables: read.map((t) => t.name),
    bytesPerRun: bytes,
    billedBytesPerRun: Math.max(MINIMUM_BYTES, Math.ceil(scanned / MB) * MB),
    exceedsCutoff,
    s3GetsPerRun: objects * assumptions.s3GetsPerObjectRead * readShare,
    s3ListsPerRun: read.length * Math.min(assumptions.queryWindowDays * 24, workload.projectedHourPartitions),
  };
}

/** Athena: each named query's billed scan times its runs in a month. */
export function athenaCost(
  scans: QueryScan[],
  workload: Workload,
  assumptions: Assumptions,
  book: PriceBook,
): ServiceCost {
  const runs = workload.queryRunsPerDay * DAYS_PER_MONTH;
  const lines = scans.map((scan) =>
    costLine(
      `${scan.name} (${runs.toFixed(0)} runs)`,
      (scan.billedBytesPerRun * runs) / TB,
      'TB',
      priceOf(book, 'athena.scannedTb'),
    ),
  );
  const notes = scans
    .filter((scan) => scan.exceedsCutoff)
    .map(
      (scan) =>
        `${scan.name} would scan ${(scan.bytesPerRun / 1024 ** 3).toFixed(1)} GB: past the workgroup's cutoff every run fails, billed for the cutoff`,
    );
  const days = assumptions.queryWindowDays;
  notes.push(
    `each run reads a window of ${days} day${days === 1 ? '' : 's'} of event time (dt BETWEEN ? AND ?; --query-window-days), not the whole lake`,
  );
  return serviceCost('Athena', lines, notes);
}
