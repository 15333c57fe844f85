import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { loadDimensionsFromDir } from '../src/adapters/file/load-dimensions.js';
import { indexDimensions } from '../src/enrich/dimensions.js';
import type { StreamRecordData } from '../src/ingest/decode-record.js';
import { DeliveryLedger } from '../src/ingest/delivery-ledger.js';
import { processBatch } from '../src/ingest/process-batch.js';
import { DEFAULT_RULE_CONFIG } from '../src/rules/rule-config.js';
import { TrajectoryTracker } from '../src/rules/trajectory-tracker.js';
import { createEventValidator } from '../src/schema/validate-event.js';
import type { IngestSinks, Sink } from '../src/sinks/sink.js';

/** Results of the ingest micro-benchmark, events per second. */
export interface IngestBenchResult {
  ingest_events_per_sec_per_core: number;
  jsonparse_events_per_sec: number;
}

const EVENTS = 200_000;
const BATCH_SIZE = 500;

/** Builds Kinesis batches of realistic car_sensor payloads (20 cars, one reading per second, some anomalies). */
function buildBatches(carIds: number[]): StreamRecordData[][] {
  const batches: StreamRecordData[][] = [];
  let batch: StreamRecordData[] = [];
  const start = Date.UTC(2026, 10, 24, 8);
  for (let i = 0; i < EVENTS; i++) {
    const carId = carIds[i % carIds.length]!;
    const ts = new Date(start + Math.floor(i / carIds.length) * 1000).toISOString();
    const speed = (i * 7919) % 140;
    const gear = speed === 0 ? 0 : Math.min(6, Math.floor(speed / 20) + 1);
    const rpm = 900 + ((i * 104729) % 5600);
    const data = `{"type":"car_sensor","event_id":"car-${carId}-${i}","ts":"${ts}","car_id":${carId},"speed":${speed}.5,"rpm":${rpm},"gear":${gear}}`;
    batch.push({
      data: Buffer.from(data).toString('base64'),
      partitionKey: String(carId),
      sequenceNumber: String(i + 1).padStart(56, '0'),
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
function serialisingSink<T>(name: string): Sink<T> & { bytes: number } {
  const sink = {
    name,
    bytes: 0,
    async write(items: readonly T[]) {
      let text = '';
      for (const item of items) text += `${JSON.stringify(item)}\n`;
      sink.bytes += text.length;
    },
  };
  return sink;
}

async function timeIngest(batches: StreamRecordData[][], dimensionsDir: string): Promise<number> {
  const sinks: IngestSinks = {
    lake: serialisingSink('lake'),
    search: serialisingSink('search'),
    alerts: serialisingSink('alerts'),
    rejects: serialisingSink('rejects'),
    duplicates: serialisingSink('duplicates'),
  };
  const ctx = {
    validate: createEventValidator(),
    dimensions: indexDimensions(loadDimensionsFromDir(dimensionsDir)),
    rules: DEFAULT_RULE_CONFIG,
    trajectories: new TrajectoryTracker(DEFAULT_RULE_CONFIG.gpsJumpKmh),
    ledger: new DeliveryLedger(1_000_000),
  };
  const origin = { stream: 'bench', shardId: 'shardId-000000000000' };
  const started = process.hrtime.bigint();
  let accepted = 0;
  for (const batch of batches) accepted += (await processBatch(batch, origin, ctx, sinks)).counts.accepted;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (accepted !== EVENTS) throw new Error(`bench input should all be accepted, got ${accepted}/${EVENTS}`);
  return EVENTS / seconds;
}

function timeJsonParse(batches: StreamRecordData[][]): number {
  const started = process.hrtime.bigint();
  let fields = 0;
  for (const batch of batches) {
    for (const record of batch) fields += JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')).gear;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (fields < 0) throw new Error('unreachable: keeps the loop from being optimised away');
  return EVENTS / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The ingest hot path (decode, parse, validate, normalise, enrich, rules, serialise) on pre-built
 * Kinesis batches of car_sensor events, in this one thread, against base64 + JSON.parse alone.
 * Each figure is the median of `runs` (after one warm-up run).
 */
export async function measureIngest(repoRoot: string, runs = 7): Promise<IngestBenchResult> {
  const dimensionsDir = join(repoRoot, 'data');
  const carIds = loadDimensionsFromDir(dimensionsDir).cars.map((car) => car.car_id);
  const batches = buildBatches(carIds);
  await timeIngest(batches, dimensionsDir);
  timeJsonParse(batches);
  const ingest: number[] = [];
  const parse: number[] = [];
  for (let i = 0; i < runs; i++) {
    parse.push(timeJsonParse(batches));
    ingest.push(await timeIngest(batches, dimensionsDir));
  }
  return {
    ingest_events_per_sec_per_core: Math.round(median(ingest)),
    jsonparse_events_per_sec: Math.round(median(parse)),
  };
}
