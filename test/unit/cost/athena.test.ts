import { athenaCost, columnShare, columnsRead, type LakeTable, scanQuery, tablesRead } from '#src/cost/athena.js';
import { storageMonths } from '#src/cost/lake-storage.js';
import { flatBook, testAssumptions, testStage, testWorkload } from './helpers.js';

const GIB = 1024 ** 3;
const cars: LakeTable = {
  name: 'car_sensor',
  idColumn: 'event_id',
  columns: [
    { name: 'event_id', type: 'string' },
    { name: 'car_id', type: 'bigint' },
    { name: 'speed', type: 'double' },
    { name: 'color', type: 'string' },
    { name: 'rpm', type: 'bigint' },
  ],
};
const sql = 'SELECT car_id, MAX(speed) AS top FROM car_sensor WHERE speed > 120 GROUP BY car_id';
const assumptions = testAssumptions(); // widths: id 36, string 16, bigint 8, double 8

describe('Athena: what a named query reads', () => {
  it('reads the tables after FROM and the columns it names, plus the dedupe id', () => {
    // Act
    const tables = tablesRead(sql, [cars, { ...cars, name: 'alerts' }]);
    const columns = columnsRead(sql, cars);

    // Assess
    expect(tables.map((t) => t.name)).toEqual(['car_sensor']);
    expect(columns).toEqual(['event_id', 'car_id', 'speed']);
    // (36 + 8 + 8) / (36 + 8 + 8 + 16 + 8) = 52 / 76
    expect(columnShare(cars, columns, assumptions)).toBeCloseTo(52 / 76, 12);
  });

  it('bills the read columns of one window of the table, capped by the workgroup cutoff, at least 10 MB', () => {
    // Prepare: 76 GiB and 1,000 objects a day, a lake of 12 months whose projection spans 36,526 days
    const volumes = (bytesPerDay: number) => [
      { table: 'car_sensor', parquetBytesPerDay: bytesPerDay, objectsPerDay: 1000 },
    ];
    const workload = testWorkload({ projectedHourPartitions: 36_526 * 24, lakeAgeMonths: 12 });
    const query = { name: 'top', sql };
    const scan = (bytesPerDay: number, cutoffGib: number, queryWindowDays = 1) =>
      scanQuery(
        query,
        [cars],
        volumes(bytesPerDay),
        workload,
        testStage({ athenaBytesScannedCutoff: cutoffGib * GIB }),
        testAssumptions({ queryWindowDays }),
      );

    // Act
    const day = scan(76 * GIB, 100);
    const week = scan(76 * GIB, 1000, 7);
    const over = scan(76 * GIB, 10);
    const tiny = scan(76 * 1024, 10);

    // Assess
    // One day: 76 GiB × 52/76 = 52 GiB read; under a 100 GiB cutoff it is billed whole.
    expect(day.bytesPerRun).toBeCloseTo(52 * GIB, 0);
    expect(day.billedBytesPerRun).toBe(52 * GIB);
    expect(day.exceedsCutoff).toBe(false);
    // 1,000 objects × 2 GETs; 1 table × 24 hour partitions of the day listed, not the 876,624 projected.
    expect(day.s3GetsPerRun).toBe(2000);
    expect(day.s3ListsPerRun).toBe(24);
    // Seven days: 7 × 52 GiB, 7,000 objects × 2 GETs, 7 × 24 partitions.
    expect(week.bytesPerRun).toBeCloseTo(7 * 52 * GIB, 0);
    expect(week.s3GetsPerRun).toBe(14_000);
    expect(week.s3ListsPerRun).toBe(168);
    // Past a 10 GiB cutoff the run fails, billed 10 GiB, having read 10/52 of the objects.
    expect(over.exceedsCutoff).toBe(true);
    expect(over.billedBytesPerRun).toBe(10 * GIB);
    expect(over.s3GetsPerRun).toBeCloseTo(2000 * (10 / 52), 9);
    // 52 KiB read is billed as the 10 MB minimum.
    expect(tiny.billedBytesPerRun).toBe(10 * 1024 * 1024);
  });

  it('reads no more days than the lake holds, and lists no more partitions than projection has', () => {
    // Prepare: a lake in its first month holds half a month (15.2 days); projection has 2 days so far
    const volumes = [{ table: 'car_sensor', parquetBytesPerDay: 76 * GIB, objectsPerDay: 1000 }];
    const workload = testWorkload({ projectedHourPartitions: 48, lakeAgeMonths: 1 });

    // Act
    const month = scanQuery(
      { name: 'top', sql },
      [cars],
      volumes,
      workload,
      testStage({ athenaBytesScannedCutoff: 10_000 * GIB }),
      testAssumptions({ queryWindowDays: 30 }),
    );

    // Assess: 0.5 × 30.4167 days of 52 GiB read; 48 partitions listed, not 720
    expect(month.bytesPerRun).toBeCloseTo(0.5 * (730 / 24) * 52 * GIB, 0);
    expect(month.s3ListsPerRun).toBe(48);
  });

  it('a month of runs: 24 a day × 30.4167 days × billed bytes, in TB of 2^40', () => {
    // Prepare
    const scan = {
      name: 'q',
      tables: [],
      bytesPerRun: 0,
      billedBytesPerRun: 1024 ** 4 / 1000,
      exceedsCutoff: false,
      s3GetsPerRun: 0,
      s3ListsPerRun: 0,
    };

    // Act
    const cost = athenaCost([scan], testWorkload({ queryRunsPerDay: 24 }), testAssumptions(), flatBook());

    // Assess
    // 730 runs × 0.001 TB = 0.73 TB at $1.
    expect(cost.usd).toBeCloseTo(0.73, 12);
  });
});

describe('Function: storageMonths()', () => {
  it.each([
    [1, 0.5, 0], // the first month holds half a month on average, all in Standard
    [1.5, 1, 0],
    [12, 1, 10.5], // month 12: 11.5 months held, the last 30 days in Standard, 10.5 in Standard-IA
  ])('month %d holds %d months in Standard and %d in Standard-IA', (age, standard, infrequent) => {
    // Act
    const months = storageMonths(age);

    // Assess
    expect(months).toEqual({ standard, infrequent });
  });
});
