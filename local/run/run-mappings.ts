import { join } from 'node:path';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler.js';
import { buildAggregateDeps, buildIngestDeps } from '#functions/shared/deps.js';
import type { BatchResult } from '#src/ingest/process-batch.js';
import type { IngestSinks, Sink } from '#src/sinks/sink.js';
import type { Chaos } from '../chaos/chaos.js';
import {
  EventSourceMapping,
  type MappedHandler,
  type MappingStats,
  propagationMsOf,
} from '../esm/event-source-mapping.js';
import {
  type AggregateWorkerInit,
  aggregateOutputHandler,
  MappingThread,
  type RuleConfig,
} from '../esm/mapping-thread.js';
import type { LocalLake } from '../lake/local-lake.js';
import type { ServerlessConfig, StreamMappingSettings } from '../serverless-config.js';
import type { LocalStream } from '../stream/local-stream.js';
import { IngestThreads } from './ingest-threads.js';
import type { RunAccounting } from './run-accounting.js';
import type { RunOutputs } from './run-outputs.js';

/** What the pipeline drives: an EventSourceMapping on this thread, or one in a worker thread. */
export type Mapping = Pick<EventSourceMapping, 'drain' | 'closeWindows' | 'checkpoints'> & { stats?: MappingStats };

/** A function's mapping, by the function's name in serverless.yml. */
export interface NamedMapping {
  name: 'ingest' | 'aggregate';
  mapping: Mapping;
}

/** Options of createMappings. */
export interface MappingsOptions {
  config: ServerlessConfig;
  stream: LocalStream;
  region: string;
  outDir: string;
  repoRoot: string;
  outputs: RunOutputs;
  /** Counts the ingest batches Lambda acts on. */
  accounting: RunAccounting;
  /** The mappings' clock for record age (ms). */
  now: () => number;
  /** The records come from a real stream (`--kinesis-endpoint`), whose reads already took their time. */
  realStream?: boolean;
  /** Run aggregate in a worker thread built from this module (dist/aggregate-worker.js). */
  aggregateWorker?: URL;
  /** Fault injection: cold starts, crashes and sink failures in both functions; ingest's parallelization factor. */
  chaos?: Chaos;
  /** Run ingest on worker threads built from this module (dist/ingest-worker.js), the shards split between them. */
  ingestWorkers?: IngestWorkersOptions;
}

/** Ingest on worker threads: how many, and what their stand-ins need. */
export interface IngestWorkersOptions {
  url: URL;
  count: number;
  lake: LocalLake;
  lakeStreamPrefix: string;
  alertsTopicArn: string;
}

/** The stage's rule thresholds and window settings, as the functions' config takes them. */
export function ruleConfigOf(config: ServerlessConfig): RuleConfig {
  return {
    rules: {
      speedingKmh: config.numberParam('speedingKmh'),
      highRpm: config.numberParam('highRpm'),
      poorAqi: config.numberParam('poorAqi'),
      gpsJumpKmh: config.numberParam('gpsJumpKmh'),
    },
    windowSeconds: config.numberParam('tumblingWindowInSeconds'),
    allowedLatenessSeconds: config.numberParam('allowedLatenessSeconds'),
    // The event ids a warm environment's ledger remembers: the stage's, as the deployed function's
    // FLEETSTREAM_DEDUPE_CAPACITY. A producer duplicate further apart is accepted again and absorbed by
    // the sinks' keys (the verification counts it in `duplicates_downstream`), as with a cold container.
    // A constant of its own (1M) let each worker's ledger grow past a 1M-event run's until a run of
    // several million, about 70 MB a worker more in a 10M-event run.
    dedupeCapacity: config.numberParam('dedupeCapacity'),
  };
}

function settingsOf(config: ServerlessConfig, name: string): StreamMappingSettings {
  const settings = config.mappings[name];
  if (!settings) throw new Error(`serverless.yml has no stream event for function ${name}`);
  return settings;
}

/**
 * The two stream-mapped functions with the stage's mapping settings from serverless.yml, running
 * the real handlers over the run's outputs: ingest on this thread, aggregate on a worker thread when
 * one is given (as each Lambda runs apart), else here too.
 *
 * @example const mappings = createMappings({ config, stream, region, outDir, repoRoot, outputs, now });
 */
