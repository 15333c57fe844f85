import type { QueryScan } from './athena.js';
import { costLine, DAYS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import type { FlowDelivery } from './firehose.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { Workload } from './workload.js';

/** A table's Parquet bytes and objects per month, and on average in the lake at the month costed. */
export interface TableGrowth {
  table: string;
  parquetGbPerMonth: number;
  objectsPerMonth: number;
}

/** Parquet written per month: the rows' JSON bytes over the compression ratio. */
export function tableGrowth(deliveries: FlowDelivery[], compressionRatio: number): TableGrowth[] {
  return deliveries.map((d) => ({
    table: d.table,
    parquetGbPerMonth: d.realGb / compressionRatio,
    objectsPerMonth: d.objects,
  }));
}

/**
 * Months of data the lake holds on average during month `age` (the month's own data is half there
 * on average), split by the lifecycle rule: the last 30 days in Standard, the rest in Standard-IA.
 */
export function storageMonths(age: number): { standard: number; infrequent: number } {
  const held = Math.max(0, age - 0.5);
  return { standard: Math.min(held, 1), infrequent: Math.max(0, held - 1) };
}

/** The S3 bill and the part of it that Athena's reads cause (GETs and LISTs). */
export interface LakeStorageCost {
  cost: ServiceCost;
  queryRequestsUsd: number;
}

/** S3: the lake's storage (Standard, then Standard-IA after 30 days), Firehose PUTs, transitions, Athena's GETs and LISTs. */
export function lakeStorageCost(
  growth: TableGrowth[],
  scans: QueryScan[],
  workload: Workload,
  book: PriceBook,
): LakeStorageCost {
  const gbPerMonth = growth.reduce((sum, t) => sum + t.parquetGbPerMonth, 0);
  const objectsPerMonth = growth.reduce((sum, t) => sum + t.objectsPerMonth, 0);
  const months = storageMonths(workload.lakeAgeMonths);
  const runs = workload.queryRunsPerDay * DAYS_PER_MONTH;
  const gets = scans.reduce((sum, scan) => sum + scan.s3GetsPerRun, 0) * runs;
  const lists = scans.reduce((sum, scan) => sum + scan.s3ListsPerRun, 0) * runs;
  const transitions = objectsPerMonth * Math.min(1, Math.max(0, workload.lakeAgeMonths - 1));
  const queryLines = [
    costLine("GETs (Athena's reads)", gets / 1000, 'thousand requests', priceOf(book, 's3.getThousand')),
    costLine(
      'LISTs (Athena, per hour partition in a window)',
      lists / 1000,
      'thousand requests',
      priceOf(book, 's3.putThousand'),
    ),
  ];
  const lines = [
    costLine(
      'Standard storage (last 30 days)',
      gbPerMonth * months.standard,
      'GB-month',
      priceOf(book, 's3.standardGbMonth'),
    ),
    costLine(
      'Standard-IA storage (older)',
      gbPerMonth * months.infrequent,
      'GB-month',
      priceOf(book, 's3.standardIaGbMonth'),
    ),
    costLine(
      'PUTs (Firehose deliveries)',
      objectsPerMonth / 1000,
      'thousand requests',
      priceOf(book, 's3.putThousand'),
    ),
    costLine(
      'lifecycle transitions to IA',
      transitions / 1000,
      'thousand requests',
      priceOf(book, 's3.lifecycleTransitionThousand'),
    ),
    ...queryLines,
  ];
  const notes = [
    `the lake grows ${gbPerMonth.toFixed(2)} GB of Parquet a month; month ${workload.lakeAgeMonths} holds ${(gbPerMonth * (months.standard + months.infrequent)).toFixed(1)} GB on average`,
    'rejects, Athena results and the data bucket are small and not modelled',
  ];
  return { cost: serviceCost('S3', lines, notes), queryRequestsUsd: queryLines.reduce((sum, l) => sum + l.usd, 0) };
}
