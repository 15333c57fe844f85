import { Worker } from 'node:worker_threads';
import {
  MAX_BACKLOG,
  packColumns,
  packRecords,
  unpacedPollRecords,
  unpackRecords,
  workerExecArgv,
  workerOldGenerationMb,
} from '#local/esm/mapping-thread.js';
import type { StoredRecord } from '#local/stream/local-stream.js';
import { LocalStream } from '#local/stream/local-stream.js';

describe('Function: packRecords()', () => {
  it('given keys holding newlines, commas and any character, unpacks to the same records in order', () => {
    // Prepare: partition keys may hold any character; data is base64; sequence numbers are digits
    const keys = ['car-1', 'a\nb', 'x,y', 'é🚗', '', '\u2028', 'k'.repeat(256)];
    const records: StoredRecord[] = keys.map((partitionKey, i) => ({
      kinesisSchemaVersion: '1.0',
      partitionKey,
      data: Buffer.from(`{"n":${i},"text":"line\\nbreak"}`).toString('base64'),
      sequenceNumber: `4965${String(i).padStart(52, '0')}`,
      approximateArrivalTimestamp: 1_764_000_000.123 + i,
    }));

    // Act
    const packed = packRecords(2, records);
    const unpacked = unpackRecords(structuredClone(packed));

    // Assess
    expect(packed).toMatchObject({ shard: 2, count: keys.length });
    expect(unpacked).toEqual(records);
  });

  it('given no records, unpacks to none', () => {
    // Act
    const unpacked = unpackRecords(packRecords(0, []));

    // Assess
    expect(unpacked).toEqual([]);
  });
});

describe('Function: workerExecArgv()', () => {
  it("given the process's V8 options, which a worker refuses, leaves exactly those out and the worker starts", async () => {
    // Prepare: Node's own refusal of V8 options in a worker's execArgv (they are the process's)
    const execArgv = ['--trace-gc', '--enable-source-maps', '--single-threaded-gc', '--input-type=module'];
    let refusal = '';
    try {
      new Worker('0', { eval: true, execArgv: workerExecArgv(execArgv) });
    } catch (error) {
      refusal = (error as Error).message;
    }

    // Act
    const kept = workerExecArgv(execArgv, refusal);
    const worker = new Worker('0', { eval: true, execArgv: kept });
    const exitCode = await new Promise((resolve) => worker.once('exit', resolve));

    // Assess
    expect(refusal).toContain('--trace-gc');
    expect(kept).toEqual(['--enable-source-maps']);
    expect(exitCode).toBe(0);
  });
});

describe('Function: workerOldGenerationMb()', () => {
  it("holds every shard's backlog of 1 KB records and the dedupe set on top of 64 MB", () => {
    // Act
    const ingest = workerOldGenerationMb(2, 20_000, 200_000);
    const manyShards = workerOldGenerationMb(12, 20_000, 200_000);
    const aggregate = workerOldGenerationMb(2, 50_000, 0);

    // Assess: 64 + (2 x 20,000 x 1 KiB + 200,000 x 128 B) / 1 MiB = 64 + 39.1 + 24.4
    expect(ingest).toBe(128);
    expect(manyShards).toBe(64 + Math.ceil((12 * 20_000 * 1024 + 200_000 * 128) / 2 ** 20));
    expect(aggregate).toBe(64 + Math.ceil((2 * 50_000 * 1024) / 2 ** 20));
  });
});

describe('Function: unpacedPollRecords()', () => {
  it("hands each shard a quarter of a worker's backlog per poll, so a worker drain() waits for has three more queued", () => {
    for (const shards of [1, 2, 3, 4, 12]) {
      // Act
      const perShard = unpacedPollRecords(shards) / shards;

      // Assess: records spread over the shards by key; a shard gets about its share of a poll
      expect(perShard).toBeLessThanOrEqual(MAX_BACKLOG / 4);
      expect(perShard).toBeGreaterThan(MAX_BACKLOG / 4 - 1);
    }
  });
});

describe('Function: packColumns()', () => {
  it('given records put as bytes, hands the worker what the shard reads: the same records, base64 and sequence numbers made from shared bytes and counters', () => {
    // Prepare: bytes of any kind, an empty record, partition keys with separators, after a partial trim
    const stream = new LocalStream('s', 1);
    const payloads = ['{"a":1}', '', '\u00e9\n,🚗', 'x'.repeat(70_000)].map((text) => Buffer.from(text));
    payloads.push(Buffer.from([0xff, 0xfe, 0x00]));
    const keys = ['car-1', 'a\nb', 'x,y', 'é🚗', 'k'];
    for (let round = 0; round < 3; round++)
      for (const [i, bytes] of payloads.entries()) stream.putBytes(0, keys[i]!, bytes, 1_764_000_000_123 + i);
    stream.trim(0, 4);

    // Act
    const packed = packColumns(0, stream.readColumns(0, 4));
    const unpacked = unpackRecords(structuredClone(packed));

    // Assess
    expect(packed.data).toBeUndefined();
    expect(packed.bytes!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(packed.count).toBe(11);
    expect(unpacked).toEqual(stream.read(0, 4, 100));
  });

  it("given records stored as base64 (a real shard's), hands them over as that text", () => {
    // Prepare: "not base64" would not survive a decode and re-encode
    const stream = new LocalStream('s', 1);
    stream.put('k', 'not base64', 1_000);
    stream.put('k', 'eA==', 2_000);

    // Act
    const unpacked = unpackRecords(structuredClone(packColumns(0, stream.readColumns(0, 0))));

    // Assess
    expect(unpacked.map((record) => record.data)).toEqual(['not base64', 'eA==']);
  });
});
