/** How well a price is sourced: on an AWS page, on a third-party page, or not found in the stored sources. */
export type PriceQuality = 'official' | 'third-party' | 'not-found';

/** One list price as `data/aws-prices.json` records it: figure, unit, region, date and page. */
export interface Price {
  usd: number;
  unit: string;
  region: string;
  lookedUp: string;
  source: string;
  quality: PriceQuality;
  note?: string;
}

/** Every price the cost model multiplies, by key (`kinesis.shardHour`, `lambda.armGbSecond`, …). */
export interface PriceBook {
  region: string;
  currency: string;
  lookedUp: string;
  prices: Record<string, Price>;
}

/** The USD figure of a price; throws naming the key when the book has none, so no price defaults to 0. */
export function priceOf(book: PriceBook, key: string): number {
  const price = book.prices[key];
  if (!price) throw new Error(`no price "${key}" in the price book (data/aws-prices.json)`);
  return price.usd;
}
