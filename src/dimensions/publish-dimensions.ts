import { createHash } from 'node:crypto';
import { type DimensionCsvs, DimensionError, type DimensionRowError, parseDimensions } from '../enrich/dimensions.js';

/** Where the dimension store lives: an S3 prefix on AWS, a folder locally. */
export interface DimensionStore {
  /** The version enrichment reads now, if any. */
  currentVersion(): Promise<string | undefined>;
  /** Writes a version's document, then makes it the current one. */
  publish(version: string, document: DimensionDocument): Promise<void>;
}

/** One version of the dimension store: what enrichment loads. */
export interface DimensionDocument {
  version: string;
  published_at: string;
  csv: DimensionCsvs;
}

/** What a load did: a version published or already current, or every bad row. */
export type LoadReport =
  | { ok: true; version: string; changed: boolean; rows: Record<keyof DimensionCsvs, number> }
  | { ok: false; bad_rows: DimensionRowError[] };

/**
 * Validates the dimension CSVs and publishes them as a new version of the store when their
 * content changed. Idempotent: the version is the SHA-256 of the CSVs, so loading the same files
 * again changes nothing. A bad row publishes nothing; the report lists every bad row with its reason.
 *
 * @example const report = await publishDimensions(csvs, store, Date.now());
 */
export async function publishDimensions(csv: DimensionCsvs, store: DimensionStore, nowMs: number): Promise<LoadReport> {
  let counts: Record<keyof DimensionCsvs, number>;
  try {
    const dims = parseDimensions(csv);
    counts = { cars: dims.cars.length, car_models: dims.models.length, car_colors: dims.colors.length };
  } catch (error) {
    if (error instanceof DimensionError) return { ok: false, bad_rows: [...error.rows] };
    throw error;
  }
  const hash = createHash('sha256');
  for (const table of ['car_models', 'car_colors', 'cars'] as const) hash.update(`${table}\n${csv[table]}\n`);
  const version = hash.digest('hex').slice(0, 16);
  if ((await store.currentVersion()) === version) return { ok: true, version, changed: false, rows: counts };
  await store.publish(version, { version, published_at: new Date(nowMs).toISOString(), csv });
  return { ok: true, version, changed: true, rows: counts };
}
