import { type DimensionStore, type LoadReport, publishDimensions } from '#src/dimensions/publish-dimensions.js';
import type { DimensionCsvs } from '#src/enrich/dimensions.js';

/** What the load-dimensions function needs: the CSVs' source and the store. */
export interface LoadDimensionsDeps {
  readCsv(table: keyof DimensionCsvs): Promise<string>;
  store: DimensionStore;
  now: () => number;
}

/**
 * Builds the load-dimensions handler: reads `car_models`, `car_colors` and `cars`, validates every
 * row and publishes a new store version when they changed (src/dimensions/publish-dimensions.ts).
 */
export function createLoadDimensionsHandler(deps: LoadDimensionsDeps) {
  return async (): Promise<LoadReport> => {
    const csv: DimensionCsvs = {
      car_models: await deps.readCsv('car_models'),
      car_colors: await deps.readCsv('car_colors'),
      cars: await deps.readCsv('cars'),
    };
    return publishDimensions(csv, deps.store, deps.now());
  };
}
