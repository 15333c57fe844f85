import { type DimensionIndex, indexDimensions, parseDimensions } from '../enrich/dimensions.js';
import type { DimensionDocument } from './publish-dimensions.js';

/** Options of createDimensionRefresher. */
export interface DimensionRefresherOptions {
  /** Reads the store's current document (undefined when nothing was published yet). */
  load: () => Promise<DimensionDocument | undefined>;
  /** How often to look for a new version. */
  intervalMs: number;
  now: () => number;
  /** A failed look keeps the current dimensions; this hears why. */
  onError: (error: unknown) => void;
}

/**
 * Picks up a newly published dimension store version without a redeploy: at most once per
 * `intervalMs` it reads the store's current document and, when its version changed, returns the
 * new index to enrich with; otherwise undefined. A store that cannot be read keeps the dimensions
 * in use (enrichment degrades to stale, never to none).
 *
 * @example const refresh = createDimensionRefresher({ load, intervalMs: 60_000, now: Date.now, onError });
 *          const fresh = await refresh(); if (fresh) context.dimensions = fresh;
 */
export function createDimensionRefresher(
  options: DimensionRefresherOptions,
): () => Promise<DimensionIndex | undefined> {
  let version: string | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return async () => {
    const now = options.now();
    if (now - checkedAt < options.intervalMs) return undefined;
    checkedAt = now;
    try {
      const document = await options.load();
      if (!document || document.version === version) return undefined;
      const index = indexDimensions(parseDimensions(document.csv));
      version = document.version;
      return index;
    } catch (error) {
      options.onError(error);
      return undefined;
    }
  };
}
