import { join } from 'node:path';
import { TABLES, type TableName } from '#src/schema/registry.js';
import { INDEX_FAMILIES, type IndexFamilyName } from '#src/search/index-templates.js';
import { deliveryStreamName } from '#src/sinks/delivery-streams.js';
import { createFanOutSink } from '#src/sinks/routing-sink.js';
import { serializerFor } from '#src/sinks/serialize-event.js';
import type { IngestSinks, LateRecord, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, Duplicate, Reject, TelemetryEvent } from '#src/telemetry/event.js';
import { LocalFirehose, type LocalFirehoseStats } from '../firehose/local-firehose.js';
import type { LocalLake } from '../lake/local-lake.js';
import { OpenSearchBulkWriter } from '../search/opensearch-bulk-writer.js';
import { LocalFifoTopic, type LocalTopicStats } from '../sns/local-fifo-topic.js';
import {
  type CountingSink,
  createGzipJsonlSink,
  createJsonlSink,
  createLineSink,
  createTextSink,
  type TextFileSink,
} from './file-sinks.js';
import { afterWrite, createBulkBodySink, createIngestSinks, createLakeTableSink, observed } from './ingest-sinks.js';
import type { RunObserver } from './run-observer.js';
import type { RunReport } from './run-report.js';

/** Options of createRunOutputs. */
export interface RunOutputsOptions {
  outDir: string;
  lake: LocalLake;
  /** The lake's delivery streams are `<prefix><table>`, as the stack names them. */
  lakeStreamPrefix: string;
  /** The alerts topic's ARN, as the stack names it. */
  alertsTopicArn: string;
  /** The run's clock (ms): the alerts topic's deduplication interval runs on it. */
  now: () => number;
  /** Fault injection: whether a record or entry sent to the Firehose or SNS stand-in fails (partial response). */
  throttle?: () => boolean;
  /** Index into this OpenSearch node instead of writing `_bulk` files. */
  opensearchUrl?: string;
  /** Test seam: wraps the lake sink of the event tables (fault injection). */
  wrapLakeSink?: (sink: Sink<TelemetryEvent>) => Sink<TelemetryEvent>;
  /** Handed every batch once stored (the live dashboard). */
  observer?: RunObserver;
  /** Called with each alert the alerts topic's subscriber received, once it is written (latency). */
  onAlertDelivered?: (alert: Alert) => void;
}

/** Every local destination of a run: the ingest sinks, the aggregate's outputs and the files behind them. */
export interface RunOutputs {
  ingest: IngestSinks;
  /** Where aggregate's window rows go: the lake, search, and the run's own list for the report. */
  windows: Sink<WindowAggregateRow>;
  late: CountingSink<LateRecord>;
  rejects: CountingSink<Reject>;
  duplicates: CountingSink<Duplicate>;
  /** What the alerts topic's subscriber received: one notification per line. */
  alertsFile: CountingSink<string>;
  /** Hands notifications to the topic's subscriber (alerts.jsonl, the observer), in order: what an ingest worker's topic delivered. */
  deliverAlerts(messages: string[]): Promise<void>;
  /** The `_bulk` files per index family (absent with a real node). */
  searchFiles: Record<IndexFamilyName, TextFileSink<string>> | undefined;
  windowRows: WindowAggregateRow[];
  /** What the Firehose stand-in received. */
  firehose: LocalFirehoseStats;
  /** What the alerts topic stand-in published, delivered and deduplicated. */
  alertsTopic: LocalTopicStats;
  /** Flushes and closes the files and the OpenSearch writer; says where the search documents went. */
  close(): Promise<RunReport['search']>;
}

/**
 * The run's destinations, the local stand-ins of what ingest and aggregate write to on AWS:
 * events routed per type to the Firehose stand-in's tables (the domain's routing sink), search
 * documents as `_bulk` files or into a real node, alerts to `alerts.jsonl`, the lake and search,
 * rejects / duplicates / late records as JSONL.
 *
 * @example const outputs = await createRunOutputs({ outDir, lake }); … const search = await outputs.close();
 */
