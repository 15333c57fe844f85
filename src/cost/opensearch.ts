import { costLine, HOURS_PER_MONTH, type ServiceCost, serviceCost } from './cost-line.js';
import { type PriceBook, priceOf } from './price-book.js';
import type { StageSettings } from './stage-settings.js';

/** OpenSearch: the domain's instance-hours and gp3 volumes (searchInstanceType/Count/VolumeGb); flat in the rate. */
export function openSearchCost(stage: StageSettings, documentsPerSecond: number, book: PriceBook): ServiceCost {
  const count = stage.searchInstanceCount;
  const lines = [
    costLine(
      `${count} × ${stage.searchInstanceType}`,
      count * HOURS_PER_MONTH,
      'instance-hour',
      priceOf(book, `opensearch.instanceHour.${stage.searchInstanceType}`),
    ),
    costLine(
      `${count} × ${stage.searchVolumeGb} GB gp3`,
      count * stage.searchVolumeGb,
      'GB-month',
      priceOf(book, 'opensearch.gp3GbMonth'),
    ),
  ];
  return serviceCost('OpenSearch', lines, [
    `ingest and aggregate index ${Math.round(documentsPerSecond)} documents/s with signed _bulk requests; whether the domain keeps up at that rate is not modelled`,
  ]);
}
