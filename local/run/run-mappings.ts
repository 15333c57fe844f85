import { join } from 'node:path';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler.js';
import { buildAggregateDeps, buildIngestDeps } from '#functions/shared/deps.js';
import type { BatchResult } from '#src/ingest/process-batch.js';
import type { IngestSinks, Sink } from '#src/sinks/sink.js';
import type { Chaos } from '../chaos/chaos.js';
import { EventSourceMapping, type MappedHandler, type MappingStats } from '../esm/event-source-mapping.js';
import { MappingThread } from '../esm/mapping-thread.js';
import type { ServerlessConfig, StreamMappingSettings } from '../serverless-config.js';
import type { LocalStream } from '../stream/local-stream.js';
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
  /** Run aggregate in a worker thread built from this module (dist/aggregate-worker.js). */
  aggregateWorker?: URL;
  /** Fault injection: cold starts, crashes and sink failures in both functions; ingest's parallelization factor. */
  chaos?: Chaos;
}

/** The stage's rule thresholds and window settings, as the functions' config takes them. */
export function ruleConfigOf(config: ServerlessConfig) {
  return {
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
  const ruleConfig = ruleConfigOf(config);
  const inThread = (name: string, createHandler: () => MappedHandler, onInvoked?: (handler: MappedHandler) => void) =>
    new EventSourceMapping({
      settings: settingsFor(name),
      ...(chaos ? { faults: chaos.mappingFaults() } : {}),
      createHandler,
      stream,
      region,
      dlqPath: join(outDir, 'dlq', `${name}.jsonl`),
      now,
      ...(onInvoked
        ? { onInvoked: ({ container }: { container: { handler: MappedHandler } }) => onInvoked(container.handler) }
        : {}),
    });
  // Each execution environment builds its own dependencies (validators, dimensions, warm ledger).
  // Its last batch result is counted only once the mapping acts on the invocation (not on a crash).
  const lastResult = new WeakMap<MappedHandler, BatchResult>();
  const ingest = inThread(
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
          ...(chaos ? { chaos: { ...chaos.spec, seed: chaos.spec.seed + 1_000 } } : {}),
          streamName: stream.name,
          shards: stream.shards.map(({ shardId, startingHashKey, endingHashKey }) => ({
            shardId,
            startingHashKey,
            endingHashKey,
          })),
          region,
          dlqPath: join(outDir, 'dlq', 'aggregate.jsonl'),
          dimensionsDir,
          ruleConfig,
        },
        stream,
        { windows: (rows) => outputs.windows.write(rows), late: (records) => outputs.late.write(records) },
        now,
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
