import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { deliveryStreamPrefixes } from '#src/sinks/delivery-streams.js';
import type { Sink } from '#src/sinks/sink.js';
import type { Alert, TelemetryEvent } from '#src/telemetry/event.js';
import { Chaos, type ChaosSpec } from '../chaos/chaos.js';
import { unpacedPollRecords } from '../esm/mapping-thread.js';
import { LocalLake } from '../lake/local-lake.js';
import { readServerlessConfig } from '../serverless-config.js';
import { KinesisEndpointStream } from '../stream/kinesis-endpoint-stream.js';
import { LocalStream } from '../stream/local-stream.js';
import { verifyRun } from '../verify/verify-run.js';
import { AlertLatency } from './alert-latency.js';
import { addCounters, IngestThreads } from './ingest-threads.js';
import { RunAccounting } from './run-accounting.js';
import { createMappings } from './run-mappings.js';
import type { RunObserver } from './run-observer.js';
import { createRunOutputs } from './run-outputs.js';
import { type RunReport, VerificationError, writeReport } from './run-report.js';
import type { SourceEntry } from './source-entry.js';
import { ArrivalClock, pumpSource, type RunProgress } from './source-loop.js';

export type { RunObserver } from './run-observer.js';
export { CountMismatchError, type RunReport, VerificationError } from './run-report.js';
export type { SourceEntry, SourceItem } from './source-entry.js';
export type { RunProgress } from './source-loop.js';

/** What `fleetstream run` needs. */
export interface RunOptions {
  /** Records (and source-side rejects) to put on the stream. */
  source: Iterable<SourceEntry> | AsyncIterable<SourceEntry>;
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
  /** Pace the source at this many records per second of wall clock instead (not with `speedup`). */
  rate?: number;
  /**
   * Measure event-to-alert latency (report.alert_latency_ms): the source stamps each event's `ts`
   * with the wall clock of its production (the fleet simulator under `rate`).
   */
  measureAlertLatency?: boolean;
  /** Records put on the stream between two drains of the mappings (default unpacedPollRecords). */
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
  /**
   * Run ingest on this many worker threads built from this module (dist/ingest-worker.js), the
   * shards split between them; without it (or with a real OpenSearch node, an observer or a wrapped
   * lake sink, which live on this thread), ingest runs on this thread.
   */
  ingestWorkers?: { url: URL; count: number };
  /** Test seam: wraps the lake sink of the event tables (fault injection). */
  wrapLakeSink?: (sink: Sink<TelemetryEvent>) => Sink<TelemetryEvent>;
  /** Prove the outputs against the run's own account (default true; local/verify/). */
  verify?: boolean;
  /** Inject faults (local/chaos/): cold starts, crashes, sink failures, throttles, duplicates, late records. */
  chaos?: ChaosSpec;
  /** Watches the run as its outputs are stored (the live dashboard of `fleetstream run --ui`). */
  observer?: RunObserver;
}

