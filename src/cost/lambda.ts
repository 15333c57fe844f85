import type { Assumptions } from './assumptions.js';
import { costLine, SECONDS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import type { StreamSizing } from './kinesis.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { FunctionSettings } from './stage-settings.js';

/** A Kinesis batch is capped by the 6 MB synchronous invocation payload (Lambda quotas). */
const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
/** A standard consumer polls each shard about once a second (Lambda Kinesis docs). */
const POLL_INTERVAL_SECONDS = 1;

/** How often a stream function runs and for how long, from its mapping and the stream. */
export interface InvocationProfile {
  name: string;
  memoryMb: number;
  invocationsPerSecond: number;
  eventsPerInvocation: number;
  durationMs: number;
  warnings: string[];
}

/** What a function's invocation profile depends on besides its settings. */
export interface ProfileInputs {
  name: string;
  settings: FunctionSettings;
  sizing: StreamSizing;
  eventsPerRecord: number;
  ioMsPerBatch: number;
  assumptions: Assumptions;
}

/**
 * Invocations and duration of one stream function. Per shard, up to `parallelizationFactor`
 * batches are in flight; each gathers records until the batch is full, the payload reaches 6 MB
 * or the batching window (at least the ~1 s poll) passes. So per shard and second:
 * max(records / batch, min(records, parallelization / window)). Duration is the batch's events
 * at the measured per-core rate, scaled to the vCPU share the memory buys, plus the I/O wait.
 */
export function profileInvocations(inputs: ProfileInputs): InvocationProfile {
  const { settings, sizing, assumptions } = inputs;
  const recordsPerShard = sizing.recordsPerSecond / sizing.shards;
  const batchRecords = Math.max(1, Math.min(settings.batchSize, Math.floor(PAYLOAD_LIMIT_BYTES / sizing.recordBytes)));
  const window = Math.max(settings.batchWindowSeconds, POLL_INTERVAL_SECONDS);
  const perShard = Math.max(
    recordsPerShard / batchRecords,
    Math.min(recordsPerShard, settings.parallelizationFactor / window),
  );
  // A tumbling window adds one final invocation per shard and window.
  const finals = settings.tumblingWindowSeconds ? 1 / settings.tumblingWindowSeconds : 0;
  const invocationsPerSecond = sizing.shards * (perShard + finals);
  const eventsPerInvocation = (sizing.recordsPerSecond * inputs.eventsPerRecord) / invocationsPerSecond;
  const vcpu = Math.min(1, settings.memoryMb / assumptions.lambdaFullVcpuMb);
  const cpuMs = (eventsPerInvocation / (assumptions.ingestEventsPerSecondPerCore * vcpu)) * 1000;
  const durationMs = Math.max(1, inputs.ioMsPerBatch + cpuMs);
  const warnings: string[] = [];
  const capacityPerShard =
    (settings.parallelizationFactor * batchRecords * inputs.eventsPerRecord) / (durationMs / 1000);
  if (recordsPerShard * inputs.eventsPerRecord > capacityPerShard)
    warnings.push(
      `${inputs.name} processes at most ${Math.floor(capacityPerShard)} events/s per shard: it falls behind at ${Math.round(recordsPerShard * inputs.eventsPerRecord)}`,
    );
  return {
    name: inputs.name,
    memoryMb: settings.memoryMb,
    invocationsPerSecond,
    eventsPerInvocation,
    durationMs,
    warnings,
  };
}

/** Lambda: requests and arm64 GB-seconds of the stream functions (the rarely run ones round to zero). */
export function lambdaCost(profiles: InvocationProfile[], book: PriceBook): ServiceCost {
  const lines = profiles.flatMap((profile) => {
    const invocations = profile.invocationsPerSecond * SECONDS_PER_MONTH;
    const gbSeconds = invocations * (profile.durationMs / 1000) * (profile.memoryMb / 1024);
    return [
      costLine(
        `${profile.name} requests`,
        invocations / 1e6,
        'million requests',
        priceOf(book, 'lambda.requestMillion'),
      ),
      costLine(
        `${profile.name} duration (${profile.memoryMb} MB)`,
        gbSeconds,
        'GB-second',
        priceOf(book, 'lambda.armGbSecond'),
      ),
    ];
  });
  const notes = profiles.flatMap((profile) => [
    `${profile.name}: ${profile.invocationsPerSecond.toFixed(2)} invocations/s, ${Math.round(profile.eventsPerInvocation)} events and ${profile.durationMs.toFixed(1)} ms each`,
    ...profile.warnings,
  ]);
  return serviceCost('Lambda', lines, notes);
}
