import { parseArgs } from 'node:util';
import { DEFAULT_ASSUMPTIONS } from '#src/cost/assumptions.js';
import { SERVICES } from '#src/cost/cost-line.js';
import { type CostEstimate, estimateMonthlyCost } from '#src/cost/estimate.js';
import type { PriceBook } from '#src/cost/price-book.js';
import { DEFAULT_WORKLOAD } from '#src/cost/workload.js';
import { UsageError } from '../usage-error.js';
import { declaredStages, readStageSettings } from './read-stage-settings.js';
import { projectedHourPartitions, readIngestThroughput, readPriceBook, readStackInventory } from './stack-inventory.js';

/** What `fleetstream cost` was asked for. */
export interface CostOptions {
  rate: number;
  stage: string;
  eventBytes: number;
  alertRatio: number;
  eventsPerRecord: number;
  queryRunsPerDay: number;
  queryWindowDays: number;
  lakeMonths: number;
  asOf: string | undefined;
  json: boolean;
}

/** The usage text of `fleetstream cost`. */
export const COST_USAGE = `  fleetstream cost --rate EVENTS_PER_SEC [--stage dev|prod] [--event-bytes N] [--alert-ratio R]
                   [--events-per-record N] [--query-runs-per-day N] [--query-window-days N]
                   [--lake-months N] [--as-of YYYY-MM-DD] [--json]`;

function number(
  name: string,
  value: string | undefined,
  fallback: number,
  check: (n: number) => boolean,
  what: string,
) {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || !check(parsed))
    throw new UsageError(`--${name} must be ${what}, got "${value}"`);
  return parsed;
}

/** Parses and checks the arguments of `fleetstream cost`; every mistake is a UsageError naming the flag. */
export function parseCostArgs(argv: string[], stages: string[]): CostOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string' },
      stage: { type: 'string' },
      'event-bytes': { type: 'string' },
      'alert-ratio': { type: 'string' },
      'events-per-record': { type: 'string' },
      'query-runs-per-day': { type: 'string' },
      'query-window-days': { type: 'string' },
      'lake-months': { type: 'string' },
      'as-of': { type: 'string' },
      json: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0)
    throw new UsageError(`fleetstream cost takes no positional arguments, got "${positionals[0]}"`);
  if (values.rate === undefined) throw new UsageError('fleetstream cost needs --rate EVENTS_PER_SEC');
  const stage = values.stage ?? 'dev';
  if (!stages.includes(stage)) throw new UsageError(`--stage must be one of ${stages.join(', ')}, got "${stage}"`);
  const asOf = values['as-of'];
  if (asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(asOf))))
    throw new UsageError(`--as-of must be a date YYYY-MM-DD, got "${asOf}"`);
  const positive = (n: number) => n > 0;
  return {
    rate: number('rate', values.rate, 0, positive, 'a positive number of events per second'),
    stage,
    eventBytes: number(
      'event-bytes',
      values['event-bytes'],
      DEFAULT_WORKLOAD.eventBytes,
      positive,
      'a positive number of bytes',
    ),
    alertRatio: number(
      'alert-ratio',
      values['alert-ratio'],
      DEFAULT_WORKLOAD.alertRatio,
      (n) => n >= 0 && n <= 1,
      'a ratio between 0 and 1',
    ),
    eventsPerRecord: number(
      'events-per-record',
      values['events-per-record'],
      DEFAULT_WORKLOAD.eventsPerKinesisRecord,
      (n) => Number.isInteger(n) && n >= 1,
      'a whole number ≥ 1',
    ),
    queryRunsPerDay: number(
      'query-runs-per-day',
      values['query-runs-per-day'],
      DEFAULT_WORKLOAD.queryRunsPerDay,
      (n) => n >= 0,
      'a number ≥ 0',
    ),
    queryWindowDays: number(
      'query-window-days',
      values['query-window-days'],
      DEFAULT_ASSUMPTIONS.queryWindowDays,
      (n) => Number.isInteger(n) && n >= 1,
      'a whole number of days ≥ 1',
    ),
    lakeMonths: number(
      'lake-months',
      values['lake-months'],
      DEFAULT_WORKLOAD.lakeAgeMonths,
      (n) => n >= 1,
      'a number of months ≥ 1',
    ),
    asOf,
    json: values.json ?? false,
  };
}

