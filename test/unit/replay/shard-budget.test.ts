import { createShardBudget } from '#src/replay/shard-budget.js';

describe('Function: createShardBudget()', () => {
  it('lets a second of records through at once, then paces to 1,000 records per shard per second', async () => {
    // Prepare: a fake clock that sleeping advances
    let now = 0;
    const slept: number[] = [];
    const budget = createShardBudget({
      shards: 2,
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });

    // Act: 10 calls of 500 records (5,000 records) on 2 shards
    for (let i = 0; i < 10; i++) await budget.take(500, 500 * 200);

    // Assess: the first 2,000 records pass at once, the other 3,000 take 1.5 seconds at 2,000/s
    expect(now).toBeGreaterThanOrEqual(1500);
    expect(now).toBeLessThanOrEqual(1510);
    expect(slept.every((ms) => ms > 0)).toBe(true);
  });

  it('paces by bytes when the records are large: 1 MiB per shard per second', async () => {
    // Prepare
    let now = 0;
    const budget = createShardBudget({
      shards: 1,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });

    // Act: 4 MiB in calls of 10 records of 100 KiB
    for (let i = 0; i < 4; i++) await budget.take(10, 1024 * 1024);

    // Assess
    expect(now).toBeGreaterThanOrEqual(3000);
    expect(now).toBeLessThanOrEqual(3010);
  });
});
