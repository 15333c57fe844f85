import alert from '#schemas/alert.schema.json' with { type: 'json' };
import carSensor from '#schemas/car_sensor.schema.json' with { type: 'json' };
import defs from '#schemas/defs.schema.json' with { type: 'json' };
import emergency from '#schemas/emergency.schema.json' with { type: 'json' };
import gps from '#schemas/gps.schema.json' with { type: 'json' };
import trafficCamera from '#schemas/traffic_camera.schema.json' with { type: 'json' };
import trajectoryPoint from '#schemas/trajectory_point.schema.json' with { type: 'json' };
import vehicle from '#schemas/vehicle.schema.json' with { type: 'json' };
import weather from '#schemas/weather.schema.json' with { type: 'json' };
import windowAggregate from '#schemas/window_aggregate.schema.json' with { type: 'json' };

/** A JSON Schema document as stored in `schemas/` (draft-07, plus our `x-derived` / `x-column` annotations). */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * The input event types, in a fixed order. Each has `schemas/<type>.schema.json`.
 * Imported statically so the Lambda bundle carries them; a unit test fails when a file in
 * `schemas/` is missing here.
 */
export const EVENT_TYPES = [
  'car_sensor',
  'vehicle',
  'gps',
  'traffic_camera',
  'weather',
  'emergency',
  'trajectory_point',
] as const;

/** One of the input event types. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Tables ingest and aggregate produce besides the per-type event tables. */
export const OUTPUT_TABLES = ['alerts', 'window_aggregates'] as const;

/** An output table name. */
export type OutputTable = (typeof OUTPUT_TABLES)[number];

/** Every lake / Glue table: one per event type plus the outputs. */
export type TableName = EventType | OutputTable;

/** All lake tables in a fixed order. */
export const TABLES: readonly TableName[] = [...EVENT_TYPES, ...OUTPUT_TABLES];

/** Input schemas by event type. */
export const eventSchemas: Readonly<Record<EventType, JsonSchema>> = {
  car_sensor: carSensor,
  vehicle,
  gps,
  traffic_camera: trafficCamera,
  weather,
  emergency,
  trajectory_point: trajectoryPoint,
};

/** Output schemas by table. */
export const outputSchemas: Readonly<Record<OutputTable, JsonSchema>> = {
  alerts: alert,
  window_aggregates: windowAggregate,
};

/** The shared definitions every schema references as `defs.schema.json#/definitions/...`. */
export const definitionsSchema: JsonSchema = defs;

/** The schema that describes the rows of a lake table. */
export function schemaForTable(table: TableName): JsonSchema {
  return table === 'alerts' || table === 'window_aggregates' ? outputSchemas[table] : eventSchemas[table];
}

/** True when `value` names an input event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.hasOwn(eventSchemas, value);
}
