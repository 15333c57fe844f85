import type { SerialField } from './compile-serializer.js';
import { definitionsSchema, type JsonSchema, schemaForTable, type TableName } from './registry.js';

/** A lake column type; Glue, DuckDB and OpenSearch types all derive from it. */
export type ColumnType = 'string' | 'bigint' | 'double' | 'boolean' | 'timestamp' | 'location' | 'map_double';

/** One column of a lake table. */
export interface Column {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

const DEFINITION_PREFIX = 'defs.schema.json#/definitions/';

/** A property's schema with a `defs.schema.json` `$ref` resolved (its own keywords on top). */
export function resolveProperty(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith(DEFINITION_PREFIX)) throw new Error(`unsupported $ref ${ref}`);
  const definitions = definitionsSchema.definitions as Record<string, JsonSchema>;
  const target = definitions[ref.slice(DEFINITION_PREFIX.length)];
  if (!target) throw new Error(`unknown $ref ${ref}`);
  return { ...target, ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref')) };
}

function columnType(name: string, property: JsonSchema): { type: ColumnType; nullable: boolean } {
  const schema = resolveProperty(property);
  if (schema['x-column'] === 'timestamp') return { type: 'timestamp', nullable: false };
  const types = [schema.type].flat().filter((t): t is string => typeof t === 'string');
  const nullable = types.includes('null');
  const main = types.find((t) => t !== 'null');
  if (main === 'object') {
    const values = schema.additionalProperties as JsonSchema | undefined;
    if (values && typeof values === 'object' && values.type === 'number') return { type: 'map_double', nullable };
    const fields = Object.keys((schema.properties as object | undefined) ?? {});
    if (fields.length === 2 && fields.includes('lat') && fields.includes('lon')) return { type: 'location', nullable };
    throw new Error(`cannot derive a column type for object ${name}: only {lat, lon} and maps of numbers are mapped`);
  }
  if (main === 'integer') return { type: 'bigint', nullable };
  if (main === 'number') return { type: 'double', nullable };
  if (main === 'boolean') return { type: 'boolean', nullable };
  if (main === 'string' || schema.const !== undefined || Array.isArray(schema.enum))
    return { type: 'string', nullable };
  throw new Error(`cannot derive a column type for ${name}`);
}

/**
 * The columns of a lake table, derived from its schema in `schemas/`: the schema's properties in
 * order (with `event_id` first, always present after ingest), then the `x-derived` columns that
 * enrichment adds. The one place that maps JSON Schema to table columns.
 *
 * @example tableColumns('car_sensor') // [{ name: 'event_id', type: 'string', ... }, { name: 'type', ... }, ...]
 */
export function tableColumns(table: TableName): Column[] {
  return columnsFromSchema(schemaForTable(table));
}

/** The columns of any schema shaped like those in `schemas/` (what tableColumns applies to each table). */
export function columnsFromSchema(schema: JsonSchema): Column[] {
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  const derived = ((schema['x-derived'] as JsonSchema | undefined)?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const columns: Column[] = [];
  if (properties.event_id) {
    columns.push({ name: 'event_id', type: 'string', nullable: false });
    delete properties.event_id;
  }
  for (const [name, property] of Object.entries(properties)) {
    const { type, nullable } = columnType(name, property);
    columns.push({ name, type, nullable: nullable || !required.has(name) });
  }
  for (const [name, property] of Object.entries(derived)) {
    const { type } = columnType(name, property);
    columns.push({ name, type, nullable: true });
  }
  return columns;
}

const GLUE: Record<ColumnType, string> = {
  string: 'string',
  bigint: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
  location: 'struct<lat:double,lon:double>',
  map_double: 'map<string,double>',
};

const DUCKDB: Record<ColumnType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  location: 'STRUCT(lat DOUBLE, lon DOUBLE)',
  map_double: 'MAP(VARCHAR, DOUBLE)',
};

/**
 * OpenSearch field mappings: ids and labels are keywords (exact match, terms aggregations), event
 * time a date in epoch milliseconds as the serialisers write it, `location` a geo_point, maps of
 * numbers an object whose keys map themselves.
 */
const OPENSEARCH: Record<ColumnType, Record<string, unknown>> = {
  string: { type: 'keyword' },
  bigint: { type: 'long' },
  double: { type: 'double' },
  boolean: { type: 'boolean' },
  timestamp: { type: 'date', format: 'epoch_millis' },
  location: { type: 'geo_point' },
  map_double: { type: 'object', dynamic: true },
};

/** The OpenSearch mapping of a column. */
export function opensearchMapping(column: Column): Record<string, unknown> {
  return OPENSEARCH[column.type];
}

/** The Glue / Athena DDL type of a column. */
export function glueType(column: Column): string {
  return GLUE[column.type];
}

/** The DuckDB type of a column (the local lake's Parquet files). */
export function duckdbType(column: Column): string {
  return DUCKDB[column.type];
}

/**
 * The partition keys of every lake table, as Firehose dynamic partitioning writes them into the S3
 * prefix (`<table>/dt=YYYY-MM-DD/hour=HH/`): strings, in Glue and in the local views alike, so
 * `WHERE dt = '2026-11-24'` means the same in Athena and DuckDB.
 */
export const PARTITION_KEYS: readonly Column[] = [
  { name: 'dt', type: 'string', nullable: false },
  { name: 'hour', type: 'string', nullable: false },
];

/** The timestamp column a table is partitioned on: event time, or the window start for aggregates. */
export function partitionTimeColumn(table: TableName): string {
  return table === 'window_aggregates' ? 'window_start' : 'ts';
}

/** The fields a JSON serialiser writes for a table: its columns, timestamps as epoch milliseconds. */
export function serialFields(table: TableName): SerialField[] {
  return tableColumns(table).map((column) => ({
    name: column.name,
    kind:
      column.type === 'string'
        ? 'string'
        : column.type === 'boolean'
          ? 'boolean'
          : column.type === 'bigint' || column.type === 'double'
            ? 'number'
            : column.type === 'timestamp'
              ? 'timestamp'
              : column.type === 'location'
                ? 'location'
                : 'json',
  }));
}
