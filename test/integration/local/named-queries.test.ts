import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { listNamedQueries, runNamedQuery, runQuery } from '#local/query.js';
import { loadCars, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { simulateCity } from '#src/simulate/city.js';
import { simulateFleet } from '#src/simulate/fleet.js';

type Row = Record<string, unknown>;
const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);

/**
 * Trajectories whose first and last fixes are a fraction of a second apart from a second boundary:
 * [first, last] per trajectory. Whole seconds elapsed (Athena's date_diff) and second boundaries
 * crossed (DuckDB's) differ on every one but the last.
 */
const SUB_SECOND_TRIPS: Record<string, [string, string]> = {
  'crosses-two-boundaries-in-1.2-s': ['2026-11-24T09:00:00.900Z', '2026-11-24T09:00:02.100Z'],
  'crosses-a-minute-in-2-ms': ['2026-11-24T09:00:59.999Z', '2026-11-24T09:01:00.001Z'],
  'just-under-a-second': ['2026-11-24T09:00:00.000Z', '2026-11-24T09:00:00.999Z'],
  'exactly-three-seconds': ['2026-11-24T09:00:01.250Z', '2026-11-24T09:00:04.250Z'],
};

/** The sub-second trajectories as Kinesis records of trajectory points. */
function* subSecondPoints(): Generator<SourceItem> {
  for (const [trajectory, fixes] of Object.entries(SUB_SECOND_TRIPS))
    for (const [i, ts] of fixes.entries()) {
      const point = {
        type: 'trajectory_point',
        event_id: `subsecond-${trajectory}-${i}`,
        ts,
        user_id: 'subsecond',
        trajectory_id: trajectory,
        location: { lat: 39.9 + i / 1000, lon: 116.3 },
        altitude_ft: 100 + i,
      };
      yield { kind: 'record', record: { partitionKey: 'subsecond', data: JSON.stringify(point) } };
    }
}

/** A fixture lake with every table filled: fleet, city trip, Geolife and sub-second points in one run. */
async function* everything(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(repoRoot), seed: 9, startMs: START, events: 30_000 }))
    yield { kind: 'record', record };
  for (const record of simulateCity({ seed: 9, startMs: START, maxEvents: 1500 })) yield { kind: 'record', record };
  yield* readGeolifeFolder(join('test', 'fixtures', 'geolife'));
  yield* subSecondPoints();
}

/** Epoch milliseconds of a timestamp as DuckDB prints it (`2026-11-24 09:00:00.9`, UTC). */
function epochMs(printed: string): number {
  const [, date, time, fraction] = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?$/.exec(printed)!;
  return Date.parse(`${date}T${time}Z`) + Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
}

/**
 * `date_diff('second', a, b)` as Athena's engine (Trino) computes it: the whole seconds elapsed from a
 * to b, truncated, not the second boundaries crossed (Trino's docs, functions/datetime.md in
 * trinodb/trino: `date_diff('second', '2020-06-01 12:30:45.000', '2020-06-02 12:30:45.123…')` is 86400).
 */
const trinoDateDiffSeconds = (fromMs: number, toMs: number) => Math.trunc((toMs - fromMs) / 1000);

