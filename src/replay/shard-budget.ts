/** Kinesis write limits per shard (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html). */
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;

/** Options of createShardBudget. */
export interface ShardBudgetOptions {
  /** The producer's share of the stream, in shards (fractional when several producers share it). */
  shards: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * A token bucket for a producer writing to `shards` shards: at most 1,000 records and 1 MiB per
 * shard per second overall (spread evenly by the partition keys), so a replay never makes the
 * stream throttle its live producers. `take` waits until the call fits.
 *
 * @example const budget = createShardBudget({ shards: 2, now: Date.now, sleep }); await budget.take(500, 120_000);
 */
export function createShardBudget(options: ShardBudgetOptions) {
  const recordRate = SHARD_RECORDS_PER_SECOND * options.shards;
  const byteRate = SHARD_BYTES_PER_SECOND * options.shards;
  let records = recordRate;
  let bytes = byteRate;
  let last = options.now();
  const refill = () => {
    const now = options.now();
    const seconds = (now - last) / 1000;
    last = now;
    records = Math.min(recordRate, records + seconds * recordRate);
    bytes = Math.min(byteRate, bytes + seconds * byteRate);
  };
  return {
    /**
     * Waits until `count` records of `size` bytes fit in the budget, then spends it. A call larger
     * than one second's budget waits for a full bucket and leaves it in debt, which later calls repay.
     */
    async take(count: number, size: number): Promise<void> {
      const needRecords = Math.min(count, recordRate);
      const needBytes = Math.min(size, byteRate);
      refill();
      while (records < needRecords || bytes < needBytes) {
        const waitMs = Math.max(((needRecords - records) / recordRate) * 1000, ((needBytes - bytes) / byteRate) * 1000);
        await options.sleep(Math.ceil(waitMs));
        refill();
      }
      records -= count;
      bytes -= size;
    },
  };
}
