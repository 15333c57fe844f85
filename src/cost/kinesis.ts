import type { Assumptions } from './assumptions.js';
import { costLine, GB, HOURS_PER_MONTH, SECONDS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { StageSettings } from './stage-settings.js';
import type { Workload } from './workload.js';

/** Per-shard write limits: 1 MiB/s and 1,000 records/s; reads 2 MiB/s shared by polling consumers. */
const SHARD_WRITE_BYTES = 1024 * 1024;
const SHARD_WRITE_RECORDS = 1000;
const SHARD_READ_BYTES = 2 * 1024 * 1024;
/** A PUT payload unit is a 25 KB chunk of a record (http://aws.amazon.com/kinesis/pricing/). */
const PUT_UNIT_BYTES = 25 * 1024;
/** On-demand bills each record rounded up to 1 KB (https://aws.amazon.com/kinesis/data-streams/pricing/). */
const ON_DEMAND_ROUNDING = 1024;

/** How big the stream must be and is for a workload, and what Lambda polls. */
export interface StreamSizing {
  recordsPerSecond: number;
  recordBytes: number;
  /** Shards the write and shared-read limits need. */
  shardsNeeded: number;
  /** Shards the stream has: provisioned max(configured, needed); on-demand an estimate. */
  shards: number;
  /** Consumers reading by polling, sharing each shard's 2 MiB/s (aggregate, and ingest without fan-out). */
  pollingConsumers: number;
  warnings: string[];
}

/** Sizes the stream: the shards the rate needs against the shards the stage has. */
export function sizeStream(stage: StageSettings, workload: Workload, assumptions: Assumptions): StreamSizing {
  const recordsPerSecond = workload.eventsPerSecond / workload.eventsPerKinesisRecord;
  const recordBytes = workload.eventBytes * workload.eventsPerKinesisRecord;
  const bytesPerSecond = recordsPerSecond * recordBytes;
  const pollingConsumers = stage.enhancedFanOut ? 1 : 2;
  const shardsNeeded = Math.max(
    1,
    Math.ceil(bytesPerSecond / SHARD_WRITE_BYTES),
    Math.ceil(recordsPerSecond / SHARD_WRITE_RECORDS),
    Math.ceil((pollingConsumers * bytesPerSecond) / SHARD_READ_BYTES),
  );
  const warnings: string[] = [];
  let shards: number;
  if (stage.streamMode === 'ON_DEMAND') {
    shards = Math.max(assumptions.onDemandMinShards, 2 * shardsNeeded);
  } else {
    shards = Math.max(stage.shardCount, shardsNeeded);
    if (shardsNeeded > stage.shardCount)
      warnings.push(
        `${stage.stage} has ${stage.shardCount} shard(s) but ${workload.eventsPerSecond} events/s needs ${shardsNeeded}: as configured the stream throttles producers; costed at ${shardsNeeded}`,
      );
  }
  return { recordsPerSecond, recordBytes, shardsNeeded, shards, pollingConsumers, warnings };
}

/** Kinesis: shard-hours and PUT payload units (provisioned) or stream-hours and GB in/out (on-demand), plus enhanced fan-out. */
export function kinesisCost(sizing: StreamSizing, stage: StageSettings, book: PriceBook): ServiceCost {
  const { recordsPerSecond, recordBytes, shards } = sizing;
  const recordsPerMonth = recordsPerSecond * SECONDS_PER_MONTH;
  const lines = [];
  const notes = [...sizing.warnings];
  if (stage.streamMode === 'PROVISIONED') {
    lines.push(
      costLine('shard-hours', shards * HOURS_PER_MONTH, 'shard-hour', priceOf(book, 'kinesis.shardHour')),
      costLine(
        'PUT payload units',
        (recordsPerMonth * Math.ceil(recordBytes / PUT_UNIT_BYTES)) / 1e6,
        'million units',
        priceOf(book, 'kinesis.putPayloadUnitMillion'),
      ),
    );
  } else {
    const billedGb = (recordsPerMonth * Math.ceil(recordBytes / ON_DEMAND_ROUNDING) * ON_DEMAND_ROUNDING) / GB;
    lines.push(
      costLine('stream-hours', HOURS_PER_MONTH, 'stream-hour', priceOf(book, 'kinesis.onDemandStreamHour')),
      costLine('data in (1 KB rounding)', billedGb, 'GB', priceOf(book, 'kinesis.onDemandDataInGb')),
      costLine(
        `data out, ${sizing.pollingConsumers} polling consumer(s)`,
        sizing.pollingConsumers * billedGb,
        'GB',
        priceOf(book, 'kinesis.onDemandDataOutGb'),
      ),
    );
    notes.push(
      `on-demand: Lambda polls an estimated ${shards} shards (at least 4, twice the ${sizing.shardsNeeded} needed)`,
    );
  }
  if (stage.enhancedFanOut) {
    lines.push(
      costLine(
        'enhanced fan-out consumer-shard-hours (ingest)',
        shards * HOURS_PER_MONTH,
        'consumer-shard-hour',
        priceOf(book, 'kinesis.efoConsumerShardHour'),
      ),
      costLine(
        'enhanced fan-out data (ingest)',
        (recordsPerMonth * recordBytes) / GB,
        'GB',
        priceOf(book, 'kinesis.efoDataGb'),
      ),
    );
  }
  return serviceCost('Kinesis', lines, notes);
}
