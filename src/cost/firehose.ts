import { costLine, GB, HOURS_PER_MONTH, SECONDS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import type { LakeFlow } from './lake-flows.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { StageSettings } from './stage-settings.js';

/** Firehose bills each record rounded up to 5 KB (5,120 bytes) for ingestion and format conversion. */
const BILLING_ROUND_BYTES = 5120;
/** A Firehose record holds at most 1,000 KiB; JSON de-aggregation splits at most 500 objects per record. */
const RECORD_MAX_BYTES = 1000 * 1024;
const OBJECTS_PER_RECORD_MAX = 500;

/** What one lake table's Firehose stream does in a month. */
export interface FlowDelivery {
  table: string;
  /** Bytes of the rows as sent (newline-delimited JSON). */
  realGb: number;
  /** Bytes Firehose bills: each record rounded up to 5 KB. */
  billedGb: number;
  /** S3 objects delivered: one per buffer flush and partition. */
  objects: number;
}

const roundUp = (bytes: number) => Math.ceil(bytes / BILLING_ROUND_BYTES) * BILLING_ROUND_BYTES;

/**
 * Bytes billed for one write of `rows` rows of `rowBytes` (plus a newline each): packed into
 * records of at most 500 rows and 1,000 KiB, each record rounded up to 5 KB.
 */
export function billedBytesPerWrite(rows: number, rowBytes: number): number {
  const lineBytes = rowBytes + 1;
  const perRecord = Math.max(1, Math.min(OBJECTS_PER_RECORD_MAX, Math.floor(RECORD_MAX_BYTES / lineBytes)));
  const full = Math.floor(rows / perRecord);
  const rest = rows - full * perRecord;
  return full * roundUp(perRecord * lineBytes) + (rest > 0 ? roundUp(rest * lineBytes) : 0);
}

/**
 * A flow's month through its stream: billed and real bytes, and the objects dynamic partitioning
 * delivers. A steady flow flushes every buffer interval (or buffer size, if sooner), plus one more
 * object at each hour boundary (two dt/hour partitions in that buffer); a sparse flow (fewer writes
 * than intervals) flushes once per write.
 */
export function deliverFlow(flow: LakeFlow, stage: StageSettings): FlowDelivery {
  const writes = flow.writesPerSecond * SECONDS_PER_MONTH;
  const rowsPerWrite = flow.rowsPerSecond / flow.writesPerSecond;
  const realBytes = flow.rowsPerSecond * (flow.rowBytes + 1) * SECONDS_PER_MONTH;
  const billedBytes = writes * billedBytesPerWrite(rowsPerWrite, flow.rowBytes);
  const steady = flow.writesPerSecond * stage.lakeBufferIntervalSeconds >= 1;
  const flushes = Math.max(
    SECONDS_PER_MONTH / stage.lakeBufferIntervalSeconds,
    realBytes / (stage.lakeBufferSizeMb * 1024 * 1024),
  );
  const objects = steady ? flushes + HOURS_PER_MONTH : writes;
  return { table: flow.table, realGb: realBytes / GB, billedGb: billedBytes / GB, objects };
}

/** Firehose: ingestion and Parquet conversion on billed bytes, dynamic partitioning per GB and per object. */
export function firehoseCost(deliveries: FlowDelivery[], book: PriceBook): ServiceCost {
  const sum = (pick: (delivery: FlowDelivery) => number) => deliveries.reduce((total, d) => total + pick(d), 0);
  const billedGb = sum((d) => d.billedGb);
  const lines = [
    costLine('ingestion (records rounded to 5 KB)', billedGb, 'GB', priceOf(book, 'firehose.ingestionGb')),
    costLine('format conversion to Parquet', billedGb, 'GB', priceOf(book, 'firehose.formatConversionGb')),
    costLine(
      'dynamic partitioning',
      sum((d) => d.realGb),
      'GB',
      priceOf(book, 'firehose.dynamicPartitioningGb'),
    ),
    costLine(
      'dynamic partitioning objects',
      sum((d) => d.objects) / 1000,
      'thousand objects',
      priceOf(book, 'firehose.dynamicPartitioningThousandObjects'),
    ),
  ];
  const notes = deliveries.map(
    (d) =>
      `${d.table}: ${d.realGb.toFixed(2)} GB sent, ${d.billedGb.toFixed(2)} GB billed, ${Math.round(d.objects)} objects`,
  );
  notes.push(
    'JQ processing hours of the partitioning query are billed too and not modelled (no figure for JQ time per record)',
  );
  return serviceCost('Firehose', lines, notes);
}
