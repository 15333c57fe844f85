import { INDEX_FAMILIES } from '../search/index-templates.js';
import { PARTITION_KEYS, tableColumns } from './columns.js';
import { TABLES, type TableName } from './registry.js';

/**
 * The column that identifies a row of a table (`event_id`, `alert_id`, `window_id`): the same id
 * the search index uses as `_id`. A row written again after a redelivery repeats it.
 */
export function idColumn(table: TableName): string {
  const family = Object.values(INDEX_FAMILIES).find((f) => (f.tables as readonly TableName[]).includes(table));
  if (!family) throw new Error(`no index family holds ${table}`);
  return family.idField;
}

/** The table Firehose writes (all rows, at least once): `<table>_raw`. Queries read the view `<table>`. */
export function rawTableName(table: TableName): string {
  return `${table}_raw`;
}

/**
 * The query behind the view `<table>`: every row of `<table>_raw` once per id. Delivery is at least
 * once (a Lambda retry in a cold container, a Firehose retry), and a repeated row carries the same
 * id and lands in the same dt/hour partition (both derive from the row's own event time), so the
 * window partitions by dt, hour and id: a filter on dt or hour still prunes partitions through the
 * view, and the scan reads the same bytes as on the raw table. The same SQL runs on Athena (Trino)
 * and DuckDB.
 *
 * @example `CREATE OR REPLACE VIEW car_sensor AS ${dedupeViewQuery('car_sensor')}`
 */
export function dedupeViewQuery(table: TableName): string {
  const columns = [...tableColumns(table), ...PARTITION_KEYS].map((c) => `"${c.name}"`).join(', ');
  const id = `"${idColumn(table)}"`;
  const key = dedupeKey(table)
    .map((name) => `"${name}"`)
    .join(', ');
  return `SELECT ${columns} FROM (SELECT *, row_number() OVER (PARTITION BY ${key} ORDER BY ${id}) AS copy FROM "${rawTableName(table)}") WHERE copy = 1`;
}

/**
 * The columns the view `<table>` keeps one row per: dt, hour and the id. A reader of the view sees
 * an id once per distinct key, so `SELECT DISTINCT` of these over the raw table lists the view's
 * ids without materialising its rows (how the run's verification counts them).
 */
export function dedupeKey(table: TableName): string[] {
  return [...PARTITION_KEYS.map((c) => c.name), idColumn(table)];
}

/** The DDL of every view, for Athena (run after deploy) and the local DuckDB alike. */
export function dedupeViewStatements(): { table: TableName; sql: string }[] {
  return TABLES.map((table) => ({ table, sql: `CREATE OR REPLACE VIEW "${table}" AS ${dedupeViewQuery(table)}` }));
}
