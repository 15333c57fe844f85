import { renameSync, rmSync } from 'node:fs';
import { BOOLEAN, DOUBLE, type DuckDBConnection, DuckDBDataChunk, type DuckDBType, VARCHAR } from '@duckdb/node-api';
import { duckdbType } from '../../src/schema/columns.js';
import type { ColumnBuffer, SlotKind } from './column-buffer.js';

/** DuckDB's standard vector size: the appender takes chunks of at most this many rows. */
const CHUNK_ROWS = 2048;

/**
 * A string column with at most this many distinct values in a delivery is staged as dictionary
 * ids: a VARCHAR vector costs one native call per value (most of the staging time), a double
 * vector none. Enrichment columns (model, colour, make) and `type` have a handful of values.
 */
const MAX_DICTIONARY = 1024;
/** …and whose distinct values fit in this many characters (they travel as a SQL list literal). */
const MAX_DICTIONARY_CHARS = 65_536;

const STAGING_TYPES: Record<SlotKind, DuckDBType> = { double: DOUBLE, varchar: VARCHAR, boolean: BOOLEAN };

/** Single-quoted SQL string literal. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Double-quoted SQL identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface StagedSlot {
  kind: SlotKind;
  values: readonly (number | string | boolean | null)[];
  /** Present when a string slot is staged as 1-based ids into this list. */
  dictionary?: string[];
}

/** Replaces a low-cardinality string column by 1-based ids into its distinct values. */
function encodeDictionary(values: readonly (number | string | boolean | null)[]): StagedSlot | undefined {
  const ids = new Map<string, number>();
  let chars = 0;
  const encoded: (number | null)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as string | null;
    if (value === null) {
      encoded[i] = null;
      continue;
    }
    let id = ids.get(value);
    if (id === undefined) {
      chars += value.length;
      if (ids.size === MAX_DICTIONARY || chars > MAX_DICTIONARY_CHARS || value.includes('\u0000')) return undefined;
      id = ids.size + 1;
      ids.set(value, id);
    }
    encoded[i] = id;
  }
  return { kind: 'double', values: encoded, dictionary: [...ids.keys()] };
}

/** SQL that rebuilds one lake column, typed, from its staging slots. */
function columnExpression(buffer: ColumnBuffer, column: number, staged: readonly StagedSlot[]): string {
  const { columns, slotsOf } = buffer.layout;
  const target = columns[column]!;
  const refs = slotsOf[column]!.map((slot) => {
    const dictionary = staged[slot]!.dictionary;
    const ref = quoteIdentifier(buffer.layout.slots[slot]!.name);
    return dictionary ? `([${dictionary.map(quoteLiteral).join(', ')}])[CAST(${ref} AS BIGINT)]` : ref;
  });
  const [first, second] = refs as [string, string | undefined];
  let expression: string;
  switch (target.type) {
    case 'timestamp':
      expression = `epoch_ms(CAST(${first} AS BIGINT))`;
      break;
    case 'location':
      expression = `CASE WHEN ${first} IS NULL OR ${second} IS NULL THEN NULL ELSE {'lat': ${first}, 'lon': ${second}} END`;
      break;
    case 'map_double':
      expression = `CAST(${first} AS JSON)`;
      break;
    default:
      expression = first;
  }
  return `CAST(${expression} AS ${duckdbType(target)}) AS ${quoteIdentifier(target.name)}`;
}

/** Fills the staging table from the buffer, chunk by chunk, through one appender. */
async function stage(connection: DuckDBConnection, table: string, staged: readonly StagedSlot[], rows: number) {
  const types = staged.map((slot) => STAGING_TYPES[slot.kind]);
  const appender = await connection.createAppender(table);
  try {
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows - start);
      const chunk = DuckDBDataChunk.create(types, count);
      for (let s = 0; s < staged.length; s++) {
        const vector = chunk.getColumnVector(s);
        const values = staged[s]!.values;
        for (let i = 0; i < count; i++) vector.setItem(i, values[start + i] as never);
        vector.flush();
      }
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Writes one buffer as one Parquet file (zstd) at `path`, with exactly the table's columns typed
 * as `duckdbType` says. The file appears under its name only once complete (written as
 * `<path>.tmp`, then renamed), as an S3 object does, so a reader never sees half a file.
 */
export async function writeParquetFile(connection: DuckDBConnection, buffer: ColumnBuffer, path: string) {
  const { slots, columns } = buffer.layout;
  const staged: StagedSlot[] = slots.map((slot, i) => {
    const values = buffer.values[i]!;
    return (slot.kind === 'varchar' && encodeDictionary(values)) || { kind: slot.kind, values };
  });
  const staging = 'lake_staging';
  const tmp = `${path}.tmp`;
  await connection.run(
    `CREATE OR REPLACE TABLE ${staging} (${slots.map((slot, i) => `${quoteIdentifier(slot.name)} ${STAGING_TYPES[staged[i]!.kind].toString()}`).join(', ')})`,
  );
  try {
    await stage(connection, staging, staged, buffer.rows);
    const select = columns.map((_, i) => columnExpression(buffer, i, staged)).join(', ');
    await connection.run(
      `COPY (SELECT ${select} FROM ${staging}) TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${staging}`);
  }
}
