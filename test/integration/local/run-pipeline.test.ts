import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { readBase64Records } from '#local/inputs/read-base64.js';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { readJsonlRecords } from '#local/inputs/read-jsonl.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { growFleet, simulateFleet } from '#src/simulate/fleet.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { SinkWriteError } from '#src/sinks/sink.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);

function* fleet(seed: number, events: number): Generator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(repoRoot), seed, startMs: START, events }))
    yield { kind: 'record', record };
}

async function* records(source: AsyncIterable<ProducedRecord>): AsyncGenerator<SourceItem> {
  for await (const record of source) yield { kind: 'record', record };
}

/** A report without what varies from run to run (times, memory, where it was written). */
function withoutTimings(report: RunReport) {
  const { wall_seconds, cpu_seconds, peak_rss_mb, events_per_sec, out_dir, search, verification_seconds, ...rest } =
    report;
  return rest;
}

describe('Function: runPipeline()', () => {
  it('given the fleet, accepts every reading, fires every car rule and writes a lake DuckDB reads back', async () => {
    // Prepare
    const outDir = tempOut('fleet');

    // Act
    const report = await runPipeline({
      source: fleet(3, 24_000),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 2,
      seed: 3,
      chunkSize: 5000,
    });

    // Assess
    expect(report).toMatchObject({ in: 24_000, accepted: 24_000, rejected: 0, duplicates: 0, dead_lettered: 0 });
    expect(Object.keys(report.by_rule).sort()).toEqual(['high_rpm', 'speeding', 'wrong_gear']);
    expect(report.windows_closed).toBeGreaterThan(0);
    expect(readdirSync(join(outDir, 'lake', 'car_sensor'))).toEqual(['dt=2026-11-24']);
    const { rows } = await runQuery(
      outDir,
      'SELECT COUNT(*), COUNT(DISTINCT event_id), COUNT(*) FILTER (WHERE enriched) FROM car_sensor',
    );
    expect(rows).toEqual([['24000', '24000', '24000']]);
    const alerts = readJsonl(join(outDir, 'alerts.jsonl'));
    expect(alerts.length).toBe(Object.values(report.by_rule).reduce((a, b) => a + b, 0));
    expect(alerts.every((a) => typeof a.event_id === 'string' && typeof a.rule === 'string')).toBe(true);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'))).toMatchObject({ in: 24_000 });
    const bulk = readFileSync(join(outDir, 'search', 'events.ndjson'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(bulk).toHaveLength(2 * 24_000);
    const [action, document] = [JSON.parse(bulk[0]!), JSON.parse(bulk[1]!)];
    expect(action).toEqual({ index: { _index: 'fleetstream-events-2026-11-24', _id: document.event_id } });
    expect(document).toMatchObject({ type: 'car_sensor', enriched: true });
    const alertDocuments = readFileSync(join(outDir, 'search', 'alerts.ndjson'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(alertDocuments).toHaveLength(2 * alerts.length);
    expect(JSON.parse(alertDocuments[0]!).index._index).toBe('fleetstream-alerts-2026-11-24');
    const { stdout } = await promisify(execFile)('python3', [join('scripts', 'check-lake-pyarrow.py'), outDir]);
    const arrow = JSON.parse(stdout);
    expect(arrow.car_sensor).toMatchObject({
      rows: 24_000,
      columns: expect.objectContaining({
        ts: 'timestamp[us]',
        car_id: 'int64',
        speed: 'double',
        color: 'string',
        hour: expect.any(String),
      }),
    });
    expect(arrow.alerts.rows).toBe(alerts.length);
  });

  it('is deterministic for a seed', async () => {
    // Act
    const outputs = [];
    for (const name of ['a', 'b']) {
      const outDir = tempOut(`seed-${name}`);
      await runPipeline({ source: fleet(11, 4000), scenario: 'fleet', outDir, repoRoot, shards: 3, seed: 11 });
      const { rows } = await runQuery(outDir, 'SELECT event_id, speed, rpm, gear FROM car_sensor ORDER BY event_id');
      outputs.push({ alerts: readFileSync(join(outDir, 'alerts.jsonl'), 'utf8'), rows });
    }

    // Assess
    expect(outputs[0]!.alerts.length).toBeGreaterThan(0);
    expect(outputs[1]).toEqual(outputs[0]);
  });

  it('given hostile JSONL, conserves the counts and names each reject’s rule and position', async () => {
    // Prepare
    const outDir = tempOut('hostile');
    const input = join('test', 'fixtures', 'jsonl', 'hostile.jsonl');

    // Act
    const report = await runPipeline({
      source: records(readJsonlRecords(input, START)),
      scenario: 'jsonl',
      outDir,
      repoRoot,
      shards: 2,
      seed: 1,
    });

    // Assess
    expect(report).toMatchObject({ in: 11, accepted: 3, rejected: 7, duplicates: 1 });
    const rejects = readJsonl(join(outDir, 'rejects.jsonl.gz'));
    expect(rejects.map((r) => r.reason).sort()).toEqual(
      [
        'json:parse',
        'json:parse',
        'schema:/:type',
        'schema:/location/lat:maximum',
        'schema:/speed:minimum',
        'schema:/ts:format',
        'type:unknown',
      ].sort(),
    );
    for (const reject of rejects) expect(reject.source.sequence_number).toMatch(/^\d{56}$/);
  });

  it('given 50,000 invalid 2-byte lines, keeps every payload whole in a reject store under 10 times the input', async () => {
    // Prepare: the shape that made rejects.jsonl 229 times its input when each line carried a preview.
    const outDir = tempOut('tiny-rejects');
    const lines = 50_000;
    async function* tiny(): AsyncGenerator<SourceItem> {
      for (let line = 1; line <= lines; line++)
        yield { kind: 'record', record: { partitionKey: `line-${line}`, data: 'x', arrivalMs: START + line } };
    }

    // Act
    const report = await runPipeline({ source: tiny(), scenario: 'jsonl', outDir, repoRoot, shards: 2, seed: 1 });

    // Assess
    expect(report).toMatchObject({ in: lines, rejected: lines });
    const rejects = readJsonl(join(outDir, 'rejects.jsonl.gz'));
    expect(rejects).toHaveLength(lines);
    expect(rejects.every((r) => r.payload === 'x' && r.reason === 'json:parse')).toBe(true);
    const inputBytes = lines * 2;
    expect(statSync(join(outDir, 'rejects.jsonl.gz')).size).toBeLessThan(10 * inputBytes);
  });

  it('given a Geolife folder, replays every point and rejects malformed lines with file and line', async () => {
    // Prepare
    const outDir = tempOut('geolife');

    // Act
    const report = await runPipeline({
      source: readGeolifeFolder(join('test', 'fixtures', 'geolife')),
      scenario: 'geolife',
      outDir,
      repoRoot,
      shards: 1,
      seed: 1,
    });

    // Assess
    expect(report).toMatchObject({ in: 16, accepted: 13, rejected: 3, by_type: { trajectory_point: 13 } });
    expect(readJsonl(join(outDir, 'rejects.jsonl.gz')).map((r) => r.reject_id)).toEqual([
      'Data/000/Trajectory/20081024020959.plt:9',
      'Data/000/Trajectory/20081024020959.plt:11',
      'Data/000/Trajectory/20081024020959.plt:13',
    ]);
  });

  it('given a lake sink that fails transiently, loses nothing and duplicates nothing', async () => {
    // Prepare
    const outDir = tempOut('transient');
    let calls = 0;

    // Act
    const report = await runPipeline({
      source: fleet(5, 6000),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 2,
      seed: 5,
      wrapLakeSink: (sink) => ({
        name: sink.name,
        async write(events) {
          calls++;
          if (calls === 3) {
            await sink.write(events.slice(0, 40));
            throw new SinkWriteError('throttled', 'lake', 40);
          }
          await sink.write(events);
        },
      }),
    });

    // Assess
    expect(report.mappings.ingest?.retries).toBe(1);
    expect(report).toMatchObject({ in: 6000, accepted: 6000, duplicates: 0 });
    const { rows } = await runQuery(outDir, 'SELECT COUNT(*), COUNT(DISTINCT event_id) FROM car_sensor');
    expect(rows).toEqual([['6000', '6000']]);
    const alertIds = readJsonl(join(outDir, 'alerts.jsonl')).map((a) => a.alert_id);
    expect(new Set(alertIds).size).toBe(alertIds.length);
  });

  it('gives each worker thread only the AWS SDK clients its function calls (each costs a worker ~0.1 CPU-s to load)', () => {
    // Prepare: the built workers, as `fleetstream run` starts them
    const sdkImports = (file: string) =>
      [...readFileSync(join(repoRoot, 'dist', file), 'utf8').matchAll(/from "(@aws-sdk\/[^"]+)"/g)]
        .map((m) => m[1])
        .sort();

    // Act
    const ingest = sdkImports('ingest-worker.js');
    const aggregate = sdkImports('aggregate-worker.js');

    // Assess: ingest puts to Firehose and publishes to SNS; aggregate writes through the main thread
    expect(ingest).toEqual(['@aws-sdk/client-firehose', '@aws-sdk/client-sns']);
    expect(aggregate).toEqual([]);
  });

  /** The npm packages a `fleetstream` command loaded by the time it ended, as the built CLI runs it. */
  async function packagesLoadedBy(args: string[]): Promise<string[]> {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      process.argv = [process.argv[0], 'cli', ...${JSON.stringify(args)}];
      process.on('exit', () => {
        const loaded = Object.keys(require.cache).map((path) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(path)?.[1]);
        process.stderr.write('\\nloaded=' + JSON.stringify([...new Set(loaded.filter(Boolean))].sort()) + '\\n');
      });
      await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'dist', 'cli.js')).href)});`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
    });
    return JSON.parse(/loaded=(.*)/.exec(stderr)![1]!) as string[];
  }

  it('given `fleetstream --help`, loads no npm package: each command loads what it needs when it runs', async () => {
    // Act
    const loaded = await packagesLoadedBy(['--help']);

    // Assess
    expect(loaded).toEqual([]);
  });

  it("given `fleetstream run`, loads none of the other commands' AWS clients or the Step Functions emulator", async () => {
    // Act
    const loaded = await packagesLoadedBy(['run', '--events', '200', '--no-verify', '--out', tempOut('cli-loads')]);

    // Assess: the run's own (DuckDB for the lake, the Firehose client its sinks call) and none of the rest
    expect(loaded).toEqual(expect.arrayContaining(['@duckdb/node-api', '@aws-sdk/client-firehose']));
    for (const other of [
      '@aws-sdk/client-opensearch',
      '@aws-sdk/client-sfn',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-sqs',
      '@aws-sdk/client-lambda',
      '@aws-sdk/client-cloudformation',
      'aws-local-stepfunctions',
    ])
      expect(loaded).not.toContain(other);
  });

  it('given the aggregate mapping in a worker thread, writes the same windows, late records and report as on one thread', async () => {
    // Prepare: the worker is the built one (npm run build), as `fleetstream run` uses it
    const worker = pathToFileURL(join(repoRoot, 'dist', 'aggregate-worker.js'));
    const run = async (name: string, aggregateWorker?: URL) => {
      const outDir = tempOut(name);
      // Records held back make late records, so both outputs of the aggregate function are compared.
      const report = await runPipeline({
        source: lateArrivals(fleet(7, 30_000)),
        scenario: 'fleet',
        outDir,
        repoRoot,
        shards: 2,
        seed: 7,
        chunkSize: 4000,
        aggregateWorker,
      });
      const { rows } = await runQuery(outDir, 'SELECT * EXCLUDE (dt, hour) FROM window_aggregates ORDER BY window_id');
      const { aggregate_thread, ...counts } = withoutTimings(report);
      return {
        thread: aggregate_thread,
        counts,
        rows,
        late: readFileSync(join(outDir, 'late.jsonl'), 'utf8').split('\n').sort(),
      };
    };

    // Act
    const threaded = await run('threaded', worker);
    const single = await run('single-thread');

    // Assess
    expect(single.rows.length).toBeGreaterThan(0);
    expect(single.counts.late_records).toBeGreaterThan(0);
    expect([threaded.thread, single.thread]).toEqual(['worker', 'main']);
    expect({ ...threaded, thread: 'main' }).toEqual(single);
  });
});

describe('Function: runPipeline() with ingest on worker threads', () => {
  it('given 1 or 2 ingest workers, writes the same lake, search files, alerts, rejects, duplicates, spool and counts as one thread', async () => {
    // Prepare: the workers are the built ones (npm run build), as `fleetstream run` uses them; the
    // input holds producer duplicates, payloads ingest rejects and late records besides the readings.
    const ingestWorker = pathToFileURL(join(repoRoot, 'dist', 'ingest-worker.js'));
    const aggregateWorker = pathToFileURL(join(repoRoot, 'dist', 'aggregate-worker.js'));
    const sortedLines = (path: string) =>
      (path.endsWith('.gz')
        ? readJsonl(path).map((line) => JSON.stringify(line))
        : readFileSync(path, 'utf8').split('\n')
      )
        .filter(Boolean)
        .sort();
    const run = async (name: string, workers: number) => {
      const outDir = tempOut(name);
      const report = await runPipeline({
        source: withDuplicatesAndRejects(fleet(11, 20_000)),
        scenario: 'fleet',
        outDir,
        repoRoot,
        shards: 3,
        seed: 11,
        chunkSize: 3000,
        aggregateWorker,
        ...(workers > 0 ? { ingestWorkers: { url: ingestWorker, count: workers } } : {}),
      });
      const { ingest_workers, ...counts } = withoutTimings(report);
      const lake = await runQuery(
        outDir,
        'SELECT * EXCLUDE (dt, hour) FROM car_sensor UNION ALL BY NAME SELECT * EXCLUDE (dt, hour) FROM alerts ORDER BY ALL',
      );
      return {
        ingest_workers,
        counts,
        lake: lake.rows,
        files: Object.fromEntries(
          [
            'alerts.jsonl',
            'rejects.jsonl.gz',
            'duplicates.jsonl',
            join('search', 'events.ndjson'),
            join('search', 'alerts.ndjson'),
            join('verify', 'accepted-ids.jsonl'),
            join('verify', 'alert-ids.jsonl'),
          ].map((file) => [file, sortedLines(join(outDir, file))]),
        ),
      };
    };

    // Act
    const single = await run('ingest-main', 0);
    const one = await run('ingest-1-worker', 1);
    const two = await run('ingest-2-workers', 2);

    // Assess
    expect(single.counts).toMatchObject({ rejected: 50, duplicates: 100, verification: { ok: true } });
    expect(single.lake.length).toBeGreaterThan(20_000);
    for (const lines of Object.values(single.files)) expect(lines.length).toBeGreaterThan(0);
    expect([single.ingest_workers, one.ingest_workers, two.ingest_workers]).toEqual([0, 1, 2]);
    // Each worker has execution environments of its own: one cold start per worker, where one thread had one.
    const coldStarts = [single, one, two].map((run) => run.counts.mappings.ingest!.coldStarts);
    expect(coldStarts).toEqual([1, 1, 2]);
    two.counts.mappings.ingest!.coldStarts = 1;
    expect({ ...one, ingest_workers: 0 }).toEqual(single);
    expect({ ...two, ingest_workers: 0 }).toEqual(single);
  });
});

describe('Function: runPipeline() with KPL records', () => {
  it('given a .b64 file of KPL aggregates and other blobs, counts each user record once and verifies', async () => {
    // Prepare
    const outDir = tempOut('kpl');

    // Act
    const report = await runPipeline({
      source: (async function* () {
        for await (const item of readBase64Records(join(repoRoot, 'test', 'fixtures', 'b64', 'kpl.b64'), START))
          yield item;
      })(),
      scenario: 'kpl',
      outDir,
      repoRoot,
      shards: 1,
      seed: 1,
    });

    // Assess: 5 lines; one aggregate of 5 user records, one corrupt aggregate, one plain record, one
    // that is not UTF-8, one line that is not base64
    expect(report).toMatchObject({ in: 9, accepted: 6, rejected: 3, kpl_aggregates: 1, kpl_user_records: 5 });
    expect(report.by_reason).toEqual({ 'kpl:checksum': 1, 'encoding:utf8': 1, 'input:base64': 1 });
    expect(report.verification?.ok).toBe(true);
    expect(report.by_rule).toEqual({ speeding: 1 });
  });
});

describe('Function: runPipeline() paced against the wall clock', () => {
  it('given --speedup, processes and alerts while the producer is still writing, not after it', async () => {
    // Prepare: 6,000 readings (5 simulated minutes) at 100x: about 3 s of wall time
    const outDir = tempOut('paced');
    const seen: { produced: number; processed: number; alerts: number }[] = [];

    // Act
    const report = await runPipeline({
      source: fleet(9, 6000),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 2,
      seed: 9,
      speedup: 100,
      onProgress: ({ produced, processed, alerts }) => seen.push({ produced, processed, alerts }),
    });

    // Assess: half-way through the input, more than a third of it was processed and alerts were out
    expect(report.in).toBe(6000);
    const midway = seen.find((p) => p.produced >= 3000)!;
    expect(midway.processed).toBeGreaterThan(2000);
    expect(seen.some((p) => p.produced < 6000 && p.alerts > 0)).toBe(true);
  });
});

describe('Function: runPipeline() at a fixed rate', () => {
  it('given --rate and a live fleet, alerts while the producer writes and measures every alert’s latency', async () => {
    // Prepare: 6,000 readings at 2,000 events/s (about 3 s), 200 cars over 4 shards (Kinesis takes 1,000 records/s a shard)
    const outDir = tempOut('rate');
    const source = simulateFleet({
      cars: growFleet(loadCars(repoRoot), 200),
      seed: 4,
      startMs: START,
      events: 6000,
      now: Date.now,
    });
    const seen: { produced: number; alerts: number }[] = [];

    // Act
    const report = await runPipeline({
      source: (function* () {
        for (const record of source) yield { kind: 'record', record } as SourceItem;
      })(),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 4,
      seed: 4,
      rate: 2000,
      measureAlertLatency: true,
      onProgress: ({ produced, alerts }) => seen.push({ produced, alerts }),
    });

    // Assess
    expect(report).toMatchObject({ in: 6000, accepted: 6000, rejected: 0, duplicates: 0 });
    expect(report.verification?.ok).toBe(true);
    expect(report.stream).toMatchObject({ kind: 'in-process', throttled: 0 });
    expect(seen.some((p) => p.produced < 6000 && p.alerts > 0)).toBe(true);
    const alerts = readJsonl(join(outDir, 'alerts.jsonl'));
    expect(alerts.length).toBeGreaterThan(0);
    const latency = report.alert_latency_ms!;
    expect(latency).toEqual({
      p50: expect.any(Number),
      p99: expect.any(Number),
      max: expect.any(Number),
      count: alerts.length,
    });
    expect(latency.count).toBe(Object.values(report.by_rule).reduce((a, b) => a + b, 0));
    expect(latency.p50).toBeGreaterThanOrEqual(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p99);
    expect(latency.p99).toBeLessThanOrEqual(latency.max);
    expect(JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')).alert_latency_ms).toEqual(latency);
  });

  it('refuses a speedup and a rate together', async () => {
    // Act
    const running = runPipeline({
      source: fleet(1, 10),
      scenario: 'fleet',
      outDir: tempOut('rate-and-speedup'),
      repoRoot,
      shards: 1,
      seed: 1,
      rate: 100,
      speedup: 10,
    });

    // Assess
    await expect(running).rejects.toThrow('speedup or by rate, not both');
  });

  it('given `fleetstream run --rate` with --speedup, exits 2 with a usage error', async () => {
    // Act
    const run = promisify(execFile)(process.execPath, [
      join(repoRoot, 'dist', 'cli.js'),
      'run',
      '--rate',
      '100',
      '--speedup',
      '10',
      '--out',
      tempOut('cli-rate'),
    ]);

    // Assess
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--rate') });
  });

  it('given `fleetstream run --rate` on a JSONL replay, replays every line and measures no latency (the lines keep their own ts)', async () => {
    // Prepare: 300 fleet readings as a JSONL file, their own (2026-11-24) timestamps kept
    const outDir = tempOut('rate-jsonl');
    const input = join(outDir, '..', 'fleet.jsonl');
    const lines = [...simulateFleet({ cars: loadCars(repoRoot), seed: 2, startMs: START, events: 300 })].map(
      (r) => r.data,
    );
    writeFileSync(input, `${lines.join('\n')}\n`);

    // Act
    await promisify(execFile)(process.execPath, [
      join(repoRoot, 'dist', 'cli.js'),
      'run',
      '--input',
      input,
      '--rate',
      '1000',
      '--out',
      outDir,
    ]);

    // Assess
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ scenario: 'jsonl', in: 300, accepted: 300 });
    expect(report.alert_latency_ms).toBeUndefined();
  });
});

/**
 * Holds every 50th record back to the end, arriving then (no arrival time of its own): those whose
 * event-time window has closed by then are late.
 */
function* lateArrivals(items: Iterable<SourceItem>): Generator<SourceItem> {
  const held: SourceItem[] = [];
  let n = 0;
  for (const item of items) {
    if (item.kind === 'record' && ++n % 50 === 0) {
      const { arrivalMs, ...record } = item.record;
      held.push({ kind: 'record', record });
    } else yield item;
  }
  yield* held;
}

/** Every 200th reading sent twice (a producer duplicate), every 400th followed by a payload ingest rejects. */
function* withDuplicatesAndRejects(items: Iterable<SourceItem>): Generator<SourceItem> {
  let n = 0;
  for (const item of items) {
    yield item;
    if (item.kind !== 'record') continue;
    n++;
    if (n % 200 === 0) yield item;
    if (n % 400 === 0)
      yield { kind: 'record', record: { ...item.record, data: `{"type":"car_sensor","car_id":${n},"speed":-1}` } };
  }
}
