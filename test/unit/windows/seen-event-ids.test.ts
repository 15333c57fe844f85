import fc from 'fast-check';
import { hashEventId } from '#src/windows/event-time-windows.js';
import { CHUNK_CHARS, CHUNK_HASHES, SeenEventIds, SeenEventIdsCache } from '#src/windows/seen-event-ids.js';

/** The encoding the window state has always had: every hash, in insertion order, as base64 of a Float64Array. */
const encodeAll = (hashes: readonly number[]) => Buffer.from(Float64Array.from(hashes).buffer).toString('base64');

const hashes = (from: number, count: number) => Array.from({ length: count }, (_, i) => hashEventId(`e${from + i}`));

/** Whether chunks are cut as the state carries them: every chunk full (CHUNK_CHARS) but the last, none empty. */
const cutAsCarried = (chunks: readonly string[]) =>
  chunks.every((chunk, c) => (c < chunks.length - 1 ? chunk.length === CHUNK_CHARS : chunk.length > 0));

describe('Class: SeenEventIds', () => {
  it('encodes in chunks that join to the encoding of every hash, over any sequence of calls, warm or read back', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 900 }), { maxLength: 8 }), fc.boolean(), (rounds, throughState) => {
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
          expect(encoded.join('')).toBe(encodeAll(all));
          expect(cutAsCarried(encoded)).toBe(true);
          // A cold environment reads the chunks back and continues from them.
          if (throughState) ids = SeenEventIds.decode(encoded);
        }
        expect(ids.size).toBe(all.length);
        expect(all.every((hash) => ids.has(hash))).toBe(true);
        expect(hashes(all.length, 50).some((hash) => ids.has(hash))).toBe(false);
      }),
      { numRuns: 60 },
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
    expect(ids.encode().join('')).toBe(encodeAll([...set]));
  });

  it('adds a hash (or an id by its hash) it does not hold while under capacity, as a Set of at most that many would', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 3000 })), fc.nat({ max: 2500 }), (picks, capacity) => {
        // Prepare
        const ids = SeenEventIds.decode(undefined);
        const byId = SeenEventIds.decode(undefined);
        const set = new Set<number>();

        // Act
        const outcomes = picks.map((pick) => ids.addIfAbsent(hashEventId(`e${pick}`), capacity));
        const idOutcomes = picks.map((pick) => byId.addIdIfAbsent(`e${pick}`, capacity));

        // Assess
        const expected = picks.map((pick) => {
          const hash = hashEventId(`e${pick}`);
          if (set.has(hash)) return 'seen';
          if (set.size >= capacity) return 'full';
          set.add(hash);
          return 'added';
        });
        expect(outcomes).toEqual(expected);
        expect(idOutcomes).toEqual(expected);
        expect(ids.size).toBe(set.size);
        expect(ids.encode().join('')).toBe(encodeAll([...set]));
        expect(byId.encode()).toEqual(ids.encode());
      }),
      { numRuns: 50 },
    );
  });

  it('drops a repeated hash of a seen string it did not write, as the Set it replaced did', () => {
    // Prepare
    const repeated = encodeAll([5, 6, 5, 7]);

    // Act
    const ids = SeenEventIds.decode(repeated);

    // Assess
    expect(ids.size).toBe(3);
    expect(ids.encode()).toEqual([encodeAll([5, 6, 7])]);
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
    expect(ids.encode()).toEqual([encodeAll([...all, hashEventId('another')])]);
  });
  it('keeps each full chunk as it was from call to call: only the last chunk changes as hashes are added', () => {
    // Prepare
    const ids = SeenEventIds.decode(undefined);
    for (const hash of hashes(0, 2 * CHUNK_HASHES + 10)) ids.add(hash);
    const before = ids.encode();

    // Act
    for (const hash of hashes(1_000_000, CHUNK_HASHES)) ids.add(hash);
    const after = ids.encode();

    // Assess
    expect(before).toHaveLength(3);
    expect(after).toHaveLength(4);
    expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
    expect(after[2]).not.toBe(before[2]);
    expect(cutAsCarried(after)).toBe(true);
    // A state handed back is never changed by a later call.
    expect(before.join('')).toBe(encodeAll(hashes(0, 2 * CHUNK_HASHES + 10)));
  });

  it('decodes a chunked seen state to the same set, and a cold read goes on exactly as the warm set', () => {
    // Prepare
    const all = hashes(0, 3 * CHUNK_HASHES + 7);
    const warm = SeenEventIds.decode(undefined);
    for (const hash of all) warm.add(hash);
    const chunks = warm.encode();

    // Act
    const cold = SeenEventIds.decode(chunks);
    for (const ids of [warm, cold]) for (const hash of hashes(5_000_000, 40)) ids.add(hash);

    // Assess
    expect(cold.size).toBe(all.length + 40);
    expect(all.every((hash) => cold.has(hash))).toBe(true);
    expect(cold.has(hashEventId('never added'))).toBe(false);
    expect(cold.encode()).toEqual(warm.encode());
  });

  it.each([
    ['one string, as states were written before chunks', (text: string) => text],
    ['chunks cut elsewhere', (text: string) => [text.slice(0, 1000), text.slice(1000, 30_000), text.slice(30_000)]],
    ['a line break in a chunk', (text: string) => [text.slice(0, CHUNK_CHARS - 1), `\n${text.slice(CHUNK_CHARS - 1)}`]],
  ])('reads a seen state written as %s, and writes it back in its own chunks', (_name, written) => {
    // Prepare
    const all = hashes(0, 2 * CHUNK_HASHES + 100);
    const seen = written(encodeAll(all));

    // Act
    const ids = SeenEventIds.decode(seen);
    const encoded = ids.encode();

    // Assess
    expect(ids.size).toBe(all.length);
    expect(encoded.join('')).toBe(encodeAll(all));
    expect(encoded).toHaveLength(3);
    expect(cutAsCarried(encoded)).toBe(true);
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

  it("starts a shard's next Lambda window (no seen) with the shard's set emptied, at the size it reached", () => {
    // Prepare
    const cache = new SeenEventIdsCache();
    const ids = SeenEventIds.decode(undefined);
    const before = hashes(0, 5000);
    for (const hash of before) ids.add(hash);
    cache.keep('shard-0', ids.encode(), ids);
    const other = SeenEventIds.decode(undefined);
    other.add(1);
    cache.keep('shard-1', other.encode(), other);

    // Act
    const next = cache.take('shard-0', undefined);
    const added = hashes(5000, 3000).map((hash) => next.addIfAbsent(hash, 64_000));
    const otherNext = cache.take('shard-1', []);

    // Assess
    expect(next).toBe(ids);
    expect(next.capacity).toBeGreaterThanOrEqual(5000);
    expect(before.some((hash) => next.has(hash))).toBe(false);
    expect(added.every((outcome) => outcome === 'added')).toBe(true);
    expect(next.size).toBe(3000);
    expect(next.encode().join('')).toBe(encodeAll(hashes(5000, 3000)));
    expect(otherNext.has(1)).toBe(false);
    expect(otherNext.size).toBe(0);
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
    const [a, b, c] = ['a', 'b', 'c'].map((shard) => cache.take(shard, []));

    // Assess
    expect(a).not.toBe(kept[0]);
    expect(b).toBe(kept[1]);
    expect(c).toBe(kept[2]);
  });
});
