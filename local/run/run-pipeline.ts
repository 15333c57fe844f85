import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler.js';
import { buildAggregateDeps, buildIngestDeps } from '#functions/shared/deps.js';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { MAX_RECORD_BYTES } from '#src/ingest/decode-record.js';
import type { EventType } from '#src/schema/registry.js';
import { INDEX_FAMILIES, type IndexFamilyName } from '#src/search/index-templates.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { serializeEvent, serializerFor } from '#src/sinks/serialize-event.js';
import type { IngestSinks, LateRecord, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import { encodeBase64 } from '#src/telemetry/base64.js';
import type { Alert, Reject, TelemetryEvent } from '#src/telemetry/event.js';
import { EventSourceMapping, type MappedHandler, type MappingStats } from '../esm/event-source-mapping.js';
import { MappingThread } from '../esm/mapping-thread.js';
import { LocalLake } from '../lake/local-lake.js';
import { OpenSearchBulkWriter, type OpenSearchStats } from '../search/opensearch-bulk-writer.js';
import { readServerlessConfig } from '../serverless-config.js';
import { type KinesisEndpointStats, KinesisEndpointStream } from '../stream/kinesis-endpoint-stream.js';
import { LocalStream } from '../stream/local-stream.js';
import { type CountingSink, createBulkFileSink, createJsonlSink } from './file-sinks.js';

/** A source item: a record for the stream, or a line the source itself could not turn into one. */
export type SourceItem = { kind: 'record'; record: ProducedRecord } | { kind: 'reject'; reject: Reject };

/** What `fleetstream run` needs. */
export interface RunOptions {
  /** Records (and source-side rejects) to put on the stream. */
  source: Iterable<SourceItem> | AsyncIterable<SourceItem>;
  /** A label for the report. */
  scenario: string;
  outDir: string;
  repoRoot: string;
  shards: number;
  seed: number;
  /** serverless.yml stage whose mapping settings apply (default `local`). */
  stage?: string;
  /** Pace the source: simulated time runs this many times faster than the wall clock. */
  speedup?: number;
  /** Records put on the stream between two drains of the mappings. */
  chunkSize?: number;
  /** Called after each chunk. */
  onProgress?: (progress: RunProgress) => void;
  /**
   * Produce to and consume from a real Kinesis stream at this endpoint (AWS, LocalStack, MiniStack)
   * through the AWS SDK instead of the in-process stream.
   */
  kinesisEndpoint?: string;
  /** Index into the OpenSearch node at this URL (templates applied first) instead of writing `_bulk` files. */
  opensearchUrl?: string;
  /** The stream's name with `kinesisEndpoint` (default `<service>-<stage>-telemetry`, created if missing). */
  streamName?: string;
  /**
   * Run the aggregate mapping in a worker thread built from this module (dist/aggregate-worker.js),
   * so aggregation uses the second core while ingest runs; without it, everything runs on one thread.
   */
  aggregateWorker?: URL;
  /** Test seam: wraps the lake sink of the event tables (fault injection). */
  wrapLakeSink?: (sink: Sink<TelemetryEvent>) => Sink<TelemetryEvent>;
}

/** Progress of a run. */
export interface RunProgress {
  produced: number;
  processed: number;
  lag: number;
  alerts: number;
  elapsedSeconds: number;
}

/** The run's report, also written to `<out>/report.json`. */
export interface RunReport {
  scenario: string;
  seed: number;
  shards: number;
  stage: string;
  in: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  dead_lettered: number;
  by_type: Record<string, number>;
  by_rule: Record<string, number>;
  by_reason: Record<string, number>;
  /** Event-time windows emitted, closed by the watermark or flushed when Lambda's window ended. */
  windows_closed: number;
  /** Rows emitted with final = false (Lambda's processing window ended first; the queries merge them). */
  windows_flushed_partial: number;
  window_rows: number;
  late_records: number;
  lake_rows: Record<string, number>;
  /** Where the search documents went: `_bulk` files, or a real OpenSearch node. */
  search: { kind: 'files'; dir: string } | ({ kind: 'opensearch' } & OpenSearchStats);
  /** The stream the records went through: in process, or a real one behind an endpoint. */
  stream: { kind: 'in-process'; name: string } | ({ kind: 'kinesis' } & KinesisEndpointStats);
  mappings: Record<string, MappingStats>;
  /** Where the aggregate mapping ran: a worker thread of its own, or the main thread with ingest. */
  aggregate_thread: 'worker' | 'main';
  wall_seconds: number;
  events_per_sec: number;
  out_dir: string;
}

/** What the pipeline drives: an EventSourceMapping on this thread, or one in a worker thread. */
type Mapping = Pick<EventSourceMapping, 'drain' | 'closeWindows' | 'checkpoints'> & { stats?: MappingStats };

/** Thrown when the counts do not add up: something was lost or counted twice. */
export class CountMismatchError extends Error {
  override readonly name = 'CountMismatchError';
}

function increment(counter: Record<string, number>, key: string): void {
  counter[key] = (counter[key] ?? 0) + 1;
}

/**
 * Runs the whole pipeline in this process: source → in-process Kinesis stream → the real `ingest`
 * and `aggregate` handlers through event-source mappings configured from serverless.yml → the
 * local Firehose stand-in (Parquet lake), OpenSearch bulk files and JSONL outputs → report.
 * Clears `outDir` first.
 *
 * @example const report = await runPipeline({ source, scenario: 'fleet', outDir: '.fleetstream', repoRoot, shards: 2, seed: 1 });
 */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const started = performance.now();
  const stage = options.stage ?? 'local';
  const out = options.outDir;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'search'), { recursive: true });
  const config = readServerlessConfig(join(options.repoRoot, 'serverless.yml'), stage);
  const params = config.params;
  const streamName = options.streamName ?? `${config.service}-${stage}-telemetry`;
  const region = String(params.region ?? 'eu-west-1');
  const remote = options.kinesisEndpoint
    ? await KinesisEndpointStream.open({
        endpoint: options.kinesisEndpoint,
        streamName,
        shardCount: options.shards,
        region,
      })
    : undefined;
  const stream = remote?.buffer ?? new LocalStream(streamName, options.shards);
  const lake = await LocalLake.open({
    outDir: out,
    bufferingHints: {
      sizeInMBs: config.numberParam('lakeBufferSizeMb'),
      intervalInSeconds: config.numberParam('lakeBufferIntervalSeconds'),
    },
  });

  const byType: Record<string, number> = {};
  const byRule: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  const eventSinks = new Map<EventType, Sink<TelemetryEvent>>();
  let accepted = 0;
  let lakeSink: Sink<TelemetryEvent> = {
    name: 'lake',
    async write(events) {
      const groups = new Map<EventType, TelemetryEvent[]>();
      for (const event of events) {
        const group = groups.get(event.type);
        if (group) group.push(event);
        else groups.set(event.type, [event]);
      }
      for (const [type, group] of groups) {
        let sink = eventSinks.get(type);
        if (!sink) {
          sink = lake.sinkFor<TelemetryEvent>(type, serializeEvent);
          eventSinks.set(type, sink);
        }
        await sink.write(group);
        byType[type] = (byType[type] ?? 0) + group.length;
      }
      accepted += events.length;
    },
  };
  if (options.wrapLakeSink) lakeSink = options.wrapLakeSink(lakeSink);
  const alertsFile = createJsonlSink<Alert>('alerts', join(out, 'alerts.jsonl'), (alert) =>
    increment(byRule, alert.rule),
  );
  const alertsLake = lake.sinkFor<Alert>('alerts');
  const rejects = createJsonlSink<Reject>('rejects', join(out, 'rejects.jsonl'), (reject) =>
    increment(byReason, reject.reason),
  );
  const duplicates = createJsonlSink<unknown>('duplicates', join(out, 'duplicates.jsonl'));
  const late = createJsonlSink<LateRecord>('late', join(out, 'late.jsonl'));
  // Search documents carry the table's columns (events reuse the line the lake serialised), `_id`
  // the row's id: into a real node with --opensearch, else into `_bulk` files.
  const opensearch = options.opensearchUrl
    ? new OpenSearchBulkWriter({ url: options.opensearchUrl, failedPath: join(out, 'search-failed.jsonl') })
    : undefined;
  await opensearch?.applyTemplates();
  const searchSink = <T extends object>(family: IndexFamilyName, serialize: (row: T) => string) =>
    opensearch
      ? opensearch.sinkFor(`search:${family}`, INDEX_FAMILIES[family], serialize)
      : createBulkFileSink(
          `search:${family}`,
          join(out, 'search', `${family}.ndjson`),
          INDEX_FAMILIES[family],
          serialize,
        );
  const search = searchSink<TelemetryEvent>('events', serializeEvent);
  const alertsSearch = searchSink<Alert>('alerts', serializerFor('alerts'));
  const windowsSearch = searchSink<WindowAggregateRow>('window_aggregates', serializerFor('window_aggregates'));
  const windowRows: WindowAggregateRow[] = [];
  const windowsLake = lake.sinkFor<WindowAggregateRow>('window_aggregates');
  const sinks: IngestSinks = {
    lake: lakeSink,
    search,
    alerts: {
      name: 'alerts',
      async write(alerts) {
        await alertsFile.write(alerts);
        await alertsLake.write(alerts);
        await alertsSearch.write(alerts);
      },
    },
    rejects,
    duplicates,
  };
  const dimensionsDir = join(options.repoRoot, 'data');
  const ruleConfig = {
    rules: {
      speedingKmh: config.numberParam('speedingKmh'),
      highRpm: config.numberParam('highRpm'),
      poorAqi: config.numberParam('poorAqi'),
      gpsJumpKmh: config.numberParam('gpsJumpKmh'),
    },
    windowSeconds: config.numberParam('tumblingWindowInSeconds'),
    allowedLatenessSeconds: config.numberParam('allowedLatenessSeconds'),
    // One process sees the whole run: remember every event id, so every duplicate is caught.
    dedupeCapacity: 50_000_000,
  };
  const settingsOf = (name: string) => {
    const settings = config.mappings[name];
    if (!settings) throw new Error(`serverless.yml has no stream event for function ${name}`);
    return settings;
  };
  // Record age is measured on the records' own clock, so a replay of old data is not "too old";
  // a real stream stamps arrival with its own wall clock.
  const now = remote ? Date.now : () => lastArrivalMs;
  const windowsOut = async (rows: readonly WindowAggregateRow[]) => {
    await windowsLake.write(rows);
    await windowsSearch.write(rows);
    for (const row of rows) windowRows.push(row);
  };
  const inThread = (name: string, handler: MappedHandler) =>
    new EventSourceMapping({
      settings: settingsOf(name),
      handler,
      stream,
      region,
      dlqPath: join(out, 'dlq', `${name}.jsonl`),
      now,
    });
  const ingest = inThread(
    'ingest',
    createIngestHandler(
      buildIngestDeps({ sinks, dimensionsDir, config: ruleConfig, logLevel: 'SILENT' }),
    ) as unknown as MappedHandler,
  );
  const aggregate: Mapping = options.aggregateWorker
    ? new MappingThread(
        options.aggregateWorker,
        {
          settings: settingsOf('aggregate'),
          streamName: stream.name,
          shards: stream.shards.map(({ shardId, startingHashKey, endingHashKey }) => ({
            shardId,
            startingHashKey,
            endingHashKey,
          })),
          region,
          dlqPath: join(out, 'dlq', 'aggregate.jsonl'),
          dimensionsDir,
          ruleConfig,
        },
        stream,
        { windows: windowsOut, late: (records) => late.write(records) },
        now,
      )
    : inThread(
        'aggregate',
        createAggregateHandler(
          buildAggregateDeps({
            sinks: { windows: { name: 'windows', write: windowsOut }, late },
            dimensionsDir,
            config: ruleConfig,
            logLevel: 'SILENT',
          }),
        ) as unknown as MappedHandler,
      );
  const mappings: { name: string; mapping: Mapping }[] = [
    { name: 'ingest', mapping: ingest },
    { name: 'aggregate', mapping: aggregate },
  ];

  let produced = 0;
  let lastArrivalMs = 0;
  let firstArrivalMs: number | undefined;
  const chunkSize = options.chunkSize ?? 20_000;
  const drain = async (final: boolean) => {
    if (remote) {
      if (final) await remote.drainAll();
      else {
        await remote.flush();
        await remote.fetch();
      }
    }
    for (let shard = 0; shard < stream.shards.length; shard++) {
      for (const { mapping } of mappings) await mapping.drain(shard, final);
      stream.trim(shard, Math.min(...mappings.map(({ mapping }) => mapping.checkpoints[shard]!)));
    }
    options.onProgress?.({
      produced,
      processed: accepted + rejects.count + duplicates.count,
      lag: stream.shards.reduce((sum, _shard, i) => sum + stream.end(i) - mappings[0]!.mapping.checkpoints[i]!, 0),
      alerts: alertsFile.count,
      elapsedSeconds: (performance.now() - started) / 1000,
    });
  };

  let sourceRejects = 0;
  let pending = 0;
  try {
    for await (const item of options.source) {
      if (item.kind === 'reject') {
        sourceRejects++;
        await rejects.write([item.reject]);
        continue;
      }
      const arrival = item.record.arrivalMs ?? lastArrivalMs;
      firstArrivalMs ??= arrival;
      lastArrivalMs = Math.max(lastArrivalMs, arrival);
      if (remote) {
        // A real stream refuses the whole PutRecords call for one record over 1 MiB: judge it here.
        const bytes = Buffer.byteLength(item.record.data) + Buffer.byteLength(item.record.partitionKey);
        if (bytes > MAX_RECORD_BYTES) {
          sourceRejects++;
          await rejects.write([oversizedReject(streamName, item.record, bytes, sourceRejects)]);
          continue;
        }
        remote.enqueue(item.record.partitionKey, item.record.data);
      } else stream.put(item.record.partitionKey, encodeBase64(item.record.data), arrival);
      produced++;
      if (++pending >= chunkSize) {
        pending = 0;
        await pace(options.speedup, firstArrivalMs, lastArrivalMs, started);
        await drain(false);
      }
    }
    await drain(true);
  } finally {
    remote?.close();
  }
  for (const { mapping } of mappings) await mapping.closeWindows();
  const lakeResult = await lake.close();
  const files = [alertsFile, rejects, duplicates, late, search, alertsSearch, windowsSearch].filter(
    (sink): sink is CountingSink<never> => 'close' in sink,
  );
  await Promise.all(files.map((sink) => sink.close()));
  const searchReport: RunReport['search'] = opensearch
    ? { kind: 'opensearch', ...(await opensearch.close()) }
    : { kind: 'files', dir: join(out, 'search') };

  const wall = (performance.now() - started) / 1000;
  const deadLettered = ingest.stats.dlqRecords;
  const report: RunReport = {
    scenario: options.scenario,
    seed: options.seed,
    shards: options.shards,
    stage,
    in: produced + sourceRejects,
    accepted,
    rejected: rejects.count,
    duplicates: duplicates.count,
    dead_lettered: deadLettered,
    by_type: byType,
    by_rule: byRule,
    by_reason: byReason,
    windows_closed: new Set(windowRows.map((row) => row.window_start)).size,
    windows_flushed_partial: windowRows.filter((row) => !row.final).length,
    window_rows: windowRows.length,
    late_records: late.count,
    lake_rows: lakeResult.rows,
    search: searchReport,
    stream: remote ? { kind: 'kinesis', ...remote.stats } : { kind: 'in-process', name: streamName },
    mappings: Object.fromEntries(mappings.map(({ name, mapping }) => [name, mapping.stats!])),
    aggregate_thread: options.aggregateWorker ? 'worker' : 'main',
    wall_seconds: Math.round(wall * 1000) / 1000,
    events_per_sec: Math.round((produced + sourceRejects) / wall),
    out_dir: out,
  };
  writeFileSync(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const total = report.accepted + report.rejected + report.duplicates + report.dead_lettered;
  if (total !== report.in) {
    throw new CountMismatchError(
      `counts do not add up: accepted ${report.accepted} + rejected ${report.rejected} + duplicates ${report.duplicates} + dead-lettered ${report.dead_lettered} = ${total}, but ${report.in} came in`,
    );
  }
  return report;
}

/** A record a real stream would refuse (over 1 MiB with its partition key), as a reject before PutRecords. */
function oversizedReject(stream: string, record: ProducedRecord, bytes: number, nth: number): Reject {
  return {
    reject_id: `${stream}/${record.partitionKey}/unsent-${nth}`,
    reason: 'size:max_bytes',
    message: `${bytes} bytes with the partition key > ${MAX_RECORD_BYTES}: PutRecords would refuse it`,
    source: { stream, shard_id: '', partition_key: record.partitionKey, sequence_number: '' },
    event_id: null,
    type: null,
    payload_preview: record.data.slice(0, 1024),
  };
}

/** With --speedup, waits until the wall clock catches up with simulated time / speedup. */
async function pace(
  speedup: number | undefined,
  firstMs: number | undefined,
  lastMs: number,
  started: number,
): Promise<void> {
  if (!speedup || firstMs === undefined) return;
  const due = (lastMs - firstMs) / speedup - (performance.now() - started);
  if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
}

/** Reads the dimension CSVs' cars, for the fleet simulator. */
export function loadCars(repoRoot: string) {
  return loadDimensionsFromDir(join(repoRoot, 'data')).cars;
}
