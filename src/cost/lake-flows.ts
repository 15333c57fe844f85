import type { Assumptions } from './assumptions.js';
import type { StreamSizing } from './kinesis.js';
import type { InvocationProfile } from './lambda.js';
import type { StageSettings } from './stage-settings.js';
import type { Workload } from './workload.js';

/** Rows written to one lake table: how many, how big, and in how many writes (one per invocation). */
export interface LakeFlow {
  table: string;
  rowsPerSecond: number;
  rowBytes: number;
  /** Firehose PutRecordBatch calls per second; each packs its rows into as few records as it can. */
  writesPerSecond: number;
}

/** A flow whose rows come from a function's invocations: at most one write per invocation. */
function perInvocation(table: string, rowsPerSecond: number, rowBytes: number, profile: InvocationProfile): LakeFlow {
  return { table, rowsPerSecond, rowBytes, writesPerSecond: Math.min(profile.invocationsPerSecond, rowsPerSecond) };
}

/**
 * The lake tables the workload fills (target architecture: one Firehose stream per lake table, no
 * search streams): the events' table and alerts from ingest's invocations, window rows from
 * aggregate at each window's end per shard.
 */
export function lakeFlows(
  workload: Workload,
  stage: StageSettings,
  sizing: StreamSizing,
  ingest: InvocationProfile,
  assumptions: Assumptions,
): LakeFlow[] {
  const windowSeconds = stage.aggregate.tumblingWindowSeconds ?? 900;
  const windowWrites = sizing.shards / windowSeconds;
  return [
    perInvocation(workload.eventTable, workload.eventsPerSecond, workload.eventBytes, ingest),
    perInvocation('alerts', workload.eventsPerSecond * workload.alertRatio, assumptions.alertBytes, ingest),
    {
      table: 'window_aggregates',
      rowsPerSecond: windowWrites * assumptions.windowRowsPerShardPerWindow,
      rowBytes: assumptions.windowRowBytes,
      writesPerSecond: windowWrites,
    },
  ].filter((flow) => flow.rowsPerSecond > 0);
}