/**
 * Runs the whole pipeline in this process: source → in-process Kinesis stream (or a real one) →
 * the real `ingest` and `aggregate` handlers through event-source mappings configured from
 * serverless.yml → the local Firehose stand-in (Parquet lake), search documents and JSONL outputs →
 * `report.json`. Clears `outDir` first; throws CountMismatchError when the counts do not add up.
 *
 * @example const report = await runPipeline({ source, scenario: 'fleet', outDir: '.fleetstream', repoRoot, shards: 2, seed: 1 });
 */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  if (options.speedup !== undefined && options.rate !== undefined)
    throw new Error('pace a run by speedup or by rate, not both');
  const startedAt = performance.now();
  const cpuAtStart = process.cpuUsage();
  const stage = options.stage ?? 'local';
  const outDir = options.outDir;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'search'), { recursive: true });
  const config = readServerlessConfig(join(options.repoRoot, 'serverless.yml'), stage);
  const streamName = options.streamName ?? `${config.service}-${stage}-telemetry`;
  const region = String(config.params.region ?? 'eu-west-1');
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
    outDir,
    bufferingHints: {
      sizeInMBs: config.numberParam('lakeBufferSizeMb'),
      intervalInSeconds: config.numberParam('lakeBufferIntervalSeconds'),
    },
  });
  const clock = new ArrivalClock();
  const accounting = new RunAccounting(outDir);
  const chaos = options.chaos ? new Chaos(options.chaos) : undefined;
  const alertLatency = options.measureAlertLatency ? new AlertLatency(Date.now) : undefined;
  const outputs = await createRunOutputs({
    outDir,
    lake,
    lakeStreamPrefix: deliveryStreamPrefixes(config.service, stage).lake,
    alertsTopicArn: `arn:aws:sns:${region}:000000000000:${config.service}-${stage}-alerts.fifo`,
    now: () => clock.lastMs,
    ...(chaos ? { throttle: chaos.throttle } : {}),
    ...(options.opensearchUrl ? { opensearchUrl: options.opensearchUrl } : {}),
    ...(options.wrapLakeSink ? { wrapLakeSink: options.wrapLakeSink } : {}),
    ...(options.observer ? { observer: options.observer } : {}),
    ...(alertLatency ? { onAlertDelivered: (alert: Alert) => alertLatency.observe(alert) } : {}),
  });

  const lakeStreamPrefix = deliveryStreamPrefixes(config.service, stage).lake;
  const alertsTopicArn = `arn:aws:sns:${region}:000000000000:${config.service}-${stage}-alerts.fifo`;
  const ingestWorkers = ingestWorkersFor(options);
  const mappings = createMappings({
    config,
    stream,
    region,
    outDir,
    repoRoot: options.repoRoot,
    outputs,
    accounting,
    now: remote ? Date.now : () => clock.lastMs,
    realStream: remote !== undefined,
    ...(options.aggregateWorker ? { aggregateWorker: options.aggregateWorker } : {}),
    ...(chaos ? { chaos } : {}),
    ...(ingestWorkers ? { ingestWorkers: { ...ingestWorkers, lake, lakeStreamPrefix, alertsTopicArn } } : {}),
  });

  const { produced, sourceRejects, kinesis } = await pumpSource({
    source: chaos ? chaos.wrapSource(options.source) : options.source,
    stream,
    remote,
    mappings,
    outputs,
    accounting,
    clock,
    pacing: options.speedup
      ? { kind: 'paced', factor: options.speedup }
      : options.rate
        ? { kind: 'rate', eventsPerSecond: options.rate }
        : { kind: 'unpaced', chunkSize: options.chunkSize ?? unpacedPollRecords(stream.shards.length) },
    startedAt,
    onProgress: withObserver(options.onProgress, options.observer),
  });
  for (const { mapping } of mappings) await mapping.closeWindows();
  const lakeResult = await lake.close();
  const search = await outputs.close();
  await accounting.close();

  const wall = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const { windowRows } = outputs;
  // With ingest on worker threads, each ran its own Firehose and topic stand-ins and fault injector.
  const ingest = mappings.find((m) => m.name === 'ingest')!.mapping;
  const firehose = { ...outputs.firehose };
  const alertsTopic = { ...outputs.alertsTopic };
  const chaosStats = chaos ? { ...chaos.stats } : undefined;
  if (ingest instanceof IngestThreads)
    for (const done of ingest.done) {
      addCounters(firehose, done.firehose);
      addCounters(alertsTopic, done.topic);
      if (chaosStats) addCounters(chaosStats, done.chaos);
    }
  const report = writeReport({
    scenario: options.scenario,
    seed: options.seed,
    shards: options.shards,
    stage,
    // A KPL aggregate counts as the user records it held: each ends accepted, rejected or a duplicate.
    in: produced + sourceRejects + accounting.counts.kplUserRecords - accounting.counts.kplAggregates,
    ...(accounting.counts.kplAggregates > 0
      ? { kpl_aggregates: accounting.counts.kplAggregates, kpl_user_records: accounting.counts.kplUserRecords }
      : {}),
    accepted: accounting.counts.accepted,
    rejected: accounting.counts.rejected,
    duplicates: accounting.counts.duplicates,
    dead_lettered: ingest.stats!.dlqRecords,
    by_type: accounting.counts.byType,
    by_rule: accounting.counts.byRule,
    by_reason: accounting.counts.byReason,
    windows_closed: new Set(windowRows.map((row) => row.window_start)).size,
    windows_flushed_partial: windowRows.filter((row) => !row.final).length,
    window_rows: windowRows.length,
    late_records: outputs.late.count,
    lake_rows: lakeResult.rows,
    firehose,
    alerts_topic: alertsTopic,
    ...(chaosStats ? { chaos: chaosStats } : {}),
    search,
    stream: remote ? { kind: 'kinesis', ...remote.stats } : { kind: 'in-process', name: streamName, ...kinesis! },
    mappings: Object.fromEntries(mappings.map(({ name, mapping }) => [name, mapping.stats!])),
    aggregate_thread: options.aggregateWorker ? 'worker' : 'main',
    ingest_workers: ingest instanceof IngestThreads ? ingest.count : 0,
    wall_seconds: Math.round(wall * 1000) / 1000,
    // The process's peak so far (all threads): the run's, before the verification reads the outputs.
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    cpu_seconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
    events_per_sec: Math.round((produced + sourceRejects) / wall),
    ...(alertLatency ? { alert_latency_ms: alertLatency.summary() } : {}),
    out_dir: outDir,
  });
  if (options.verify === false) return report;
  const verifyStarted = performance.now();
  report.verification = await verifyRun({ outDir, windowMs: config.numberParam('tumblingWindowInSeconds') * 1000 });
  report.verification_seconds = Math.round(performance.now() - verifyStarted) / 1000;
  // A producer duplicate that a cold or another container accepted again is a duplicate all the
  // same: the report counts distinct accepted events, as the lake's views do.
  for (const [type, count] of Object.entries(report.verification.downstream_duplicates)) {
    report.accepted -= count;
    report.duplicates += count;
    report.by_type[type] = (report.by_type[type] ?? 0) - count;
    report.duplicates_downstream = (report.duplicates_downstream ?? 0) + count;
  }
  for (const [rule, count] of Object.entries(report.verification.downstream_duplicate_alerts))
    report.by_rule[rule] = (report.by_rule[rule] ?? 0) - count;
  writeReport(report);
  if (!report.verification.ok)
    throw new VerificationError(`the run's outputs do not verify: ${report.verification.problems.join('; ')}`);
  return report;
}

/**
 * The ingest workers a run uses: none when something that must see ingest's sinks on this thread is
 * there (a real OpenSearch node's writer, the dashboard's observer, a test's wrapped lake sink).
 */
function ingestWorkersFor(options: RunOptions): RunOptions['ingestWorkers'] {
  const { ingestWorkers } = options;
  if (!ingestWorkers || ingestWorkers.count < 1) return undefined;
  if (options.opensearchUrl || options.observer || options.wrapLakeSink) return undefined;
  return ingestWorkers;
}

/** The progress callback, also telling the observer. */
function withObserver(
  onProgress: RunOptions['onProgress'],
  observer: RunObserver | undefined,
): RunOptions['onProgress'] {
  if (!observer?.onProgress) return onProgress;
  return (progress) => {
    onProgress?.(progress);
    observer.onProgress?.(progress);
  };
}

/** Reads the dimension CSVs' cars, for the fleet simulator. */
export function loadCars(repoRoot: string) {
  return loadDimensionsFromDir(join(repoRoot, 'data')).cars;
}
