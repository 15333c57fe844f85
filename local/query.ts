import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { listNamedQueries, type NamedQuery } from '#src/adapters/file/named-queries.js';
import { duckdbType, tableColumns } from '#src/schema/columns.js';
import { dedupeViewStatements, rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES } from '#src/schema/registry.js';

export { listNamedQueries, type NamedQuery };

/** A query result. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((entry) => String(entry).endsWith('.parquet'));
}

/** A DuckDB connection over the local lake (see openLake); close it when done. */
export interface LakeConnection {
  query(sql: string): Promise<QueryResult>;
  /** The rows as objects keyed by column name. */
  queryObjects(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Options of openLake. */
export interface LakeQueryOptions {
  /**
   * DuckDB's memory limit (e.g. '512MB'): past it, joins and aggregations spill to a temporary folder.
   * Unset, DuckDB takes up to 80 % of the machine's memory.
   */
  memoryLimit?: string;
}

/**
 * A DuckDB connection over the local lake, with the tables Athena has: `<table>_raw` over the
 * Parquet files (hive partitions dt and hour included; an empty relation with the schema's columns
 * when there are no files yet, so every query runs on any lake), and the view `<table>` that shows
 * each row once (src/schema/dedupe-views.ts), which queries read. For several queries on one set of views.
 *
 * @example const lake = await openLake('.fleetstream'); await lake.query('SELECT COUNT(*) FROM car_sensor'); lake.close();
 */
export async function openLake(outDir: string, options: LakeQueryOptions = {}): Promise<LakeConnection> {
  // Where a bounded DuckDB spills: made here, removed on close.
  const spill = options.memoryLimit === undefined ? undefined : mkdtempSync(join(tmpdir(), 'fleetstream-query-'));
  const instance = await DuckDBInstance.create(
    ':memory:',
    spill === undefined
      ? {}
      : { memory_limit: options.memoryLimit!, preserve_insertion_order: 'false', temp_directory: spill },
  );
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    // The database's memory goes with the instance, not with its last connection.
    instance.closeSync();
    if (spill) rmSync(spill, { recursive: true, force: true });
  };
  try {
    for (const table of TABLES) {
      const dir = join(outDir, 'lake', table);
      const raw = rawTableName(table);
      if (hasParquet(dir)) {
        const glob = join(dir, '**', '*.parquet').replaceAll("'", "''");
        await connection.run(
          `CREATE VIEW "${raw}" AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, union_by_name = true)`,
        );
      } else {
        const columns = tableColumns(table).map((c) => `CAST(NULL AS ${duckdbType(c)}) AS "${c.name}"`);
        await connection.run(
          `CREATE VIEW "${raw}" AS SELECT ${columns.join(', ')}, CAST(NULL AS VARCHAR) AS dt, CAST(NULL AS VARCHAR) AS hour WHERE false`,
        );
      }
    }
    for (const { sql: view } of dedupeViewStatements()) await connection.run(view);
  } catch (error) {
    close();
    throw error;
  }
  return {
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return { columns: reader.columnNames(), rows: reader.getRowsJson() as unknown[][] };
    },
    async queryObjects(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    close,
  };
}

/** Runs SQL with DuckDB over the local lake (see openLake). */
export async function runQuery(outDir: string, sql: string): Promise<QueryResult> {
  const lake = await openLake(outDir);
  try {
    return await lake.query(sql);
  } finally {
    lake.close();
  }
}

/** Runs a named query. */
export async function runNamedQuery(repoRoot: string, outDir: string, name: string): Promise<QueryResult> {
  const query = listNamedQueries(repoRoot).find((q) => q.name === name);
  if (!query) {
    const names = listNamedQueries(repoRoot).map((q) => q.name);
    throw new Error(`no named query "${name}"; there are: ${names.join(', ')}`);
  }
  return runQuery(outDir, query.sql);
}

/** Formats a result as an aligned text table. */
export function formatTable(result: QueryResult): string {
  const cells = [
    result.columns,
    ...result.rows.map((row) =>
      row.map((value) => (value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value))),
    ),
  ];
  const widths = result.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i]).length)));
  const line = (row: unknown[]) =>
    row
      .map((value, i) => String(value).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(cells[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    `(${result.rows.length} rows)`,
  ].join('\n');
}