export async function createRunOutputs(options: RunOutputsOptions): Promise<RunOutputs> {
  const { outDir, lake, observer } = options;
  // The lake goes through the same Firehose sink as on AWS (packing, call limits, retries of failed
  // records) into the Firehose stand-in, which enforces what the service enforces.
  const streams = new Map(TABLES.map((table) => [deliveryStreamName(options.lakeStreamPrefix, table), table]));
  const firehose = new LocalFirehose({
    lake,
    streams,
    errorDir: join(outDir, 'lake-errors'),
    ...(options.throttle ? { failRecord: options.throttle } : {}),
  });
  const lakeTable = <T extends object>(table: TableName) =>
    createLakeTableSink<T>(firehose, options.lakeStreamPrefix, table);

  // Search documents carry the table's columns (events reuse the line the lake serialised), `_id`
  // the row's id: into a real node with --opensearch, else into `_bulk` files.
  const opensearch = options.opensearchUrl
    ? new OpenSearchBulkWriter({ url: options.opensearchUrl, failedPath: join(outDir, 'search-failed.jsonl') })
    : undefined;
  await opensearch?.applyTemplates();
  // Without a node, the same `_bulk` sink writes its request bodies to `search/<family>.ndjson`
  // (ready for `curl --data-binary @… /_bulk`), every action answered as indexed.
  const searchFiles = opensearch
    ? undefined
    : (Object.fromEntries(
        (Object.keys(INDEX_FAMILIES) as IndexFamilyName[]).map((family) => [
          family,
          createTextSink(`search:${family}`, join(outDir, 'search', `${family}.ndjson`)),
        ]),
      ) as Record<IndexFamilyName, TextFileSink<string>>);
  const searchSink = <T extends object>(family: IndexFamilyName, serialize: (row: T) => string): Sink<T> => {
    if (opensearch) return opensearch.sinkFor(`search:${family}`, INDEX_FAMILIES[family], serialize);
    const file = searchFiles![family];
    return createBulkBodySink<T>(family, serialize, (body) => file.write([body]));
  };
  const windowsSearch = searchSink<WindowAggregateRow>('window_aggregates', serializerFor('window_aggregates'));

  // Alerts are published with the same SNS sink as on AWS to a FIFO topic stand-in, whose subscriber
  // writes `alerts.jsonl`: what a subscriber would receive, after deduplication.
  const alertsFile = createLineSink('alerts', join(outDir, 'alerts.jsonl'));
  const deliverAlerts = async (messages: string[]) => {
    await alertsFile.write(messages);
    if (!options.onAlertDelivered && !observer?.onAlerts) return;
    // Parsed once for every listener.
    const alerts = messages.map((message) => JSON.parse(message) as Alert);
    if (options.onAlertDelivered) for (const alert of alerts) options.onAlertDelivered(alert);
    observer?.onAlerts?.(alerts);
  };

  const topic = new LocalFifoTopic({
    topicArn: options.alertsTopicArn,
    // The observer sees what the subscriber received: each alert once, after the topic's deduplication.
    deliver: (message) => deliverAlerts([message]),
    now: options.now,
    ...(options.throttle ? { failEntry: options.throttle } : {}),
  });
  const rejectsFile = createGzipJsonlSink<Reject>('rejects', join(outDir, 'rejects.jsonl.gz'));
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
  const files: CountingSink<never>[] = [alertsFile, rejectsFile, duplicates, late, ...Object.values(searchFiles ?? {})];
  return {
    ingest: createIngestSinks({
      firehose,
      lakeStreamPrefix: options.lakeStreamPrefix,
      topic,
      alertsTopicArn: options.alertsTopicArn,
      search: searchSink,
      rejects,
      duplicates,
      ...(observer?.onEvents ? { onEvents: observer.onEvents.bind(observer) } : {}),
      ...(options.wrapLakeSink ? { wrapLakeSink: options.wrapLakeSink } : {}),
    }),
    windows: observed(
      createFanOutSink('windows', [
        lakeTable<WindowAggregateRow>('window_aggregates'),
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
    deliverAlerts,
    searchFiles,
    windowRows,
    firehose: firehose.stats,
    alertsTopic: topic.stats,
    async close() {
      await Promise.all(files.map((sink) => sink.close()));
      return opensearch
        ? { kind: 'opensearch', ...(await opensearch.close()) }
        : { kind: 'files', dir: join(outDir, 'search') };
    },
  };
}
