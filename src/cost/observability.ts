import type { Assumptions } from './assumptions.js';
import { costLine, DAYS_PER_MONTH, GB, SECONDS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import type { InvocationProfile } from './lambda.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { StageSettings } from './stage-settings.js';

/** What the stack publishes to CloudWatch besides logs: custom metric series, alarms, dashboards. */
export interface ObservabilityInventory {
  customMetrics: number;
  alarms: number;
  dashboards: number;
}

/** Log bytes one invocation writes at the stage's log level. */
export function logBytesPerInvocation(
  name: 'ingest' | 'aggregate',
  logLevel: string,
  assumptions: Assumptions,
): number {
  const always = assumptions.logBytesPerInvocationAlways[name];
  const info = assumptions.logBytesPerInvocation[name];
  const level = logLevel.toUpperCase();
  if (level === 'DEBUG' || level === 'TRACE') return always + info * assumptions.debugLogFactor;
  if (level === 'INFO') return always + info;
  return always;
}

/**
 * CloudWatch: log ingestion of the stream functions at the stage's log level, storage for the
 * retention (uncompressed bytes: an upper bound), EMF custom metrics, alarms and dashboards.
 */
export function cloudWatchCost(
  stage: StageSettings,
  profiles: InvocationProfile[],
  inventory: ObservabilityInventory,
  assumptions: Assumptions,
  book: PriceBook,
): ServiceCost {
  const ingestedGb = profiles.reduce((sum, profile) => {
    const name = profile.name === 'aggregate' ? 'aggregate' : 'ingest';
    const bytes = logBytesPerInvocation(name, stage.logLevel, assumptions);
    return sum + (profile.invocationsPerSecond * SECONDS_PER_MONTH * bytes) / GB;
  }, 0);
  const storedGb = ingestedGb * (stage.logRetentionInDays / DAYS_PER_MONTH);
  return serviceCost('CloudWatch', [
    costLine(`logs ingested (${stage.logLevel})`, ingestedGb, 'GB', priceOf(book, 'cloudwatch.logsIngestedGb')),
    costLine(
      `logs stored (${stage.logRetentionInDays} days)`,
      storedGb,
      'GB-month',
      priceOf(book, 'cloudwatch.logsStoredGbMonth'),
    ),
    costLine(
      'custom metrics (EMF)',
      inventory.customMetrics,
      'metric-month',
      priceOf(book, 'cloudwatch.customMetricMonth'),
    ),
    costLine('alarms', inventory.alarms, 'alarm-month', priceOf(book, 'cloudwatch.alarmMonth')),
    costLine('dashboards', inventory.dashboards, 'dashboard-month', priceOf(book, 'cloudwatch.dashboardMonth')),
  ]);
}
