import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLake } from '#local/lake/local-lake.js';
import { lakeDtRange, listNamedQueries, openLake, runNamedQuery, runQuery } from '#local/query.js';
import { countParameters } from '#src/adapters/file/named-queries.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { lakeSinkFor } from '#test/helpers/lake-sink.js';

const repoRoot = process.cwd();
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 24, 8);

/** A car's reading over the speeding threshold at `ts`. */
const speeding = (id: string, carId: number, speed: number, ts: number): TelemetryEvent => ({
  type: 'car_sensor',
  event_id: id,
  ts,
  car_id: carId,
  speed,
  rpm: 3000,
  gear: 5,
});

/** A lake of two days: car 1 speeds three times on 2026-11-24, car 2 twice on 2026-11-25. */
async function twoDayLake(): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'fleetstream-window-'));
  const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
  await lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor').write([
    speeding('a1', 1, 130, T0),
    speeding('a2', 1, 131, T0 + 1000),
    speeding('a3', 1, 132, T0 + 2000),
    speeding('b1', 2, 150, T0 + DAY),
    speeding('b2', 2, 151, T0 + DAY + 1000),
  ]);
  await lake.close();
  return outDir;
}

describe('Named queries over an event-time window (dt BETWEEN ? AND ?)', () => {
  let outDir: string;

  beforeAll(async () => {
    outDir = await twoDayLake();
  });

  it('a one-day window excludes the rows of the other day', async () => {
    // Act
    const first = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-11-24', to: '2026-11-24' });
    const second = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-11-25', to: '2026-11-25' });
    const before = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-11-01', to: '2026-11-23' });

    // Assess: car_id, speeding_readings and top_speed of each row
    const cars = (rows: unknown[][]) => rows.map((row) => [row[0], row[4], row[5]]);
    expect(cars(first.rows)).toEqual([['1', '3', 132]]);
    expect(cars(second.rows)).toEqual([['2', '2', 151]]);
    expect(before.rows).toEqual([]);
  });

  it('by default reads the lake’s own dt range, so it answers as for the whole lake', async () => {
    // Prepare
    const lake = await openLake(outDir);
    const range = await lakeDtRange(lake).finally(() => lake.close());

    // Act
    const result = await runNamedQuery(repoRoot, outDir, 'top_speeders');
    const both = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-11-24', to: '2026-11-25' });

    // Assess
    expect(range).toEqual({ from: '2026-11-24', to: '2026-11-25' });
    expect(result.window).toEqual(range);
    expect(result.rows.map((row) => row[0])).toEqual(['1', '2']);
    expect(result.rows).toEqual(both.rows);
  });

  it('takes a bound not given from the lake’s range, and a bound past the lake answers no rows', async () => {
    // Act
    const fromSecond = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-11-25' });
    const toFirst = await runNamedQuery(repoRoot, outDir, 'top_speeders', { to: '2026-11-24' });
    const after = await runNamedQuery(repoRoot, outDir, 'top_speeders', { from: '2026-12-01' });

    // Assess
    expect(fromSecond.window).toEqual({ from: '2026-11-25', to: '2026-11-25' });
    expect(fromSecond.rows.map((row) => row[0])).toEqual(['2']);
    expect(toFirst.window).toEqual({ from: '2026-11-24', to: '2026-11-24' });
    expect(toFirst.rows.map((row) => row[0])).toEqual(['1']);
    expect(after.window).toEqual({ from: '2026-12-01', to: '2026-12-01' });
    expect(after.rows).toEqual([]);
  });

  it.each(listNamedQueries(repoRoot).map((q) => q.name))(
    '%s answers an empty lake with its columns and no rows',
    async (name) => {
      // Prepare
      const empty = mkdtempSync(join(tmpdir(), 'fleetstream-empty-'));

      // Act
      const result = await runNamedQuery(repoRoot, empty, name);

      // Assess
      expect(result.columns.length).toBeGreaterThan(0);
      expect(result.rows).toEqual([]);
      expect(result.window).toBeNull();
    },
  );

  it('types dt and hour as Glue does (string), not as DuckDB would guess them (dt a DATE)', async () => {
    // Act
    const { rows } = await runQuery(
      outDir,
      "SELECT column_name, column_type FROM (DESCRIBE car_sensor_raw) WHERE column_name IN ('dt', 'hour')",
    );

    // Assess
    expect(rows).toEqual([
      ['dt', 'VARCHAR'],
      ['hour', 'VARCHAR'],
    ]);
  });

  it('binds each query’s placeholders from the window, two per table it reads', async () => {
    // Prepare
    const query = listNamedQueries(repoRoot).find((q) => q.name === 'city_weather_emergencies')!;

    // Act
    const result = await runNamedQuery(repoRoot, outDir, query.name, { from: '2026-11-24', to: '2026-11-25' });

    // Assess: weather and emergency each take a pair
    expect(countParameters(query.sql)).toBe(4);
    expect(result.rows).toEqual([]);
    expect(result.columns).toContain('kind');
  });
});
