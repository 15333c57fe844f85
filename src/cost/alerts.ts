import { costLine, DAYS_PER_MONTH, SECONDS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { Workload } from './workload.js';

/** SNS bills a publish per 64 KB chunk of payload. */
const CHUNK_BYTES = 64 * 1024;

/**
 * SNS: alerts to the FIFO alerts topic (deduplication id = alert_id), each message billed as a
 * publish per 64 KB chunk even inside a PublishBatch (the conservative reading; no official FIFO
 * figure was found), plus the ops topic's nightly batch notification.
 */
export function alertsCost(workload: Workload, alertBytes: number, batchRuns: number, book: PriceBook): ServiceCost {
  const alerts = workload.eventsPerSecond * workload.alertRatio * SECONDS_PER_MONTH;
  const publishes = alerts * Math.ceil(alertBytes / CHUNK_BYTES);
  return serviceCost(
    'SNS',
    [
      costLine('alerts FIFO publishes', publishes / 1e6, 'million publishes', priceOf(book, 'sns.fifoPublishMillion')),
      costLine(
        'ops topic (batch results)',
        batchRuns / 1e6,
        'million publishes',
        priceOf(book, 'sns.standardPublishMillion'),
      ),
    ],
    [
      `${Math.round(alerts / DAYS_PER_MONTH).toLocaleString('en-US')} alerts a day at an alert ratio of ${workload.alertRatio}`,
      'FIFO payload and SQS delivery charges are not modelled (no figure found)',
    ],
  );
}
