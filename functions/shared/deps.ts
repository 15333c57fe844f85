import { resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { type DimensionIndex, indexDimensions } from '#src/enrich/dimensions.js';
import { DeliveryLedger } from '#src/ingest/delivery-ledger.js';
import type { BatchResult, IngestContext } from '#src/ingest/process-batch.js';
import { TrajectoryTracker } from '#src/rules/trajectory-tracker.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import type { AggregateSinks, IngestSinks } from '#src/sinks/sink.js';
import type { WindowConfig } from '#src/windows/event-time-windows.js';
import { SeenEventIdsCache } from '#src/windows/seen-event-ids.js';
import { type FleetstreamConfig, type LogLevel, readConfig } from './config.js';

/** Everything the ingest handler uses, built once per container. */
export interface IngestDeps {
  context: IngestContext;
  sinks: IngestSinks;
  logger: Logger;
  /** EMF metrics; absent in the local runtime, which reports its own counts. */
  metrics: Metrics | undefined;
  /** A newer dimension store version's index, when one was published (src/dimensions/dimension-refresher.ts). */
  refreshDimensions?: () => Promise<DimensionIndex | undefined>;
  /** Sees each batch's result before the handler answers (the local runtime's accounting). */
  onBatch?: (result: BatchResult) => void;
}

/** Everything the aggregate handler uses, built once per container. */
export interface AggregateDeps {
  validate: IngestContext['validate'];
  dimensions: DimensionIndex;
  rules: IngestContext['rules'];
  windows: WindowConfig;
  /** The warm environment's decoded seen sets, per shard (src/windows/seen-event-ids.ts). */
  seenCache: SeenEventIdsCache;
  sinks: AggregateSinks;
  logger: Logger;
  metrics: Metrics | undefined;
}

/** Options shared by both builders; anything not given comes from FLEETSTREAM_* defaults. */
export interface DepsOptions {
  dimensionsDir?: string;
  config?: Partial<FleetstreamConfig>;
  logLevel?: LogLevel;
  metrics?: Metrics;
  /** Service name in logs and metrics. */
  serviceName?: string;
}

/** Options of buildIngestDeps. */
export interface IngestDepsOptions extends DepsOptions {
  sinks: IngestSinks;
  /** Follows a published dimension store (src/dimensions/dimension-refresher.ts); absent: the bundled CSVs only. */
  refreshDimensions?: IngestDeps['refreshDimensions'];
  onBatch?: IngestDeps['onBatch'];
}

function resolveConfig(options: DepsOptions): FleetstreamConfig {
  const defaults = readConfig({});
  return { ...defaults, ...options.config, ...(options.logLevel ? { logLevel: options.logLevel } : {}) };
}

function loadIndex(config: FleetstreamConfig, options: DepsOptions): DimensionIndex {
  return indexDimensions(loadDimensionsFromDir(resolve(options.dimensionsDir ?? config.dimensionsDir)));
}

/**
 * Builds the ingest dependencies around the given sinks.
 *
 * @example
 *   const handler = createIngestHandler(buildIngestDeps({ sinks, logLevel: 'SILENT' }));
 */
export function buildIngestDeps(options: IngestDepsOptions): IngestDeps {
  const config = resolveConfig(options);
  return {
    context: {
      validate: createEventValidator(),
      dimensions: loadIndex(config, options),
      rules: config.rules,
      trajectories: new TrajectoryTracker(config.rules.gpsJumpKmh),
      ledger: new DeliveryLedger(config.dedupeCapacity),
    },
    sinks: options.sinks,
    logger: new Logger({ serviceName: options.serviceName ?? 'fleetstream-ingest', logLevel: config.logLevel }),
    metrics: options.metrics,
    ...(options.refreshDimensions ? { refreshDimensions: options.refreshDimensions } : {}),
    ...(options.onBatch ? { onBatch: options.onBatch } : {}),
  };
}

/** Builds the aggregate dependencies around the given sinks. */
export function buildAggregateDeps(options: DepsOptions & { sinks: AggregateSinks }): AggregateDeps {
  const config = resolveConfig(options);
  return {
    validate: createEventValidator(),
    dimensions: loadIndex(config, options),
    rules: config.rules,
    windows: { windowMs: config.windowSeconds * 1000, allowedLatenessMs: config.allowedLatenessSeconds * 1000 },
    seenCache: new SeenEventIdsCache(),
    sinks: options.sinks,
    logger: new Logger({ serviceName: options.serviceName ?? 'fleetstream-aggregate', logLevel: config.logLevel }),
    metrics: options.metrics,
  };
}
