import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { type Car, indexDimensions } from '#src/enrich/dimensions.js';
import type { StreamRecordData } from '#src/ingest/decode-record.js';
import { DeliveryLedger } from '#src/ingest/delivery-ledger.js';
import { processBatch } from '#src/ingest/process-batch.js';
import { DEFAULT_RULE_CONFIG } from '#src/rules/rule-config.js';
import { TrajectoryTracker } from '#src/rules/trajectory-tracker.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { serializeEvent } from '#src/sinks/serialize-event.js';
import type { IngestSinks, Sink } from '#src/sinks/sink.js';
import { decodeBase64 } from '#src/telemetry/base64.js';
import { ruleConfigOf } from '../local/run/run-mappings.js';
import { readServerlessConfig } from '../local/serverless-config.js';

/** Results of the ingest micro-benchmark, events per second. */
export interface IngestBenchResult {
  ingest_events_per_sec_per_core: number;
  jsonparse_events_per_sec: number;
  /**
   * The same two rates per second of this process's CPU time (all its threads, GC helpers
   * included) instead of wall time: steadier on a shared machine, where being descheduled counts
   * against whichever side was running.
   */
  ingest_events_per_cpu_sec: number;
  jsonparse_events_per_cpu_sec: number;
}

/** Events per second of wall time and of process CPU time since `started`. */
interface Rates {
  wall: number;
  cpu: number;
}

function startClock(): () => Rates {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return {
      wall: EVENTS / (Number(process.hrtime.bigint() - wall) / 1e9),
      cpu: EVENTS / ((used.user + used.system) / 1e6),
    };
  };
}

const EVENTS = 200_000;
const BATCH_SIZE = 500;

/** Builds Kinesis batches from the fleet simulator (20 cars, one reading per second, its anomaly episodes). */
function buildBatches(cars: Car[]): StreamRecordData[][] {
  const batches: StreamRecordData[][] = [];
  let batch: StreamRecordData[] = [];
  let sequence = 0;
  for (const record of simulateFleet({ cars, seed: 1, startMs: Date.UTC(2026, 10, 24, 8), events: EVENTS })) {
    batch.push({
      data: Buffer.from(record.data).toString('base64'),
      partitionKey: record.partitionKey,
      sequenceNumber: String(++sequence).padStart(56, '0'),
    });
    if (batch.length === BATCH_SIZE) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** A sink that serialises what it gets, as the Firehose adapter does, and keeps only the byte count. */
function serialisingSink<T>(
  name: string,
  serialise: (item: T) => string = (item) => JSON.stringify(item),
): Sink<T> & { bytes: number } {
  const sink = {
    name,
    bytes: 0,
    async write(items: readonly T[]) {
      let text = '';
      for (const item of items) text += `${serialise(item)}\n`;
      sink.bytes += text.length;
    },
  };
  return sink;
}

async function timeIngest(
  batches: StreamRecordData[][],
  dimensionsDir: string,
  dedupeCapacity: number,
): Promise<Rates> {
  const sinks: IngestSinks = {
    lake: serialisingSink('lake', serializeEvent),
    search: serialisingSink('search', serializeEvent),
    alerts: [serialisingSink('alerts')],
    rejects: serialisingSink('rejects'),
    duplicates: serialisingSink('duplicates'),
  };
  const ctx = {
    validate: createEventValidator(),
    dimensions: indexDimensions(loadDimensionsFromDir(dimensionsDir)),
    rules: DEFAULT_RULE_CONFIG,
    trajectories: new TrajectoryTracker(DEFAULT_RULE_CONFIG.gpsJumpKmh),
    ledger: new DeliveryLedger(dedupeCapacity),
  };
  const origin = { stream: 'bench', shardId: 'shardId-000000000000' };
  const stop = startClock();
  let accepted = 0;
  for (const batch of batches) accepted += (await processBatch(batch, origin, ctx, sinks)).counts.accepted;
  const rates = stop();
  if (accepted !== EVENTS) throw new Error(`bench input should all be accepted, got ${accepted}/${EVENTS}`);
  return rates;
}

function timeJsonParse(batches: StreamRecordData[][]): Rates {
  const stop = startClock();
  let fields = 0;
  for (const batch of batches) {
    for (const record of batch) fields += JSON.parse(decodeBase64(record.data).text).car_id;
  }
  const rates = stop();
  if (fields < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return rates;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The ingest hot path (decode, parse, validate, normalise, enrich, rules, serialise for lake and
 * search) on pre-built Kinesis batches of simulated car_sensor events, in this one thread, against
 * the floor: the same base64 decode + JSON.parse alone.
 * Each figure is the median of `runs` (after one warm-up run).
 */
export async function measureIngest(repoRoot: string, runs = 7): Promise<IngestBenchResult> {
  const dimensionsDir = join(repoRoot, 'data');
  // The warm ledger's size is the local stage's (serverless.yml `dedupeCapacity`), as `fleetstream run`
  // and the deployed function size it: a ledger of 1M ids never filled in 200,000 events, and its
  // 12 MB of tables missed the caches a 200k one mostly hits.
  const { dedupeCapacity } = ruleConfigOf(readServerlessConfig(join(repoRoot, 'serverless.yml'), 'local'));
  const batches = buildBatches(loadDimensionsFromDir(dimensionsDir).cars);
  await timeIngest(batches, dimensionsDir, dedupeCapacity);
  timeJsonParse(batches);
  const ingest: Rates[] = [];
  const parse: Rates[] = [];
  for (let i = 0; i < runs; i++) {
    parse.push(timeJsonParse(batches));
    ingest.push(await timeIngest(batches, dimensionsDir, dedupeCapacity));
  }
  return {
    ingest_events_per_sec_per_core: Math.round(median(ingest.map((r) => r.wall))),
    jsonparse_events_per_sec: Math.round(median(parse.map((r) => r.wall))),
    ingest_events_per_cpu_sec: Math.round(median(ingest.map((r) => r.cpu))),
    jsonparse_events_per_cpu_sec: Math.round(median(parse.map((r) => r.cpu))),
  };
}
