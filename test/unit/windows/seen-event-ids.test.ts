import fc from 'fast-check';
import { hashEventId } from '#src/windows/event-time-windows.js';
import { SeenEventIds, SeenEventIdsCache } from '#src/windows/seen-event-ids.js';

/** The encoding the window state has always had: every hash, in insertion order, as base64 of a Float64Array. */
const encodeAll = (hashes: readonly number[]) => Buffer.from(Float64Array.from(hashes).buffer).toString('base64');

const hashes = (from: number, count: number) => Array.from({ length: count }, (_, i) => hashEventId(`e${from + i}`));

describe('Class: SeenEventIds', () => {
  it('encodes only what was added, byte-identical to encoding every hash again, over any sequence of calls', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 7 }), { maxLength: 12 }), fc.boolean(), (rounds, throughState) => {
        // Prepare
        let ids = SeenEventIds.decode(undefined);
        const all: number[] = [];

        for (const added of rounds) {
          // Act
          for (const hash of hashes(all.length, added)) {
            ids.add(hash);
            all.push(hash);
          }
          const encoded = ids.encode();

          // Assess
          expect(encoded).toBe(encodeAll(all));
          // A cold environment reads the string back and continues from it.
          if (throughState) ids = SeenEventIds.decode(encoded);
        }
        expect(ids.size).toBe(all.length);
        expect(all.every((hash) => ids.has(hash))).toBe(true);
        expect(hashes(all.length, 50).some((hash) => ids.has(hash))).toBe(false);
      }),
    );
  });

  it('answers as a Set of the same hashes, through the table growing past thousands of hashes', () => {
    // Prepare
    const ids = SeenEventIds.decode(undefined);
    const set = new Set<number>();
    const probes = [...hashes(0, 5000), ...hashes(0, 5000), 0, 2 ** 52 - 1, 2 ** 32, 2 ** 33];

    // Act
    const answers = probes.map((hash) => {
      const held = ids.has(hash);
      if (!held) ids.add(hash);
      const expected = set.has(hash);
      set.add(hash);
      return held === expected;
    });

    // Assess
    expect(answers.every(Boolean)).toBe(true);
    expect(ids.size).toBe(set.size);
    expect(ids.encode()).toBe(encodeAll([...set]));
  });

  it('drops a repeated hash of a seen string it did not write, as the Set it replaced did', () => {
    // Prepare
    const repeated = encodeAll([5, 6, 5, 7]);

    // Act
    const ids = SeenEventIds.decode(repeated);

    // Assess
    expect(ids.size).toBe(3);
    expect(ids.encode()).toBe(encodeAll([5, 6, 7]));
  });

  it('reads a seen string with a line break in it and re-encodes it canonically', () => {
    // Prepare
    const all = hashes(0, 7);
    const encoded = encodeAll(all);
    const wrapped = `${encoded.slice(0, 20)}\n${encoded.slice(20)}`;

    // Act
    const ids = SeenEventIds.decode(wrapped);
    ids.add(hashEventId('another'));

    // Assess
    expect(ids.encode()).toBe(encodeAll([...all, hashEventId('another')]));
  });
});

describe('Class: SeenEventIdsCache', () => {
  it('hands back the kept set only for the very string it was kept with, and per shard', () => {
    // Prepare
    const cache = new SeenEventIdsCache();
    const ids = SeenEventIds.decode(undefined);
    ids.add(1);
    const seen = ids.encode();
    cache.keep('shard-0', seen, ids);

    // Act
    const otherShard = cache.take('shard-1', seen);
    const otherString = cache.take('shard-0', encodeAll([2]));
    cache.keep('shard-0', seen, ids);
    const same = cache.take('shard-0', seen);
    const again = cache.take('shard-0', seen);

    // Assess
    expect(otherShard).not.toBe(ids);
    expect(otherShard.has(1)).toBe(true);
    expect(otherString.has(1)).toBe(false);
    expect(same).toBe(ids);
    // Taken: a call working on the set (which may fail) leaves nothing behind to be reused.
    expect(again).not.toBe(ids);
  });

  it('keeps at most maxShards shards, dropping the one kept longest ago', () => {
    // Prepare
    const cache = new SeenEventIdsCache(2);
    const kept = ['a', 'b', 'c'].map((shard) => {
      const ids = SeenEventIds.decode(undefined);
      cache.keep(shard, ids.encode(), ids);
      return ids;
    });

    // Act
    const [a, b, c] = ['a', 'b', 'c'].map((shard) => cache.take(shard, ''));

    // Assess
    expect(a).not.toBe(kept[0]);
    expect(b).toBe(kept[1]);
    expect(c).toBe(kept[2]);
  });
});
