import { join } from 'node:path';
import type { EventType } from '#src/schema/registry.js';
import { INDEX_FAMILIES, type IndexFamilyName } from '#src/search/index-templates.js';
import { createFanOutSink, createRoutingSink } from '#src/sinks/routing-sink.js';
import { serializeEvent, serializerFor } from '#src/sinks/serialize-event.js';
import type { IngestSinks, LateRecord, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, Duplicate, Reject, TelemetryEvent } from '#src/telemetry/event.js';
import type { LocalLake } from '../lake/local-lake.js';
import { OpenSearchBulkWriter } from '../search/opensearch-bulk-writer.js';
import { type CountingSink, createBulkFileSink, createJsonlSink } from './file-sinks.js';
import type { RunObserver } from './run-observer.js';
import type { RunReport } from './run-report.js';

/** Options of createRunOutputs. */
export interface RunOutputsOptions {
  outDir: string;
  lake: LocalLake;
  /** Index into this OpenSearch node instead of writing `_bulk` files. */
  opensearchUrl?: string;
  /** Test seam: wraps the lake sink of the event tables (fault injection). */
  wrapLakeSink?: (sink: Sink<TelemetryEvent>) => Sink<TelemetryEvent>;
  /** Handed every batch once stored (the live dashboard). */
  observer?: RunObserver;
}

/** What the run counts as the outputs are written. */
export interface RunCounters {
  /** Events written to the lake (the event tables). */
  accepted: number;
  byType: Record<string, number>;
  byRule: Record<string, number>;
  byReason: Record<string, number>;
}

/** Every local destination of a run: the ingest sinks, the aggregate's outputs and the files behind them. */
export interface RunOutputs {
  ingest: IngestSinks;
  /** Where aggregate's window rows go: the lake, search, and the run's own list for the report. */
  windows: Sink<WindowAggregateRow>;
  late: CountingSink<LateRecord>;
  rejects: CountingSink<Reject>;
  duplicates: CountingSink<Duplicate>;
  alertsFile: CountingSink<Alert>;
  windowRows: WindowAggregateRow[];
  counters: RunCounters;
  /** Flushes and closes the files and the OpenSearch writer; says where the search documents went. */
  close(): Promise<RunReport['search']>;
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/** A sink that runs `onWritten` with the items once `sink` stored them all. */
function afterWrite<T>(sink: Sink<T>, onWritten: (items: readonly T[]) => void): Sink<T> {
  return {
    name: sink.name,
    async write(items) {
      await sink.write(items);
      onWritten(items);
    },
  };
}

/** `sink`, calling `onWritten` after each stored batch when there is one (else `sink` itself, untouched). */
function observed<T>(sink: Sink<T>, onWritten: ((items: readonly T[]) => void) | undefined): Sink<T> {
  return onWritten ? afterWrite(sink, onWritten) : sink;
}

/**
 * The run's destinations, the local stand-ins of what ingest and aggregate write to on AWS:
 * events routed per type to the Firehose stand-in's tables (the domain's routing sink), search
 * documents as `_bulk` files or into a real node, alerts fanned out to `alerts.jsonl`, the lake
 * and search, rejects / duplicates / late records as JSONL; and the counts the report needs.
 *
 * @example const outputs = await createRunOutputs({ outDir, lake }); … const search = await outputs.close();
 */
export async function createRunOutputs(options: RunOutputsOptions): Promise<RunOutputs> {
  const { outDir, lake, observer } = options;
  const counters: RunCounters = { accepted: 0, byType: {}, byRule: {}, byReason: {} };
  let events: Sink<TelemetryEvent> = createRoutingSink<TelemetryEvent>(
    'lake',
    (event) => event.type,
    (type) =>
      afterWrite(lake.sinkFor<TelemetryEvent>(type as EventType, serializeEvent), (written) => {
        counters.byType[type] = (counters.byType[type] ?? 0) + written.length;
        counters.accepted += written.length;
        observer?.onEvents?.(type as EventType, written);
      }),
  );
  if (options.wrapLakeSink) events = options.wrapLakeSink(events);

  // Search documents carry the table's columns (events reuse the line the lake serialised), `_id`
  // the row's id: into a real node with --opensearch, else into `_bulk` files.
  const opensearch = options.opensearchUrl
    ? new OpenSearchBulkWriter({ url: options.opensearchUrl, failedPath: join(outDir, 'search-failed.jsonl') })
    : undefined;
  await opensearch?.applyTemplates();
  const searchSink = <T extends object>(family: IndexFamilyName, serialize: (row: T) => string) =>
    opensearch
      ? opensearch.sinkFor(`search:${family}`, INDEX_FAMILIES[family], serialize)
      : createBulkFileSink(
          `search:${family}`,
          join(outDir, 'search', `${family}.ndjson`),
          INDEX_FAMILIES[family],
          serialize,
        );
  const eventsSearch = searchSink<TelemetryEvent>('events', serializeEvent);
  const alertsSearch = searchSink<Alert>('alerts', serializerFor('alerts'));
  const windowsSearch = searchSink<WindowAggregateRow>('window_aggregates', serializerFor('window_aggregates'));

  const alertsFile = createJsonlSink<Alert>('alerts', join(outDir, 'alerts.jsonl'), (alert) =>
    increment(counters.byRule, alert.rule),
  );
  const rejectsFile = createJsonlSink<Reject>('rejects', join(outDir, 'rejects.jsonl'), (reject) =>
    increment(counters.byReason, reject.reason),
  );
  // The source loop writes its own rejects here too, so the observer wraps the counting sink itself.
  const onRejects = observer?.onRejects?.bind(observer);
  const rejects: CountingSink<Reject> = onRejects
    ? {
        ...afterWrite(rejectsFile, onRejects),
        get count() {
          return rejectsFile.count;
        },
        close: () => rejectsFile.close(),
      }
    : rejectsFile;
  const duplicates = createJsonlSink<Duplicate>('duplicates', join(outDir, 'duplicates.jsonl'));
  const late = createJsonlSink<LateRecord>('late', join(outDir, 'late.jsonl'));
  const windowRows: WindowAggregateRow[] = [];
  const files = [alertsFile, rejectsFile, duplicates, late, eventsSearch, alertsSearch, windowsSearch].filter(
    (sink): sink is CountingSink<never> => 'close' in sink,
  );
  return {
    ingest: {
      lake: events,
      search: eventsSearch,
      alerts: createFanOutSink('alerts', [
        observed(alertsFile, observer?.onAlerts?.bind(observer)),
        lake.sinkFor<Alert>('alerts'),
        alertsSearch,
      ]),
      rejects,
      duplicates,
    },
    windows: observed(
      createFanOutSink('windows', [
        lake.sinkFor<WindowAggregateRow>('window_aggregates'),
        windowsSearch,
        {
          name: 'report',
          async write(rows) {
            for (const row of rows) windowRows.push(row);
          },
        },
      ]),
      observer?.onWindows?.bind(observer),
    ),
    late,
    rejects,
    duplicates,
    alertsFile,
    windowRows,
    counters,
    async close() {
      await Promise.all(files.map((sink) => sink.close()));
      return opensearch
        ? { kind: 'opensearch', ...(await opensearch.close()) }
        : { kind: 'files', dir: join(outDir, 'search') };
    },
  };
}
