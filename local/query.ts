import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  countParameters,
  type DtWindow,
  listNamedQueries,
  type NamedQuery,
  windowParameters,
} from '#src/adapters/file/named-queries.js';
import { duckdbType, tableColumns } from '#src/schema/columns.js';
import { dedupeViewStatements, rawTableName } from '#src/schema/dedupe-views.js';
import { TABLES } from '#src/schema/registry.js';

export { type DtWindow, listNamedQueries, type NamedQuery };

/** Values bound to a statement's `?` placeholders, in order (null binds SQL NULL). */
export type QueryValues = (string | number | null)[];

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
  /** Runs SQL, binding `values` to its `?` placeholders in order. */
  query(sql: string, values?: QueryValues): Promise<QueryResult>;
  /** The rows as objects keyed by column name. */
  queryObjects(sql: string, values?: QueryValues): Promise<Record<string, unknown>[]>;
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
 * Parquet files (hive partitions dt and hour included, as strings like Glue's partition keys; an
 * empty relation with the schema's columns when there are no files yet, so every query runs on any
 * lake), and the view `<table>` that shows
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
          // dt and hour typed as Glue declares them (string, src/schema/columns.ts PARTITION_KEYS), not as
          // DuckDB would guess (dt a DATE): a query that compares dt with a DATE fails here as on Athena.
          `CREATE VIEW "${raw}" AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': VARCHAR}, union_by_name = true)`,
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
    async query(sql, values) {
      const reader = await connection.runAndReadAll(sql, values);
      return { columns: reader.columnNames(), rows: reader.getRowsJson() as unknown[][] };
    },
    async queryObjects(sql, values) {
      const reader = await connection.runAndReadAll(sql, values);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    close,
  };
}

/** Runs SQL with DuckDB over the local lake (see openLake), `values` bound to its `?` in order. */
export async function runQuery(outDir: string, sql: string, values?: QueryValues): Promise<QueryResult> {
  const lake = await openLake(outDir);
  try {
    return await lake.query(sql, values);
  } finally {
    lake.close();
  }
}

/**
 * The lake's own event-time range: the first and last `dt=` partition over every table, or
 * undefined when the lake holds no rows.
 */
export async function lakeDtRange(lake: LakeConnection): Promise<DtWindow | undefined> {
  const all = TABLES.map((table) => `SELECT dt FROM "${rawTableName(table)}"`).join(' UNION ALL ');
  const { rows } = await lake.query(`SELECT min(dt), max(dt) FROM (${all})`);
  const [from, to] = rows[0] ?? [];
  return typeof from === 'string' && typeof to === 'string' ? { from, to } : undefined;
}

/**
 * A window from the bounds given, the others from the lake's range; a bound past the lake's other
 * end makes a one-day window (an empty answer, not an inverted window). Undefined when nothing is
 * given and the lake is empty. 'YYYY-MM-DD' strings compare chronologically.
 */
function fillWindow(given: Partial<DtWindow>, lake: DtWindow | undefined): DtWindow | undefined {
  const { from, to } = given;
  if (from !== undefined && to !== undefined) return { from, to };
  if (from !== undefined) return { from, to: lake && lake.to > from ? lake.to : from };
  if (to !== undefined) return { from: lake && lake.from < to ? lake.from : to, to };
  return lake;
}

/** A named query's result and the window it read (null: an empty lake, so no window and no rows). */
export interface NamedQueryResult extends QueryResult {
  window: DtWindow | null;
}

/**
 * Runs a named query over one event-time window: `window`, a bound it leaves out taken from the
 * lake's own dt range (lakeDtRange), so an unbounded run answers as for the whole lake. An empty
 * lake with no bound given binds NULL (dt BETWEEN NULL AND NULL holds for no row) and answers with
 * the query's columns and no rows; one bound given on an empty lake is a one-day window.
 * Bounds compare as strings: 'YYYY-MM-DD' sorts chronologically.
 *
 * @example await runNamedQuery(repoRoot, '.fleetstream', 'top_speeders', { from: '2026-11-24', to: '2026-11-24' })
 */
export async function runNamedQuery(
  repoRoot: string,
  outDir: string,
  name: string,
  window: Partial<DtWindow> = {},
): Promise<NamedQueryResult> {
  const query = listNamedQueries(repoRoot).find((q) => q.name === name);
  if (!query) {
    const names = listNamedQueries(repoRoot).map((q) => q.name);
    throw new Error(`no named query "${name}"; there are: ${names.join(', ')}`);
  }
  const lake = await openLake(outDir);
  try {
    const lakeRange = window.from !== undefined && window.to !== undefined ? undefined : await lakeDtRange(lake);
    const bound = fillWindow(window, lakeRange);
    const values = bound ? windowParameters(query, bound) : new Array(countParameters(query.sql)).fill(null);
    return { ...(await lake.query(query.sql, values)), window: bound ?? null };
  } finally {
    lake.close();
  }
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
