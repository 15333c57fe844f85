import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dimensions, parseDimensions } from '#src/enrich/dimensions.js';

/** Reads `cars.csv`, `car_models.csv` and `car_colors.csv` from a folder (default: the repo's `data/`). */
export function loadDimensionsFromDir(dir: string): Dimensions {
  const read = (table: string) => readFileSync(join(dir, `${table}.csv`), 'utf8');
  return parseDimensions({ cars: read('cars'), car_models: read('car_models'), car_colors: read('car_colors') });
}
