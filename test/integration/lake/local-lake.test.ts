import { mkdtempSync, readdirSync, WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { LocalLake } from '#local/lake/local-lake.js';
import { type LakeConnection, openLake, runQuery } from '#local/query.js';
import { VERIFY_MEMORY_LIMIT } from '#local/verify/verify-run.js';
import { tableColumns } from '#src/schema/columns.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { lakeSinkFor } from '#test/helpers/lake-sink.js';
import { LAKE_PARQUET_COMPRESSION } from '../../../resources/analytics/lake-streams.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 8);
const reading = (i: number, ts: number): TelemetryEvent => ({
  type: 'car_sensor',
  event_id: `e${i}`,
  ts,
  car_id: 1452650,
  speed: 50 + (i % 10),
  rpm: 2000,
  gear: 3,
  firmware: 'extra fields never reach the lake',
});
const parquetFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.parquet'));

/** Runs `act` counting the DuckDB instances closed meanwhile (closing a connection alone keeps the database). */
async function countingInstancesClosed(act: () => Promise<void>): Promise<number> {
  const original = DuckDBInstance.prototype.closeSync;
  let closed = 0;
  DuckDBInstance.prototype.closeSync = function (this: DuckDBInstance) {
    closed++;
    original.call(this);
  };
  try {
    await act();
  } finally {
    DuckDBInstance.prototype.closeSync = original;
  }
  return closed;
}

/** Runs `act` counting the bytes file streams hand the file system meanwhile (`_write` and `_writev`). */
async function countingBytesToFiles(act: () => Promise<void>): Promise<number> {
  const prototype = WriteStream.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  const originals = { _write: prototype._write, _writev: prototype._writev };
  let bytes = 0;
  prototype._write = function (this: WriteStream, chunk: unknown, ...rest: unknown[]) {
    bytes += (chunk as Uint8Array).byteLength;
    originals._write.call(this, chunk, ...rest);
  };
  prototype._writev = function (this: WriteStream, chunks: unknown, ...rest: unknown[]) {
    for (const { chunk } of chunks as { chunk: Uint8Array }[]) bytes += chunk.byteLength;
    originals._writev.call(this, chunks, ...rest);
  };
  try {
    await act();
  } finally {
    Object.assign(prototype, originals);
  }
  return bytes;
}

describe('Class: LocalLake (the Firehose → Parquet stand-in)', () => {
  it("given records below the buffering hints, writes them to the buffer's file as they come, not at delivery", async () => {
    // Prepare: about 3 MB of rows, far below the size hint, the event loop turning between batches
    // as in a run (the buffer's file opens on the thread pool)
    const outDir = mkdtempSync(join(tmpdir(), 'lake-spool-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 3600 } });
    const sink = lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor');
    const rows = 15_000;

    // Act
    const handedOver = await countingBytesToFiles(async () => {
      for (let batch = 0; batch < rows / 500; batch++) {
        await sink.write(Array.from({ length: 500 }, (_, i) => reading(batch * 500 + i, T0)));
        await nextTurn();
      }
    });
    const delivered = parquetFiles(join(outDir, 'lake')).length;
    await lake.close();

    // Assess: at least a megabyte left memory for the file before any delivery; every row delivered
    expect(delivered).toBe(0);
    expect(handedOver).toBeGreaterThanOrEqual(1024 * 1024);
    const { rows: counted } = await runQuery(outDir, 'SELECT COUNT(*) FROM car_sensor');
    expect(counted).toEqual([[String(rows)]]);
  });

  it('delivers a buffer when it reaches the size hint, partitioned by dt/hour of event time', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'lake-size-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 0.01, intervalInSeconds: 3600 } });
    const sink = lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor');

    // Act
    for (let batch = 0; batch < 10; batch++) {
      await sink.write(Array.from({ length: 50 }, (_, i) => reading(batch * 50 + i, T0 + (batch % 2) * HOUR)));
    }
    await lake.whenDelivered();
    const beforeClose = parquetFiles(join(outDir, 'lake', 'car_sensor')).length;
    await lake.close();

    // Assess
    expect(beforeClose).toBeGreaterThan(2);
    const { rows } = await runQuery(
      outDir,
      'SELECT dt, hour, COUNT(*) FROM car_sensor GROUP BY dt, hour ORDER BY hour',
    );
    expect(rows).toEqual([
      ['2026-11-24', '08', '250'],
      ['2026-11-24', '09', '250'],
    ]);
  });

  it("given one buffer of more partitions than it keeps apart, puts every row under its own event hour's partition, as DuckDB computes it", async () => {
    // Prepare: 14 hours in one buffer (8 kept apart, the rest partitioned by DuckDB), the first and last of the range
    const outDir = mkdtempSync(join(tmpdir(), 'lake-partitions-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 3600 } });
    const times = [0, 253_402_300_799_998, ...Array.from({ length: 12 }, (_, h) => T0 + h * HOUR + 1)];
    const events = times.flatMap((ts, k) => [reading(2 * k, ts), reading(2 * k + 1, ts + 1)]);

    // Act
    await lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor').write(events);
    await lake.close();

    // Assess: each file's directory is the partition of each of its rows
    const { rows } = await runQuery(
      outDir,
      "SELECT COUNT(*), COUNT(DISTINCT dt || hour), COUNT(*) FILTER (WHERE dt = strftime(ts, '%Y-%m-%d') AND hour = strftime(ts, '%H')) FROM car_sensor_raw",
    );
    expect(rows).toEqual([[String(events.length), String(times.length), String(events.length)]]);
    expect(parquetFiles(join(outDir, 'lake', 'car_sensor'))).toHaveLength(times.length);
  });

  it('delivers when the interval hint has passed, on the next write', async () => {
    // Prepare
    let now = 0;
    const outDir = mkdtempSync(join(tmpdir(), 'lake-interval-'));
    const lake = await LocalLake.open({
      outDir,
      bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 },
      now: () => now,
    });
    const sink = lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor');

    // Act
    await sink.write([reading(1, T0)]);
    const afterFirst = parquetFiles(join(outDir, 'lake')).length;
    now = 61_000;
    await sink.write([reading(2, T0)]);
    await lake.whenDelivered();

    // Assess
    expect(afterFirst).toBe(0);
    expect(parquetFiles(join(outDir, 'lake'))).toHaveLength(1);
    await lake.close();
  });

  it('writes exactly the columns derived from schemas/, with their types', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'lake-columns-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
    await lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor').write([reading(1, T0)]);
    await lake.close();

    // Act
    const { rows } = await runQuery(
      outDir,
      "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM car_sensor) WHERE column_name NOT IN ('dt', 'hour')",
    );

    // Assess
    expect(rows.map((r) => r[0])).toEqual(tableColumns('car_sensor').map((c) => c.name));
    expect(Object.fromEntries(rows as [string, string][])).toMatchObject({
      ts: 'TIMESTAMP',
      car_id: 'BIGINT',
      speed: 'DOUBLE',
      enriched: 'BOOLEAN',
    });
  });

  it("writes its Parquet in the codec the stack's Firehose streams convert with (Snappy), not one Firehose cannot write", async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'lake-codec-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
    await lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor').write([reading(1, T0), reading(2, T0)]);
    await lake.close();

    // Act
    const file = join(outDir, 'lake', 'car_sensor', parquetFiles(join(outDir, 'lake', 'car_sensor'))[0]!);
    const { rows } = await runQuery(outDir, `SELECT DISTINCT compression FROM parquet_metadata('${file}')`);

    // Assess
    expect(LAKE_PARQUET_COMPRESSION).toBe('SNAPPY');
    expect(rows).toEqual([[LAKE_PARQUET_COMPRESSION]]);
  });

  it('shows each row once through the view a query reads, whatever was delivered twice, and still prunes by dt', async () => {
    // Prepare: the same 3 events delivered twice (a retry in a cold container), plus one on another day
    const outDir = mkdtempSync(join(tmpdir(), 'lake-dedupe-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
    const sink = lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor');
    const events = [reading(1, T0), reading(2, T0), reading(3, T0 + HOUR)];
    await sink.write(events);
    await sink.write(events);
    await sink.write([reading(4, T0 + 24 * HOUR)]);
    await lake.close();

    // Act
    const raw = await runQuery(outDir, 'SELECT COUNT(*) FROM car_sensor_raw');
    const view = await runQuery(outDir, 'SELECT COUNT(*), COUNT(DISTINCT event_id) FROM car_sensor');
    const day = await runQuery(outDir, "SELECT event_id FROM car_sensor WHERE dt = '2026-11-24' ORDER BY event_id");

    // Assess
    expect(raw.rows).toEqual([['7']]);
    expect(view.rows).toEqual([['4', '4']]);
    expect(day.rows).toEqual([['e1'], ['e2'], ['e3']]);
  });

  it('releases its DuckDB database on close, so its memory is not held while the verification runs', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'lake-close-'));
    const lake = await LocalLake.open({ outDir, bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 } });
    await lakeSinkFor<TelemetryEvent>(lake, outDir, 'car_sensor').write([reading(1, T0)]);

    // Act
    const closed = await countingInstancesClosed(async () => {
      await lake.close();
    });

    // Assess
    expect(closed).toBe(1);
    expect(parquetFiles(join(outDir, 'lake', 'car_sensor'))).toHaveLength(1);
  });
});

