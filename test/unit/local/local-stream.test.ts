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
});
