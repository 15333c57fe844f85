import type { Assumptions } from './assumptions.js';
import { costLine, DAYS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
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

/** How much of a table the lake holds at the month costed (average over that month). */
export interface TableVolume {
  table: string;
  parquetBytes: number;
  objects: number;
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
 * One run of a named query over the deduplicating views: the read columns' share of every table
 * it reads (the queries have no dt/hour filter, so the whole lake), capped by the workgroup's
 * per-query cutoff (a query past it fails, billed for what it scanned), at least 10 MB. Athena
 * lists every projected hour partition and reads each object's footer and column chunks.
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
  let bytes = 0;
  let objects = 0;
  for (const table of read) {
    const volume = volumes.find((v) => v.table === table.name);
    if (!volume) continue;
    bytes += volume.parquetBytes * columnShare(table, columnsRead(query.sql, table), assumptions);
    objects += volume.objects;
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
    s3ListsPerRun: read.length * workload.projectedHourPartitions,
  };
}

/** Athena: each named query's billed scan times its runs in a month. */
export function athenaCost(scans: QueryScan[], workload: Workload, book: PriceBook): ServiceCost {
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
  notes.push(
    'the named queries have no dt/hour filter: each run reads the whole lake, so this grows with --lake-months',
  );
  return serviceCost('Athena', lines, notes);
}