describe('Function: openLake()', () => {
  it('releases its DuckDB database on close', async () => {
    // Prepare
    const outDir = mkdtempSync(join(tmpdir(), 'open-lake-close-'));
    const lake = await openLake(outDir, { memoryLimit: VERIFY_MEMORY_LIMIT });
    expect(await lake.queryObjects('SELECT COUNT(*) AS n FROM car_sensor')).toEqual([{ n: '0' }]);

    // Act
    const closed = await countingInstancesClosed(async () => lake.close());

    // Assess
    expect(closed).toBe(1);
  });
  it('bounds DuckDB by the memory limit it is given (the verification spills past 384 MB), and leaves it unset otherwise', async () => {
    // Prepare: a run folder with no lake files (every table is an empty relation)
    const outDir = mkdtempSync(join(tmpdir(), 'open-lake-'));

    // Act
    const limited = await openLake(outDir, { memoryLimit: VERIFY_MEMORY_LIMIT });
    const unlimited = await openLake(outDir);
    const setting = async (lake: LakeConnection) =>
      String((await lake.queryObjects("SELECT current_setting('memory_limit') AS m"))[0]!.m);
    const [bounded, unbounded] = [await setting(limited), await setting(unlimited)];
    limited.close();
    unlimited.close();

    // Assess: DuckDB reports 384 MB as 366.2 MiB; unset it is 80 % of the machine's memory
    expect(bounded).toBe('366.2 MiB');
    expect(unbounded).not.toBe(bounded);
  });
});
