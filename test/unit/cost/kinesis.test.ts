import { kinesisCost, sizeStream } from '#src/cost/kinesis.js';
import { flatBook, lineUsd, testAssumptions, testStage, testWorkload } from './helpers.js';

// A month is 730 h = 2,628,000 s; every price is $1, so dollars = quantities.
describe('Function: sizeStream() and kinesisCost()', () => {
  it('provisioned, 1,000 events/s of 250 B on 1 shard: 730 shard-hours and 2,628 million PUT units', () => {
    // Prepare
    const stage = testStage();
    const workload = testWorkload();

    // Act
    const sizing = sizeStream(stage, workload, testAssumptions());
    const cost = kinesisCost(sizing, stage, flatBook());

    // Assess
    // writes 250,000 B/s < 1 MiB and 1,000 records/s ≤ 1,000; two polling readers 500,000 B/s < 2 MiB: 1 shard.
    expect(sizing.shardsNeeded).toBe(1);
    expect(sizing.warnings).toEqual([]);
    expect(lineUsd(cost, 'shard-hours')).toBe(730);
    // 1,000 records/s × 2,628,000 s × ceil(250 / 25,600) = 1 unit each = 2.628e9 units = 2,628 million.
    expect(lineUsd(cost, 'PUT payload units')).toBeCloseTo(2628, 6);
  });

  it('provisioned, 10,000 events/s on 1 configured shard: needs 10 (1,000 records/s each), warns, costs 10', () => {
    // Prepare
    const stage = testStage({ shardCount: 1 });

    // Act
    const sizing = sizeStream(stage, testWorkload({ eventsPerSecond: 10_000 }), testAssumptions());
    const cost = kinesisCost(sizing, stage, flatBook());

    // Assess
    expect(sizing.shards).toBe(10);
    expect(sizing.warnings).toHaveLength(1);
    expect(sizing.warnings[0]).toContain('needs 10');
    expect(lineUsd(cost, 'shard-hours')).toBe(7300); // 10 × 730
  });

  it('a 30 KB record is 2 PUT payload units of 25 KB', () => {
    // Prepare
    const stage = testStage();
    const workload = testWorkload({ eventsPerSecond: 10, eventBytes: 30 * 1024 });

    // Act
    const cost = kinesisCost(sizeStream(stage, workload, testAssumptions()), stage, flatBook());

    // Assess
    // 10 records/s × 2,628,000 s × 2 units = 52.56 million units.
    expect(lineUsd(cost, 'PUT payload units')).toBeCloseTo(52.56, 9);
  });

  it('on-demand with enhanced fan-out: stream-hours, GB in rounded to 1 KB per record, out for aggregate, fan-out for ingest', () => {
    // Prepare
    const stage = testStage({ streamMode: 'ON_DEMAND', enhancedFanOut: true });
    const workload = testWorkload();

    // Act
    const sizing = sizeStream(stage, workload, testAssumptions());
    const cost = kinesisCost(sizing, stage, flatBook());

    // Assess
    // 2.628e9 records × 1,024 B / 2^30 = 2,506.256... GB billed in; one polling consumer (aggregate) out.
    const billedGb = (2.628e9 * 1024) / 1024 ** 3;
    expect(lineUsd(cost, 'stream-hours')).toBe(730);
    expect(lineUsd(cost, 'data in')).toBeCloseTo(billedGb, 6);
    expect(lineUsd(cost, 'data out, 1 polling')).toBeCloseTo(billedGb, 6);
    // On-demand shards: max(4, 2 × 1 needed) = 4 → 4 × 730 consumer-shard-hours; 2.628e9 × 250 B / 2^30 GB pushed.
    expect(sizing.shards).toBe(4);
    expect(lineUsd(cost, 'enhanced fan-out consumer-shard-hours')).toBe(2920);
    expect(lineUsd(cost, 'enhanced fan-out data')).toBeCloseTo((2.628e9 * 250) / 1024 ** 3, 6);
  });
});
