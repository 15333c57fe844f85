import { type Assumptions, DEFAULT_ASSUMPTIONS } from '#src/cost/assumptions.js';
import type { PriceBook } from '#src/cost/price-book.js';
import type { StageSettings } from '#src/cost/stage-settings.js';
import type { Workload } from '#src/cost/workload.js';

/** A price book where every price the model asks for is $1, so each line's dollars equal its quantity. */
export function flatBook(): PriceBook {
  const prices = new Proxy(
    {},
    {
      get: () => ({
        usd: 1,
        unit: 'unit',
        region: 'test',
        lookedUp: '2026-12-02',
        source: 'test',
        quality: 'official',
      }),
    },
  );
  return { region: 'eu-west-1', currency: 'USD', lookedUp: '2026-12-02', prices };
}

/** Assumptions with round figures: 100,000 events/s per core, one vCPU at 1,024 MB. */
export function testAssumptions(overrides: Partial<Assumptions> = {}): Assumptions {
  return { ...DEFAULT_ASSUMPTIONS, ingestEventsPerSecondPerCore: 100_000, lambdaFullVcpuMb: 1024, ...overrides };
}

/** A provisioned one-shard stage like dev, with round memory. */
export function testStage(overrides: Partial<StageSettings> = {}): StageSettings {
  return {
    stage: 'test',
    region: 'eu-west-1',
    streamMode: 'PROVISIONED',
    shardCount: 1,
    enhancedFanOut: false,
    ingest: {
      memoryMb: 1024,
      batchSize: 500,
      batchWindowSeconds: 1,
      parallelizationFactor: 1,
      tumblingWindowSeconds: undefined,
    },
    aggregate: {
      memoryMb: 512,
      batchSize: 500,
      batchWindowSeconds: 1,
      parallelizationFactor: 1,
      tumblingWindowSeconds: 900,
    },
    analytics: true,
    lakeBufferSizeMb: 64,
    lakeBufferIntervalSeconds: 60,
    searchInstanceType: 't3.small.search',
    searchInstanceCount: 1,
    searchVolumeGb: 10,
    athenaBytesScannedCutoff: 10 * 1024 ** 3,
    logRetentionInDays: 7,
    logLevel: 'INFO',
    batchEngine: 'cluster',
    batchSchedule: true,
    ...overrides,
  };
}

/** 1,000 events/s of 250 bytes, no KPL aggregation. */
export function testWorkload(overrides: Partial<Workload> = {}): Workload {
  return {
    eventsPerSecond: 1000,
    eventBytes: 250,
    eventsPerKinesisRecord: 1,
    alertRatio: 0.02,
    eventTable: 'car_sensor',
    queryRunsPerDay: 24,
    lakeAgeMonths: 12,
    projectedHourPartitions: 24,
    ...overrides,
  };
}

/** The dollars of a named line of a service cost. */
export function lineUsd(cost: { lines: { item: string; usd: number }[] }, item: string): number {
  const line = cost.lines.find((l) => l.item.startsWith(item));
  if (!line) throw new Error(`no line "${item}" in ${cost.lines.map((l) => l.item).join(', ')}`);
  return line.usd;
}
