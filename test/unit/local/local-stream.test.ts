import { createHash } from 'node:crypto';
import { LocalStream } from '#local/stream/local-stream.js';

/** The shard Kinesis picks: MD5 of the key as a 128-bit integer, in evenly split ranges. */
function expectedShard(key: string, shards: number): number {
  const hash = BigInt(`0x${createHash('md5').update(key).digest('hex')}`);
  return Number((hash * BigInt(shards)) / (1n << 128n));
}

describe('Class: LocalStream', () => {
  it('splits the 128-bit hash key space evenly, as CreateStream does', () => {
    const stream = new LocalStream('s', 4);
    expect(stream.shards.map((s) => s.startingHashKey.toString())).toEqual([
      '0',
      '85070591730234615865843651857942052864',
      '170141183460469231731687303715884105728',
      '255211775190703847597530955573826158592',
    ]);
    expect(stream.shards[3]!.endingHashKey).toBe((1n << 128n) - 1n);
  });

  it.each([1, 2, 3, 8])('routes partition keys by MD5 onto %s shard(s)', (shards) => {
    const stream = new LocalStream('s', shards);
    for (let i = 0; i < 500; i++) expect(stream.shardIndexFor(`car-${i}`)).toBe(expectedShard(`car-${i}`, shards));
  });

  it('routes a record with an explicit hash key by that key, not by its partition key (a KPL aggregate\'s "a")', () => {
    // Prepare
    const stream = new LocalStream('s', 2);
    const upperHalf = ((1n << 127n) + 5n).toString();

    // Act
    const routed = stream.put('a', 'eA==', 0, upperHalf);

    // Assess
    expect(stream.shardIndexFor('a')).toBe(0);
    expect(routed.shardIndex).toBe(1);
  });

  it('routes the known vector "a" (MD5 0cc175b9…) to the first of two shards', () => {
    expect(new LocalStream('s', 2).shardIndexFor('a')).toBe(0);
  });

  it('keeps per-shard order with increasing sequence numbers, and trims what was consumed', () => {
    // Prepare
    const stream = new LocalStream('s', 2);
    const puts = Array.from({ length: 100 }, (_, i) => stream.put(`k${i % 7}`, String(i), i));

    // Act
    const shard0 = stream.read(0, 0, 1000);
    stream.trim(0, 10);

    // Assess
    expect(shard0.map((r) => r.data)).toEqual(
      puts
        .map((p, i) => [p, i] as const)
        .filter(([p]) => p.shardIndex === 0)
        .map(([, i]) => String(i)),
    );
    const sequence = shard0.map((r) => BigInt(r.sequenceNumber));
    expect(sequence.every((s, i) => i === 0 || s > sequence[i - 1]!)).toBe(true);
    expect(shard0[0]!.sequenceNumber).toHaveLength(56);
    expect(stream.read(0, 10, 1)[0]).toEqual(shard0[10]);
    expect(() => stream.read(0, 0, 1)).toThrow(/trimmed/);
  });

  it('given records put as bytes, reads each as the base64 of its bytes, in order, across a partial trim and a grown slab', () => {
    // Prepare: more bytes than the first slab holds, some records empty, one not UTF-8
    const stream = new LocalStream('s', 1);
    const payloads = Array.from({ length: 300 }, (_, i) =>
      i % 50 === 0
        ? new Uint8Array(0)
        : i === 7
          ? new Uint8Array([0xff, 0x00, 0xfe])
          : Buffer.from(`{"n":${i}}`.repeat(i)),
    );
    const sequenceNumbers = payloads.map((bytes, i) => stream.putBytes(0, `k${i % 3}`, bytes, 1_000 * i));

    // Act
    stream.trim(0, 120);
    const kept = stream.read(0, 120, 1_000);

    // Assess
    expect(kept.map((record) => record.data)).toEqual(
      payloads.slice(120).map((bytes) => Buffer.from(bytes).toString('base64')),
    );
    expect(kept[0]).toEqual({
      kinesisSchemaVersion: '1.0',
      partitionKey: 'k0',
      sequenceNumber: sequenceNumbers[120],
      data: Buffer.from(payloads[120]!).toString('base64'),
      approximateArrivalTimestamp: 120,
    });
  });

  it("given another thread's drain appended as bytes, reads the shard's own records, and a copy that does not keep them makes each anew", () => {
    // Prepare: the main thread's shard (bytes of any kind, an empty record, a partial trim) and a worker's copy
    const main = new LocalStream('s', 2);
    const payloads = ['{"a":1}', '', '\u00e9\n,🚗', 'x'.repeat(70_000)].map((text) => Buffer.from(text));
    for (let round = 0; round < 3; round++)
      for (const [i, bytes] of payloads.entries()) main.putBytes(1, `k${i}`, bytes, 1_764_000_000_123 + i);
    main.trim(1, 3);
    const copy = new LocalStream('s', 2, main.shards, { keepReadRecords: false });
    const { bytes, ends, counters, partitionKeys, arrivals } = main.readColumns(1, 3);

    // Act: two drains, as the worker gets them
    copy.appendBytes(1, {
      bytes: bytes!.slice(0, ends![4]),
      ends: ends!.slice(0, 5),
      counters: counters!.slice(0, 5),
      partitionKeys: partitionKeys.slice(0, 5),
      arrivals: arrivals.slice(0, 5),
    });
    const firstEnd = ends![4]!;
    copy.appendBytes(1, {
      bytes: bytes!.slice(firstEnd),
      ends: ends!.slice(5).map((end) => end - firstEnd),
      counters: counters!.slice(5),
      partitionKeys: partitionKeys.slice(5),
      arrivals: arrivals.slice(5),
    });

    // Assess: the same records from position 0 of the copy; read twice, equal but not kept
    const read = copy.read(1, 0, 100);
    expect(read).toEqual(main.read(1, 3, 100));
    expect(copy.dataLengthAt(1, 3)).toBe(read[3]!.data.length);
    expect(copy.recordAt(1, 2)).toEqual(read[2]);
    expect(copy.recordAt(1, 2)).not.toBe(read[2]);
    expect(main.recordAt(1, 5)).toBe(main.recordAt(1, 5));
  });

  it('numbers records with 56 digits that keep increasing when the counter gains a digit', () => {
    // Prepare
    const stream = new LocalStream('s', 2);

    // Act: counters 1 to 1,000 cross the widths 1 → 2 → 3 → 4 digits
    const numbers = Array.from({ length: 1_000 }, (_, i) => stream.putBytes(i % 2, 'k', new Uint8Array(1), 0));

    // Assess
    expect(numbers.every((n) => /^\d{56}$/.test(n))).toBe(true);
    expect(numbers[0]).toBe(`49650000${'0'.repeat(47)}1`);
    expect(numbers[999]).toBe(`49650001${'0'.repeat(44)}1000`);
    for (const shard of [0, 1]) {
      const own = numbers.filter((_, i) => i % 2 === shard).map(BigInt);
      expect(own.every((n, i) => i === 0 || n > own[i - 1]!)).toBe(true);
    }
  });
});