/** The estimate for parsed options, from the repository's serverless.yml, stack files, prices and bench. */
export function estimateFor(repoRoot: string, options: CostOptions): { estimate: CostEstimate; book: PriceBook } {
  const book = readPriceBook(repoRoot);
  const stage = readStageSettings(repoRoot, options.stage);
  if (stage.region !== book.region)
    throw new Error(`data/aws-prices.json prices ${book.region}, but stage ${stage.stage} deploys to ${stage.region}`);
  const estimate = estimateMonthlyCost({
    stage,
    book,
    inventory: readStackInventory(repoRoot, stage),
    assumptions: {
      ...DEFAULT_ASSUMPTIONS,
      ingestEventsPerSecondPerCore: readIngestThroughput(repoRoot),
      queryWindowDays: options.queryWindowDays,
    },
    workload: {
      ...DEFAULT_WORKLOAD,
      eventsPerSecond: options.rate,
      eventBytes: options.eventBytes,
      alertRatio: options.alertRatio,
      eventsPerKinesisRecord: options.eventsPerRecord,
      queryRunsPerDay: options.queryRunsPerDay,
      lakeAgeMonths: options.lakeMonths,
      // Prices are as of their look-up date; so is the month costed, unless --as-of says otherwise.
      projectedHourPartitions: projectedHourPartitions(stage, repoRoot, options.asOf ?? book.lookedUp),
    },
  });
  return { estimate, book };
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const qty = (n: number) => n.toLocaleString('en-US', { maximumSignificantDigits: 4 });

/** The estimate as the terminal shows it: services with their lines, the total and the dominant service. */
export function formatEstimate(estimate: CostEstimate, book: PriceBook): string {
  const { workload } = estimate;
  const out = [
    `fleetstream cost: stage ${estimate.stage}, ${qty(workload.eventsPerSecond)} events/s of ${workload.eventBytes} bytes, ${book.region} list prices of ${book.lookedUp} (USD a month)`,
    '',
  ];
  const order = (name: string) => SERVICES.indexOf(name as (typeof SERVICES)[number]);
  for (const service of [...estimate.services].sort((a, b) => order(a.service) - order(b.service))) {
    const share = estimate.totalUsd > 0 ? (100 * service.usd) / estimate.totalUsd : 0;
    out.push(`${service.service.padEnd(16)}${usd(service.usd).padStart(14)}  ${share.toFixed(1).padStart(5)} %`);
    for (const line of service.lines)
      out.push(`    ${line.item}: ${qty(line.quantity)} ${line.unit} × $${qty(line.unitUsd)} = ${usd(line.usd)}`);
    for (const note of service.notes) out.push(`    · ${note}`);
  }
  const dominant = estimate.services.find((s) => s.service === estimate.dominant);
  out.push(
    '',
    `${'total'.padEnd(16)}${usd(estimate.totalUsd).padStart(14)}   (${usd(estimate.totalUsd / (730 / 24))} a day)`,
    `dominant: ${estimate.dominant} (${(((dominant?.usd ?? 0) / estimate.totalUsd) * 100).toFixed(0)} %)`,
    'prices, their sources and what was not found: data/aws-prices.json; assumptions: docs/cost.md',
  );
  return `${out.join('\n')}\n`;
}

/** `fleetstream cost`: parse, estimate, print as text or JSON. */
export function costCommand(argv: string[], repoRoot: string, write: (text: string) => void): void {
  const options = parseCostArgs(argv, declaredStages(repoRoot));
  const { estimate, book } = estimateFor(repoRoot, options);
  write(options.json ? `${JSON.stringify(estimate, null, 2)}\n` : formatEstimate(estimate, book));
}
