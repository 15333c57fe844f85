import { serialFields } from '../schema/columns.js';
import { compileSerializer, type Serializer } from '../schema/compile-serializer.js';
import { type EventType, TABLES, type TableName } from '../schema/registry.js';
import type { TelemetryEvent } from '../telemetry/event.js';

const SERIALIZERS = new Map<TableName, Serializer>(
  TABLES.map((table) => [table, compileSerializer(serialFields(table))]),
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
  const line = SERIALIZERS.get(event.type as EventType)!(event);
  (event as { [LINE]?: string })[LINE] = line;
  return line;
}
