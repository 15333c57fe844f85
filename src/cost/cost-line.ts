/** The services a stage's monthly cost is split into, in the order the CLI prints them. */
export const SERVICES = [
  'Kinesis',
  'Lambda',
  'Firehose',
  'S3',
  'Athena',
  'OpenSearch',
  'Step Functions',
  'EMR',
  'SNS',
  'CloudWatch',
] as const;

/** One of SERVICES. */
export type ServiceName = (typeof SERVICES)[number];

/** One billed quantity: how much of what, at which unit price, for how many dollars a month. */
export interface CostLine {
  item: string;
  quantity: number;
  unit: string;
  unitUsd: number;
  usd: number;
}

/** A service's monthly cost: its lines, their sum, and what the reader must know about them. */
export interface ServiceCost {
  service: ServiceName;
  lines: CostLine[];
  usd: number;
  notes: string[];
}

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** Seconds in a billed month (730 h). */
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/** Days in a billed month (730 h / 24). */
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

/** AWS's "GB" in per-GB prices is 2^30 bytes. */
export const GB = 1024 ** 3;

/** A cost line: quantity × unit price. */
export function costLine(item: string, quantity: number, unit: string, unitUsd: number): CostLine {
  return { item, quantity, unit, unitUsd, usd: quantity * unitUsd };
}

/** A service's cost from its lines (the sum is computed, never passed in). */
export function serviceCost(service: ServiceName, lines: CostLine[], notes: string[] = []): ServiceCost {
  return { service, lines, usd: lines.reduce((sum, line) => sum + line.usd, 0), notes };
}
