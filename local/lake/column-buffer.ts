import type { Column } from '../../src/schema/columns.js';

/** How a buffered value is held until delivery: DuckDB's cheapest input types (see write-parquet-file.ts). */
export type SlotKind = 'double' | 'varchar' | 'boolean';

/**
 * One buffered input column. A lake column maps to one slot, except a location, which is two
 * (`lat`, `lon`), rebuilt into a struct when the file is written.
 */
export interface Slot {
  /** The DuckDB column name in the staging table. */
  name: string;
  kind: SlotKind;
  /** Reads the slot's value from a row: a number, string, boolean or null. */
  read: (row: Record<string, unknown>) => number | string | boolean | null;
}

/** The staging layout of a table: its slots, and the SQL expression that rebuilds each lake column from them. */
export interface TableLayout {
  columns: readonly Column[];
  slots: readonly Slot[];
  /** Per lake column, the slot indexes it reads. */
  slotsOf: readonly (readonly number[])[];
  /** Estimated JSON bytes of a row apart from its string values (names, punctuation, numbers). */
  fixedRowBytes: number;
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Epoch milliseconds from a normalised timestamp (a number); an ISO string is accepted too. */
export function epochMillis(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}

/**
 * Lays out a table's columns as staging slots. Numbers of every kind (bigint, double, timestamp
 * in epoch ms) are staged as DOUBLE because a double vector is filled from JS without a native
 * call per value (a BIGINT vector wants a JS bigint per value, a TIMESTAMP one an object); the
 * COPY casts them to the column type. JS numbers hold integers exactly up to 2^53, beyond any id
 * or epoch-ms timestamp the schemas allow.
 */
export function layoutTable(columns: readonly Column[]): TableLayout {
  const slots: Slot[] = [];
  const slotsOf: number[][] = [];
  let fixedRowBytes = 2;
  for (const column of columns) {
    const name = column.name;
    fixedRowBytes += name.length + 4;
    const add = (slot: Slot) => {
      slots.push(slot);
      return slots.length - 1;
    };
    switch (column.type) {
      case 'string':
        slotsOf.push([
          add({
            name: `s${slots.length}`,
            kind: 'varchar',
            read: (row) => {
              const value = row[name];
              return typeof value === 'string' ? value : value == null ? null : String(value);
            },
          }),
        ]);
        break;
      case 'bigint':
      case 'double':
        fixedRowBytes += 8;
        slotsOf.push([add({ name: `s${slots.length}`, kind: 'double', read: (row) => finite(row[name]) })]);
        break;
      case 'timestamp':
        fixedRowBytes += 13;
        slotsOf.push([add({ name: `s${slots.length}`, kind: 'double', read: (row) => epochMillis(row[name]) })]);
        break;
      case 'boolean':
        fixedRowBytes += 5;
        slotsOf.push([
          add({
            name: `s${slots.length}`,
            kind: 'boolean',
            read: (row) => (typeof row[name] === 'boolean' ? (row[name] as boolean) : null),
          }),
        ]);
        break;
      case 'location': {
        fixedRowBytes += 40;
        const part = (key: 'lat' | 'lon') => (row: Record<string, unknown>) => {
          const point = row[name] as Record<string, unknown> | null | undefined;
          return point && typeof point === 'object' ? finite(point[key]) : null;
        };
        slotsOf.push([
          add({ name: `s${slots.length}`, kind: 'double', read: part('lat') }),
          add({ name: `s${slots.length}`, kind: 'double', read: part('lon') }),
        ]);
        break;
      }
      case 'map_double':
        // Alerts only (a few per thousand events): JSON text, cast to MAP by the COPY.
        slotsOf.push([
          add({
            name: `s${slots.length}`,
            kind: 'varchar',
            read: (row) => (row[name] == null ? null : JSON.stringify(row[name])),
          }),
        ]);
        break;
    }
  }
  return { columns, slots, slotsOf, fixedRowBytes };
}

/**
 * Rows of one partition, held column by column until delivery: the producer's objects (and any
 * extra fields they carry) are not retained, and the size estimate is the JSON size Firehose
 * would count (fixed part per table plus the string values' lengths).
 */
export class ColumnBuffer {
  readonly values: (number | string | boolean | null)[][];
  rows = 0;
  bytes = 0;

  constructor(
    readonly layout: TableLayout,
    /** When the first row was buffered (the buffering interval counts from it). */
    public since: number,
  ) {
    this.values = layout.slots.map(() => []);
  }

  /** Appends one row. */
  push(row: Record<string, unknown>): void {
    const slots = this.layout.slots;
    let bytes = this.layout.fixedRowBytes;
    for (let i = 0; i < slots.length; i++) {
      const value = slots[i]!.read(row);
      if (typeof value === 'string') bytes += value.length;
      this.values[i]!.push(value);
    }
    this.rows++;
    this.bytes += bytes;
  }

  /** Drops the rows from `rows` on (a write that did not complete takes its rows back). */
  truncate(rows: number, bytes: number): void {
    for (const column of this.values) column.length = rows;
    this.rows = rows;
    this.bytes = bytes;
  }

  /** Puts `older` rows in front of this buffer's (a failed delivery's rows go back in order). */
  prepend(older: ColumnBuffer): void {
    for (let i = 0; i < this.values.length; i++) this.values[i] = older.values[i]!.concat(this.values[i]!);
    this.rows += older.rows;
    this.bytes += older.bytes;
    this.since = Math.min(this.since, older.since);
  }
}