/** Rows of a table as plain objects (JSON-typed: timestamps as strings, bigints as strings). */
async function tableRows(outDir: string, table: string): Promise<Row[]> {
  const result = await runQuery(outDir, `SELECT * FROM ${table}`);
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return groups;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const hourOf = (ts: string) => `${ts.slice(0, 13)}:00:00`;

/** The direct computation each named query must agree with, from the raw rows. */
const EXPECTED: Record<string, (outDir: string) => Promise<unknown[][]>> = {
  alerts_per_rule_per_car_hour: async (outDir) => {
    const alerts = readFileSync(join(outDir, 'alerts.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const groups = groupBy(
      alerts,
      (a) => `${hourOf(new Date(a.ts).toISOString().replace('T', ' '))}|${a.rule}|${a.subject_id}`,
    );
    return [...groups]
      .map(([key, rows]) => [...key.split('|'), String(rows.length)])
      .sort((a, b) => a.join().localeCompare(b.join()));
  },
  ...Object.fromEntries(
    (['color', 'model'] as const).map((dimension) => [
      `window_aggregates_by_${dimension}`,
      async (outDir: string) => {
        const rows = (await tableRows(outDir, 'window_aggregates')).filter((r) => r.dimension === dimension);
        const groups = groupBy(rows, (r) => `${r.window_start}|${r.dimension_value}`);
        return [...groups]
          .map(([key, g]) => {
            const count = g.reduce((s, r) => s + Number(r.count), 0);
            const sum = g.reduce((s, r) => s + Number(r.sum_speed), 0);
            return [
              ...key.split('|'),
              String(count),
              round3(sum / count),
              Math.max(...g.map((r) => Number(r.max_speed))),
              Math.max(...g.map((r) => Number(r.max_rpm))),
              ...(['speeding_alerts', 'high_rpm_alerts', 'wrong_gear_alerts'] as const).map((c) =>
                String(g.reduce((s, r) => s + Number(r[c]), 0)),
              ),
            ];
          })
          .sort((a, b) => `${a[0]}|${a[1]}`.localeCompare(`${b[0]}|${b[1]}`));
      },
    ]),
  ),
  top_speeders: async (outDir) => {
    const rows = (await tableRows(outDir, 'car_sensor')).filter((r) => Number(r.speed) > 120);
    const groups = groupBy(rows, (r) => String(r.car_id));
    return [...groups]
      .map(([, g]) => [
        g[0]!.car_id,
        g[0]!.driver_id,
        g[0]!.model,
        g[0]!.color,
        String(g.length),
        Math.max(...g.map((r) => Number(r.speed))),
      ])
      .sort(
        (a, b) =>
          Number(b[4]) - Number(a[4]) || Number(b[5]) - Number(a[5]) || String(a[0]).localeCompare(String(b[0])),
      )
      .slice(0, 10);
  },
  trip_summary: async (outDir) => {
    const rows = await tableRows(outDir, 'trajectory_point');
    const groups = groupBy(rows, (r) => `${r.user_id}|${r.trajectory_id}`);
    return [...groups]
      .map(([key, g]) => {
        const times = g.map((r) => String(r.ts)).sort();
        const altitudes = g
          .map((r) => r.altitude_ft)
          .filter((a) => a !== null)
          .map(Number);
        return [
          ...key.split('|'),
          String(g.length),
          times[0],
          times[times.length - 1],
          String(trinoDateDiffSeconds(epochMs(times[0]!), epochMs(times[times.length - 1]!))),
          altitudes.length ? Math.min(...altitudes) : null,
          altitudes.length ? Math.max(...altitudes) : null,
        ];
      })
      .sort((a, b) => `${a[0]}|${a[1]}`.localeCompare(`${b[0]}|${b[1]}`));
  },
  city_weather_emergencies: async (outDir) => {
    const weather = (await tableRows(outDir, 'weather')).map((r) => [
      r.ts,
      r.vehicle_id,
      'weather',
      r.weather_condition,
      r.air_quality_index,
    ]);
    const emergency = (await tableRows(outDir, 'emergency')).map((r) => [
      r.ts,
      r.vehicle_id,
      'emergency',
      `${r.incident_type} (${r.status})`,
      null,
    ]);
    return [...weather, ...emergency].sort((a, b) => `${a[0]}|${a[2]}`.localeCompare(`${b[0]}|${b[2]}`));
  },
};

describe('Named queries (queries/*.sql) over a fixture lake', () => {
  const outDir = join(mkdtempSync(join(tmpdir(), 'fleetstream-queries-')), 'out');

  beforeAll(async () => {
    await runPipeline({ source: everything(), scenario: 'fixture', outDir, repoRoot, shards: 2, seed: 9 });
  });

  it('has a direct computation for every named query', () => {
    expect(
      listNamedQueries(repoRoot)
        .map((q) => q.name)
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  it('binds by default the lake’s own dt range, which here spans years (Geolife 2008, the fleet 2026)', async () => {
    // Act
    const result = await runNamedQuery(repoRoot, outDir, 'trip_summary');

    // Assess: the comparisons below are then against every row of the lake
    expect(result.window).not.toBeNull();
    expect(result.window!.from.slice(0, 4) < result.window!.to.slice(0, 4)).toBe(true);
    expect(result.window!.to).toBe('2026-11-24');
  });

  it('counts trip durations as Athena does, in whole seconds elapsed, for fixes a fraction of a second off', async () => {
    // Act
    const result = await runNamedQuery(repoRoot, outDir, 'trip_summary');
    const durations = Object.fromEntries(
      result.rows
        .filter((row) => row[0] === 'subsecond')
        .map((row) => [row[1], Number(row[result.columns.indexOf('duration_seconds')])]),
    );

    // Assess: 1.2 s is 1 elapsed second (2 boundaries), 2 ms is 0 (1 boundary), 0.999 s is 0, 3 s is 3
    expect(durations).toEqual({
      'crosses-two-boundaries-in-1.2-s': 1,
      'crosses-a-minute-in-2-ms': 0,
      'just-under-a-second': 0,
      'exactly-three-seconds': 3,
    });
  });

  it.each(Object.keys(EXPECTED))('%s returns what the direct computation gives', async (name) => {
    // Act
    const result = await runNamedQuery(repoRoot, outDir, name);
    const expected = await EXPECTED[name]!(outDir);

    // Assess
    expect(result.rows.length).toBeGreaterThan(0);
    const projected = name === 'city_weather_emergencies' ? result.rows.map((r) => r.slice(0, 5)) : result.rows;
    expect(projected).toEqual(expected);
  });
});
