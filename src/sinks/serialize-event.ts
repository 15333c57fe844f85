import { columnsFromSchema, serialFields } from '../schema/columns.js';
import { compileSerializer, type Serializer } from '../schema/compile-serializer.js';
import { EVENT_TYPES, type EventType, eventSchemas, TABLES, type TableName } from '../schema/registry.js';
import type { TelemetryEvent } from '../telemetry/event.js';

const SERIALIZERS = new Map<TableName, Serializer>(
  TABLES.map((table) => [table, compileSerializer(serialFields(table))]),
);

/**
 * Set by the known-shape parser (src/ingest/known-shape-parser.ts) on an event whose text had its
 * schema's exact shape: the text of its columns after `ts`, as the compiled serialiser would write
 * them (the parser sets it only when every number there is written as JavaScript writes it, every
 * string is plain printable ASCII and the schema pins each column's JSON type). The event's line
 * is then that text between its id, type and ts and the derived columns: no number is formatted
 * again. Ingest never changes those fields after parsing. A symbol: JSON.stringify never sees it.
 */
export const LINE_BODY = Symbol('fleetstream.lineBody');

/** Per event table: the serialiser of its derived columns (`,"driver_id":…}`), or undefined when it has none. */
const DERIVED_TAIL = new Map<TableName, Serializer | undefined>(
  EVENT_TYPES.map((type) => {
    const derived = columnsFromSchema(eventSchemas[type]).filter(
      (c) => !Object.hasOwn(eventSchemas[type].properties as object, c.name) && c.name !== 'event_id',
    );
    const fields = serialFields(type).filter((field) => derived.some((c) => c.name === field.name));
    // Derived columns come from the dimension tables: a few values (one row per car), written again for every event.
    return [
      type,
      fields.length === 0 ? undefined : compileSerializer(fields, ',', { internStrings: true, rememberLines: true }),
    ];
  }),
);

/** The JSON line serialiser of a lake table's rows (its columns from `schemas/`), compiled once. */
export function serializerFor(table: TableName): Serializer {
  return SERIALIZERS.get(table)!;
}

/** Where an event keeps its serialised line once written; a symbol, so JSON.stringify never sees it. */
const LINE = Symbol('fleetstream.line');

/**
 * The JSON line of an accepted event: exactly its table's columns (a producer's extra fields are
 * dropped), `ts` in epoch milliseconds. Computed once per event and reused, because the lake and
 * the search sinks both write every event and serialising is the largest cost after JSON.parse.
 *
 * @example firehoseSink({ …, serialise: serializeEvent })
 */
export function serializeEvent(event: TelemetryEvent): string {
  const cached = (event as { [LINE]?: string })[LINE];
  if (cached !== undefined) return cached;
  const body = (event as { [LINE_BODY]?: string })[LINE_BODY];
  let line: string;
  if (body !== undefined) {
    const tail = DERIVED_TAIL.get(event.type as EventType);
    line = `{"event_id":"${event.event_id}","type":"${event.type}","ts":${event.ts}${body}${tail === undefined ? '}' : tail(event)}`;
  } else line = SERIALIZERS.get(event.type as EventType)!(event);
  (event as { [LINE]?: string })[LINE] = line;
  return line;
}