export function createMappings(options: MappingsOptions): NamedMapping[] {
  const { config, stream, region, outDir, outputs, now, chaos } = options;
  const faulty = <T>(sink: Sink<T>): Sink<T> => (chaos ? chaos.wrapSink(sink) : sink);
  const ingestSinks: IngestSinks = {
    lake: faulty(outputs.ingest.lake),
    search: faulty(outputs.ingest.search),
    alerts: outputs.ingest.alerts.map(faulty),
    rejects: faulty(outputs.ingest.rejects),
    duplicates: faulty(outputs.ingest.duplicates),
  };
  const dimensionsDir = join(options.repoRoot, 'data');
  // A chaos run may run ingest with another parallelization factor than the stage's.
  const settingsFor = (name: string): StreamMappingSettings => {
    const settings = settingsOf(config, name);
    const factor = chaos?.spec.parallelization;
    return name === 'ingest' && factor !== undefined ? { ...settings, parallelizationFactor: factor } : settings;
  };
  // Kinesis's put-to-get delay, which the in-process stream adds and a real stream has already taken.
  const propagationFor = (name: string) => (options.realStream ? 0 : propagationMsOf(settingsFor(name)));
  const ruleConfig = ruleConfigOf(config);
  const shards = stream.shards.map(({ shardId, startingHashKey, endingHashKey }) => ({
    shardId,
    startingHashKey,
    endingHashKey,
  }));
  const inThread = (name: string, createHandler: () => MappedHandler, onInvoked?: (handler: MappedHandler) => void) =>
    new EventSourceMapping({
      settings: settingsFor(name),
      ...(chaos ? { faults: chaos.mappingFaults() } : {}),
      createHandler,
      stream,
      region,
      dlqPath: join(outDir, 'dlq', `${name}.jsonl`),
      now,
      propagationMs: propagationFor(name),
      ...(onInvoked
        ? { onInvoked: ({ container }: { container: { handler: MappedHandler } }) => onInvoked(container.handler) }
        : {}),
    });
  // Each execution environment builds its own dependencies (validators, dimensions, warm ledger).
  // Its last batch result is counted only once the mapping acts on the invocation (not on a crash).
  const lastResult = new WeakMap<MappedHandler, BatchResult>();
  const workers = options.ingestWorkers;
  const ingest: Mapping = workers
    ? new IngestThreads({
        workerUrl: workers.url,
        count: workers.count,
        init: (index) => ({
          settings: settingsFor('ingest'),
          propagationMs: propagationFor('ingest'),
          // Each worker draws its own faults, from seeds apart from the main thread's and the aggregate's.
          ...(chaos ? { chaos: { ...chaos.spec, seed: chaos.spec.seed + 2_000 + index } } : {}),
          streamName: stream.name,
          shards,
          region,
          dlqPath: join(outDir, 'dlq', 'ingest.jsonl'),
          dimensionsDir,
          ruleConfig,
          lakeStreamPrefix: workers.lakeStreamPrefix,
          alertsTopicArn: workers.alertsTopicArn,
          lakeErrorDir: join(outDir, 'lake-errors'),
        }),
        stream,
        lake: workers.lake,
        outputs,
        accounting: options.accounting,
        now,
      })
    : inThread(
        'ingest',
        () => {
          const handler = createIngestHandler(
            buildIngestDeps({
              sinks: ingestSinks,
              dimensionsDir,
              config: ruleConfig,
              logLevel: 'SILENT',
              onBatch: (result) => lastResult.set(handler, result),
            }),
          ) as unknown as MappedHandler;
          return handler;
        },
        (handler) => {
          const result = lastResult.get(handler);
          lastResult.delete(handler);
          if (result) options.accounting.commit(result);
        },
      );
  const aggregate: Mapping = options.aggregateWorker
    ? new MappingThread(
        options.aggregateWorker,
        {
          settings: settingsFor('aggregate'),
          propagationMs: propagationFor('aggregate'),
          ...(chaos ? { chaos: { ...chaos.spec, seed: chaos.spec.seed + 1_000 } } : {}),
          streamName: stream.name,
          shards,
          region,
          dlqPath: join(outDir, 'dlq', 'aggregate.jsonl'),
          dimensionsDir,
          ruleConfig,
        } satisfies AggregateWorkerInit,
        stream,
        {
          onOutput: aggregateOutputHandler({
            windows: (rows) => outputs.windows.write(rows),
            late: (records) => outputs.late.write(records),
          }),
          now,
          name: 'aggregate',
        },
      )
    : inThread(
        'aggregate',
        () =>
          createAggregateHandler(
            buildAggregateDeps({
              sinks: { windows: faulty(outputs.windows), late: faulty(outputs.late) },
              dimensionsDir,
              config: ruleConfig,
              logLevel: 'SILENT',
            }),
          ) as unknown as MappedHandler,
      );
  return [
    { name: 'ingest', mapping: ingest },
    { name: 'aggregate', mapping: aggregate },
  ];
}
