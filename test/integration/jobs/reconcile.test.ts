import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { simulateFleet } from '#src/simulate/fleet.js';

const START = Date.UTC(2026, 10, 24, 8);
const COLUMNS = [
  'count',
  'sum_speed',
  'max_speed',
  'max_rpm',
  'speeding_alerts',
  'high_rpm_alerts',
  'wrong_gear_alerts',
];

async function* fleetAndTrajectories(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(process.cwd()), seed: 8, startMs: START, events: 30_000 }))
    yield { kind: 'record', record };
  yield* readGeolifeFolder(join('test', 'fixtures', 'geolife'));
}

/** Rows keyed by window, dimension and value, from a DuckDB query over Parquet. */
async function keyedRows(outDir: string, sql: string): Promise<Map<string, number[]>> {
  const { rows } = await runQuery(outDir, sql);
  return new Map(rows.map((row) => [row.slice(0, 3).join('|'), row.slice(3).map(Number)]));
}

describe('Batch job: jobs/batch_analytics.py on real pyspark', () => {
  let outDir: string;
  let jobOut: string;
  let report: RunReport;
  let printed: string;

  beforeAll(async () => {
    outDir = join(mkdtempSync(join(tmpdir(), 'fleetstream-reconcile-')), 'out');
    jobOut = join(outDir, 'batch');
    report = await runPipeline({
      source: fleetAndTrajectories(),
      scenario: 'fleet',
      outDir,
      repoRoot: process.cwd(),
      shards: 2,
      seed: 8,
    });
    const args = ['jobs/batch_analytics.py', '--lake', join(outDir, 'lake'), '--out', jobOut];
    const { stdout } = await promisify(execFile)('python3', [...args, '--from', '2008-01-01', '--to', '2026-12-31'], {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    printed = stdout;
  }, 900_000);

  it('recomputes the window aggregates exactly as the aggregate Lambda produced them for the same input', async () => {
    // Prepare: the streaming rows, parts merged as the named queries merge them
    const merge = COLUMNS.map((c) =>
      c.startsWith('max') ? `MAX(${c})` : c === 'sum_speed' ? `ROUND(SUM(${c}), 3)` : `SUM(${c})`,
    );
    const streaming = await keyedRows(
      outDir,
      `SELECT epoch_ms(window_start), dimension, dimension_value, ${merge.join(', ')}
       FROM window_aggregates GROUP BY ALL`,
    );

    // Act
    const batch = await keyedRows(
      outDir,
      `SELECT window_start, dimension, dimension_value, ${COLUMNS.join(', ')}
       FROM read_parquet('${join(jobOut, 'window_aggregates_batch', '**', '*.parquet')}')`,
    );

    // Assess: in-order input, so no late records: every reading is in both
    expect(report.late_records).toBe(0);
    expect(streaming.size).toBeGreaterThan(10);
    expect([...batch.keys()].sort()).toEqual([...streaming.keys()].sort());
    for (const [key, values] of streaming) {
      const recomputed = batch.get(key)!;
      for (const [i, value] of values.entries()) expect(recomputed[i]).toBeCloseTo(value, 3);
    }
  });

  it('writes trips, stay points and compacted tables, and says how many rows each has', async () => {
    // Act
    const { rows } = await runQuery(
      outDir,
      `SELECT COUNT(*), COUNT(DISTINCT event_id) FROM read_parquet('${join(jobOut, 'compacted', 'car_sensor', '**', '*.parquet')}')`,
    );

    // Assess
    expect(rows).toEqual([['30000', '30000']]);
    expect(printed).toMatch(/^trips: [1-9]\d* rows$/m);
    expect(printed).toMatch(/^stay_points: \d+ rows$/m);
    expect(printed).toMatch(/^compacted\/trajectory_point: [1-9]\d* rows$/m);
  });
});
