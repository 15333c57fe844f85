import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonlRecords } from '#local/inputs/read-jsonl.js';
import { loadCars, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { runStateMachine } from '#local/sfn/run-state-machine.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();

async function* records(source: AsyncIterable<ProducedRecord>): AsyncGenerator<SourceItem> {
  for await (const record of source) yield { kind: 'record', record };
}

describe('Command: fleetstream sfn (the ASL files on aws-local-stepfunctions)', () => {
  it('load-dimensions publishes a version, changes nothing the second time, and fails listing every bad row', async () => {
    // Prepare
    const outDir = tempOut('sfn-dimensions');
    const lines: string[] = [];

    // Act
    const first = await runStateMachine('load-dimensions', {}, { repoRoot, outDir, onEvent: (l) => lines.push(l) });
    const again = await runStateMachine('load-dimensions', {}, { repoRoot, outDir });
    const source = join(outDir, 's3', 'data', 'dimensions', 'source');
    mkdirSync(source, { recursive: true });
    for (const table of ['car_models', 'car_colors'])
      cpSync(join('data', `${table}.csv`), join(source, `${table}.csv`));
    writeFileSync(join(source, 'cars.csv'), `${readFileSync(join('data', 'cars.csv'), 'utf8').trimEnd()}\n42,1,1,1\n`);
    const bad = await runStateMachine('load-dimensions', {}, { repoRoot, outDir });

    // Assess
    expect(first).toMatchObject({ status: 'SUCCEEDED', output: { ok: true, changed: true, rows: { cars: 20 } } });
    expect(first.states).toEqual(['LoadDimensions', 'AllRowsValid', 'Loaded']);
    expect(lines).toEqual(['LoadDimensions', 'AllRowsValid', 'Loaded']);
    expect(again.output).toMatchObject({
      ok: true,
      changed: false,
      version: (first.output as { version: string }).version,
    });
    const store = JSON.parse(readFileSync(join(outDir, 'dimensions', 'current.json'), 'utf8'));
    expect(store.version).toBe((first.output as { version: string }).version);
    expect(bad).toMatchObject({ status: 'FAILED', states: ['LoadDimensions', 'AllRowsValid', 'BadRows'] });
    expect(JSON.parse(readFileSync(join(outDir, 'dimensions', 'current.json'), 'utf8')).version).toBe(store.version);
  });

  it('replay lists the prefix, replays every .plt and .jsonl object, reports bad lines and skips the rest', async () => {
    // Prepare: a Geolife folder and a hostile JSONL file uploaded under incoming/
    const outDir = tempOut('sfn-replay');
    const incoming = join(outDir, 's3', 'raw', 'incoming');
    cpSync(join('test', 'fixtures', 'geolife'), join(incoming, 'geolife'), { recursive: true });
    cpSync(join('test', 'fixtures', 'jsonl', 'hostile.jsonl'), join(incoming, 'hostile.jsonl'));

    // Act
    const execution = await runStateMachine('replay', { bucket: 'raw', prefix: 'incoming/' }, { repoRoot, outDir });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    const objects = (
      execution.output as { objects: { key: string; put: number; rejected: number; skipped?: string }[] }
    ).objects;
    expect(objects.map((o) => o.key)).toEqual([
      'incoming/geolife/Data/000/Trajectory/20081023025304.plt',
      'incoming/geolife/Data/000/Trajectory/20081024020959.plt',
      'incoming/geolife/Data/010/labels.txt',
      'incoming/geolife/Data/010/Trajectory/20090301120000.plt',
      'incoming/hostile.jsonl',
    ]);
    expect(objects.find((o) => o.key.endsWith('labels.txt'))?.skipped).toContain('not a Geolife .plt');
    const replayed = readFileSync(join(outDir, 'replay', 'records.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(replayed).toHaveLength(objects.reduce((sum, o) => sum + o.put, 0));
    // 13 good Geolife points; the hostile file's 11 lines but its empty one, which is a reject
    expect(objects.reduce((sum, o) => sum + o.put, 0)).toBe(13 + 10);
    expect(readJsonl(join(outDir, 'replay', 'rejects.jsonl')).map((r) => r.reason)).toEqual([
      'geolife:not_a_number',
      'geolife:column_count',
      'geolife:timestamp_mismatch',
      'jsonl:empty_line',
    ]);
  });

  it('replay reads only the exact key it is given, and a repeated replay is counted as duplicates by ingest', async () => {
    // Prepare: a.json, and a.jsonl that a plain prefix "a.json" also lists; lines without event_id
    const outDir = tempOut('sfn-replay-exact');
    const incoming = join(outDir, 's3', 'raw', 'incoming');
    mkdirSync(incoming, { recursive: true });
    const line = (i: number) =>
      `{"type":"car_sensor","ts":"2026-11-24T08:00:0${i}Z","car_id":1452650,"speed":50,"rpm":2000,"gear":3}`;
    writeFileSync(join(incoming, 'a.json'), [0, 1, 2].map(line).join('\r\n'));
    writeFileSync(join(incoming, 'a.jsonl'), `${line(9)}\n`);
    const input = { bucket: 'raw', prefix: 'incoming/a.json' };

    // Act: the same execution twice (a user re-running it, or Step Functions retrying the object)
    const first = await runStateMachine('replay', input, { repoRoot, outDir });
    const again = await runStateMachine('replay', input, { repoRoot, outDir });
    const report = await runPipeline({
      source: records(readJsonlRecords(join(outDir, 'replay', 'records.jsonl'), Date.UTC(2026, 10, 24, 8))),
      scenario: 'jsonl',
      outDir: join(outDir, 'run'),
      repoRoot,
      shards: 1,
      seed: 1,
    });

    // Assess
    for (const execution of [first, again]) {
      expect(execution.status).toBe('SUCCEEDED');
      const objects = (execution.output as { objects: { key: string; put: number; skipped?: string }[] }).objects;
      expect(objects.map((o) => [o.key, o.put, o.skipped === undefined])).toEqual([
        ['incoming/a.json', 3, true],
        ['incoming/a.jsonl', 0, false],
      ]);
    }
    expect(report).toMatchObject({ in: 6, accepted: 3, rejected: 0, duplicates: 3 });
  });

  it('batch-analytics runs the PySpark job on the local lake and terminates the cluster on success and on failure', async () => {
    // Prepare
    const outDir = tempOut('sfn-batch');
    function* fleet(): Generator<SourceItem> {
      for (const record of simulateFleet({
        cars: loadCars(repoRoot),
        seed: 4,
        startMs: Date.UTC(2026, 10, 24, 8),
        events: 3000,
      }))
        yield { kind: 'record', record };
    }
    await runPipeline({ source: fleet(), scenario: 'fleet', outDir, repoRoot, shards: 1, seed: 4 });

    // Act
    const ok = await runStateMachine('batch-analytics', { from: '2026-11-24', to: '2026-11-24' }, { repoRoot, outDir });
    const failed = await runStateMachine(
      'batch-analytics',
      { from: 'someday', to: '2026-11-24' },
      { repoRoot, outDir },
    );

    // Assess
    expect(ok.error).toBeUndefined();
    expect(ok.status).toBe('SUCCEEDED');
    expect(ok.states).toEqual([
      'Settings',
      'ChooseEngine',
      'CheckSubnet',
      'CreateCluster',
      'RunJob',
      'TerminateCluster',
      'NotifySuccess',
      'Succeeded',
    ]);
    expect(failed.status).toBe('FAILED');
    expect(failed.states).toEqual(
      expect.arrayContaining(['RunJob', 'TerminateClusterAfterFailure', 'NotifyFailure', 'Failed']),
    );
    // The job's window aggregates were written, in the partition of the day it computed.
    const day = join(outDir, 'batch', 'window_aggregates_batch', 'dt=2026-11-24');
    expect(readdirSync(day).filter((file) => file.endsWith('.parquet')).length).toBeGreaterThan(0);
  });
});
