import { type Column, opensearchMapping, tableColumns } from '../schema/columns.js';
import { EVENT_TYPES, type TableName } from '../schema/registry.js';

/**
 * A family of daily indices fed by one Firehose stream: every event type shares `events` (one
 * delivery stream carries them all), alerts and window aggregates have their own.
 */
export interface IndexFamily {
  /** Index name prefix; Firehose appends `-YYYY-MM-DD` of the arrival day (IndexRotationPeriod OneDay). */
  prefix: string;
  tables: readonly TableName[];
  /** The field used as document `_id`, so a re-delivered document overwrites itself. */
  idField: string;
  /** The field whose UTC day names the index. */
  timeField: string;
}

/** The index families, in a fixed order. */
export const INDEX_FAMILIES = {
  events: { prefix: 'fleetstream-events', tables: EVENT_TYPES, idField: 'event_id', timeField: 'ts' },
  alerts: { prefix: 'fleetstream-alerts', tables: ['alerts'], idField: 'alert_id', timeField: 'ts' },
  window_aggregates: {
    prefix: 'fleetstream-window-aggregates',
    tables: ['window_aggregates'],
    idField: 'window_id',
    timeField: 'window_start',
  },
} as const satisfies Record<string, IndexFamily>;

/** An index family's name. */
export type IndexFamilyName = keyof typeof INDEX_FAMILIES;

/** The daily index of a family for an epoch-millisecond time, as Firehose's OneDay rotation names it. */
export function dailyIndex(family: IndexFamily, epochMs: number): string {
  return `${family.prefix}-${new Date(epochMs).toISOString().slice(0, 10)}`;
}

/**
 * The field mappings of a family: the union of its tables' columns (from `schemas/`). A field two
 * tables type differently cannot share an index, so that throws, naming both.
 */
export function familyProperties(
  family: IndexFamily,
  columnsOf: (table: TableName) => Column[] = tableColumns,
): Record<string, Record<string, unknown>> {
  const properties: Record<string, Record<string, unknown>> = {};
  const owner: Record<string, string> = {};
  for (const table of family.tables) {
    for (const column of columnsOf(table)) {
      const mapping = opensearchMapping(column);
      const existing = properties[column.name];
      if (existing && JSON.stringify(existing) !== JSON.stringify(mapping))
        throw new Error(
          `${family.prefix}: field ${column.name} is ${JSON.stringify(existing)} in ${owner[column.name]} but ${JSON.stringify(mapping)} in ${table}`,
        );
      properties[column.name] = mapping;
      owner[column.name] ??= table;
    }
  }
  return properties;
}

/** Options of indexTemplate. */
export interface IndexTemplateOptions {
  shards?: number;
  /** 0 on a single node; 1 or more on a domain with several data nodes. */
  replicas?: number;
}

/**
 * The composable index template of a family (PUT _index_template/<prefix>): strict mappings from
 * `schemas/`, so a document with a field the schemas do not know is refused, not silently mapped.
 *
 * @example await fetch(`${url}/_index_template/fleetstream-events`, { method: 'PUT', body: JSON.stringify(indexTemplate(INDEX_FAMILIES.events)) })
 */
export function indexTemplate(family: IndexFamily, options: IndexTemplateOptions = {}): Record<string, unknown> {
  return {
    index_patterns: [`${family.prefix}-*`],
    priority: 100,
    template: {
      settings: {
        number_of_shards: options.shards ?? 1,
        number_of_replicas: options.replicas ?? 0,
        refresh_interval: '5s',
      },
      mappings: { dynamic: 'strict', properties: familyProperties(family) },
    },
    _meta: { source: 'generated from schemas/ by src/search/index-templates.ts' },
  };
}

/**
 * An Index State Management policy deleting a family's daily indices `days` after creation
 * (PUT _plugins/_ism/policies/<prefix>-retention; the ISM plugin ships with Amazon OpenSearch Service).
 */
export function retentionPolicy(family: IndexFamily, days: number): Record<string, unknown> {
  return {
    policy: {
      description: `Delete ${family.prefix}-* indices ${days} days after creation.`,
      default_state: 'hot',
      states: [
        {
          name: 'hot',
          actions: [],
          transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }],
        },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [`${family.prefix}-*`], priority: 100 }],
    },
  };
}
