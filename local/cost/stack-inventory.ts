import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listNamedQueries } from '#src/adapters/file/named-queries.js';
import type { LakeTable } from '#src/cost/athena.js';
import { batchClusterOf, successPathStates } from '#src/cost/batch.js';
import type { StackInventory } from '#src/cost/estimate.js';
import type { PriceBook } from '#src/cost/price-book.js';
import type { StageSettings } from '#src/cost/stage-settings.js';
import { tableColumns } from '#src/schema/columns.js';
import { TABLES, type TableName } from '#src/schema/registry.js';
import { RULES } from '#src/telemetry/event.js';
import { analyticsTemplate } from '../../resources/analytics/index.js';

/** The id each table's deduplicating view keys on (the effect's idempotency key). */
const ID_COLUMN: Partial<Record<TableName, string>> = { alerts: 'alert_id', window_aggregates: 'window_id' };

/**
 * EMF metric series per stage: ingest's RecordsIn, Accepted, Rejected, Duplicates, SinkFailures,
 * BatchLatency and Alerts by rule (functions/ingest/create-ingest-handler.ts), aggregate's WindowRows
 * and LateRecords (functions/aggregate/create-aggregate-handler.ts).
 */
export const CUSTOM_METRICS = 6 + RULES.length + 2;

/** Every lake table with its columns from schemas/ and its dedupe id. */
export function lakeTables(): LakeTable[] {
  return TABLES.map((name) => ({
    name,
    columns: tableColumns(name).map((column) => ({ name: column.name, type: column.type })),
    idColumn: ID_COLUMN[name] ?? 'event_id',
  }));
}

/** The stage's analytics resources as resources/analytics.js generates them at package time. */
function analyticsResources(stage: StageSettings, repoRoot: string) {
  return analyticsTemplate({
    service: 'fleetstream',
    stage: stage.stage,
    lakeBufferSizeMb: stage.lakeBufferSizeMb,
    lakeBufferIntervalSeconds: stage.lakeBufferIntervalSeconds,
    searchInstanceType: stage.searchInstanceType,
    searchInstanceCount: stage.searchInstanceCount,
    searchVolumeGb: stage.searchVolumeGb,
    athenaBytesScannedCutoff: stage.athenaBytesScannedCutoff,
    logRetentionInDays: stage.logRetentionInDays,
    namedQueries: listNamedQueries(repoRoot),
    // What a stack keeps on delete changes no monthly bill.
    deletionPolicy: 'Delete',
  }).Resources;
}

/**
 * Alarms and dashboards of the stage's analytics template, less the alarms on search Firehose
 * streams: in the target architecture ingest and aggregate index into OpenSearch themselves.
 */
export function observabilityCounts(stage: StageSettings, repoRoot: string): { alarms: number; dashboards: number } {
  if (!stage.analytics) return { alarms: 0, dashboards: 0 };
  const entries = Object.entries(analyticsResources(stage, repoRoot));
  return {
    alarms: entries.filter(([id, r]) => r.Type === 'AWS::CloudWatch::Alarm' && !/^Search.+DeliveryAlarm$/.test(id))
      .length,
    dashboards: entries.filter(([, r]) => r.Type === 'AWS::CloudWatch::Dashboard').length,
  };
}

/**
 * Hour partitions Athena's partition projection enumerates per table at `asOf` (YYYY-MM-DD): from
 * the Glue tables' `projection.dt.range` start, 24 a day. Zero without analytics.
 */
export function projectedHourPartitions(stage: StageSettings, repoRoot: string, asOf: string): number {
  if (!stage.analytics) return 0;
  const table = Object.values(analyticsResources(stage, repoRoot)).find((r) => r.Type === 'AWS::Glue::Table');
  const range = (table?.Properties.TableInput as { Parameters?: Record<string, string> } | undefined)?.Parameters?.[
    'projection.dt.range'
  ];
  const start = range?.split(',')[0];
  if (!start || Number.isNaN(Date.parse(start)))
    throw new Error('the Glue tables have no projection.dt.range start date');
  const days = (Date.parse(asOf) - Date.parse(start)) / 86_400_000;
  return Math.max(0, Math.ceil(days)) * 24;
}

/** What the stack's files (schemas/, queries/, statemachines/, the analytics template) tell the model. */
export function readStackInventory(repoRoot: string, stage: StageSettings): StackInventory {
  const asl = JSON.parse(readFileSync(join(repoRoot, 'statemachines/batch-analytics.asl.json'), 'utf8'));
  return {
    lakeTables: lakeTables(),
    namedQueries: listNamedQueries(repoRoot).map(({ name, sql }) => ({ name, sql })),
    customMetrics: CUSTOM_METRICS,
    ...observabilityCounts(stage, repoRoot),
    batchCluster: batchClusterOf(asl),
    batchStatesPerRun: successPathStates(asl, stage.batchEngine).length,
  };
}

/** The price book: data/aws-prices.json. */
export function readPriceBook(repoRoot: string): PriceBook {
  return JSON.parse(readFileSync(join(repoRoot, 'data/aws-prices.json'), 'utf8')) as PriceBook;
}

/** The measured ingest events per second per core: bench/results/latest.json `ingest_events_per_sec_per_core`. */
export function readIngestThroughput(repoRoot: string): number {
  const bench = JSON.parse(readFileSync(join(repoRoot, 'bench/results/latest.json'), 'utf8'));
  const value = Number(bench.ingest_events_per_sec_per_core);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error('bench/results/latest.json has no ingest_events_per_sec_per_core: run `npm run bench`');
  return value;
}
