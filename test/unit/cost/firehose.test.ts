import { billedBytesPerWrite, deliverFlow, firehoseCost } from '#src/cost/firehose.js';
import { flatBook, lineUsd, testStage } from './helpers.js';

describe('Function: billedBytesPerWrite()', () => {
  it.each([
    // rows, bytes, billed: each row plus its newline; records of ≤ 500 rows and ≤ 1,000 KiB, each rounded up to 5,120 B
    [500, 250, 128_000], // one record of 500 × 251 = 125,500 B → 25 × 5,120
    [10, 300, 5_120], // 10 × 301 = 3,010 B → one 5 KB unit: a lone small record is billed as 5 KB
    [1200, 250, 307_200], // 2 full records of 128,000 + 200 × 251 = 50,200 → 10 × 5,120 = 51,200
    [204, 4999, 1_024_000], // 5,000-byte lines: floor(1,024,000 / 5,000) = 204 per record = 1,020,000 → 200 × 5,120
  ])('%d rows of %d bytes bill %d bytes', (rows, bytes, billed) => {
    // Act
    const result = billedBytesPerWrite(rows, bytes);

    // Assess
    expect(result).toBe(billed);
  });
});

describe('Function: deliverFlow() and firehoseCost()', () => {
  it('a steady flow flushes every 60 s plus once per hour boundary; its bytes bill as packed records', () => {
    // Prepare
    const flow = { table: 'car_sensor', rowsPerSecond: 1000, rowBytes: 250, writesPerSecond: 2 };

    // Act
    const delivery = deliverFlow(flow, testStage({ lakeBufferIntervalSeconds: 60, lakeBufferSizeMb: 64 }));
    const cost = firehoseCost([delivery], flatBook());

    // Assess
    // by time 2,628,000 / 60 = 43,800 flushes; by size 1,000 × 251 × 2,628,000 B / 64 MiB = 9,829: time wins; + 730 hours.
    expect(delivery.objects).toBe(44_530);
    // real: 659,628,000,000 B; billed: 5,256,000 writes × 128,000 B (500 rows each) = 672,768,000,000 B.
    expect(delivery.realGb).toBeCloseTo(659_628_000_000 / 1024 ** 3, 9);
    expect(delivery.billedGb).toBeCloseTo(672_768_000_000 / 1024 ** 3, 9);
    expect(lineUsd(cost, 'ingestion')).toBeCloseTo(delivery.billedGb, 9);
    expect(lineUsd(cost, 'format conversion')).toBeCloseTo(delivery.billedGb, 9);
    expect(lineUsd(cost, 'dynamic partitioning objects')).toBeCloseTo(44.53, 9);
  });

  it('a sparse flow (one write per 900 s, buffer 60 s) delivers one object per write', () => {
    // Prepare
    const flow = { table: 'window_aggregates', rowsPerSecond: 14 / 900, rowBytes: 250, writesPerSecond: 1 / 900 };

    // Act
    const delivery = deliverFlow(flow, testStage());

    // Assess
    // 2,628,000 / 900 = 2,920 writes, each 14 × 251 = 3,514 B billed as 5,120 B.
    expect(delivery.objects).toBeCloseTo(2920, 9);
    expect(delivery.billedGb).toBeCloseTo((2920 * 5120) / 1024 ** 3, 12);
  });
});
