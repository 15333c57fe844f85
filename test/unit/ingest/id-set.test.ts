import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { DeliveryLedger } from '#src/ingest/delivery-ledger.js';
import { IdSet } from '#src/ingest/id-set.js';

/** Replays `ops` on an IdSet and on a Set, asserting after each that they agree. */
function assertAgreesWithSet(ops: fc.Arbitrary<[string, string][]>) {
  fc.assert(
    fc.property(ops, (given) => {
      const ids = new IdSet(1000);
      const expected = new Set<string>();
      for (const [kind, id] of given) {
        if (kind === 'add' || kind === 'stage') {
          const fresh = !expected.has(id);
          expected.add(id);
          expect(kind === 'add' ? ids.add(id) : ids.addStaged(id, ids.stage(id))).toBe(fresh);
        } else if (kind === 'delete') expect(ids.delete(id)).toBe(expected.delete(id));
        else if (kind === 'clear') {
          ids.clear();
          expected.clear();
        } else expect(ids.has(id)).toBe(expected.has(id));
        expect(ids.size).toBe(expected.size);
      }
    }),
  );
}

describe('Class: IdSet holds exactly what a Set would', () => {
  it('agrees with a Set on any sequence of adds, deletes and lookups', () => {
    // Prepare
    const op = fc.tuple(fc.constantFrom('add', 'stage', 'delete', 'has'), fc.string({ maxLength: 6 }));
    // Act, Assess
    assertAgreesWithSet(fc.array(op, { maxLength: 200 }));
  });

  it('agrees with a Set on ids of any UTF-16 text, lone surrogates included, and after being emptied', () => {
    // Prepare
    const op = fc.tuple(
      fc.constantFrom('add', 'stage', 'delete', 'has', 'clear'),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    // Act, Assess
    assertAgreesWithSet(fc.array(op, { maxLength: 300 }));
  });

  it('keeps no id string, so an id sliced from a large payload does not keep the payload alive', () => {
    // Prepare: 10,000 ids, each a slice of a 4 KB payload of its own (V8 keeps a slice of 13
    // characters or more as a view of its parent string)
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const ids = new IdSet(20_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    // Act
    for (let i = 0; i < 10_000; i++) {
      const payload = `{"event_id":"evt-${String(i).padStart(12, '0')}","pad":"${'x'.repeat(4000)}${i}"}`;
      ids.add(payload.slice(13, 29));
    }
    gc();
    // Assess: 40 MB of payloads were made; what stays on the heap is far less
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 2 ** 20);
    expect(ids.has(`evt-${String(9_999).padStart(12, '0')}`)).toBe(true);
  });

  it('tells apart ids whose lengths differ by 65,536 code units or more, and finds both', () => {
    // Prepare: lengths equal in their low 16 bits
    const ids = new IdSet(10);
    const short = 'x';
    const long = 'x'.repeat(65_537);

    // Act
    const added = [ids.add(short), ids.add(long), ids.add(long)];
    ids.delete(short);

    // Assess
    expect(added).toEqual([true, true, false]);
    expect([ids.has(short), ids.has(long), ids.has('x'.repeat(65_536))]).toEqual([false, true, false]);
  });

  it('takes 5 bytes a slot, a byte of them probed: 2.5 MiB for a 200,000-id set, beside its 12.8 MB of code units', () => {
    // Prepare
    const before = process.memoryUsage().arrayBuffers;

    // Act
    const ids = new IdSet(200_000);
    const taken = process.memoryUsage().arrayBuffers - before;

    // Assess: 2^19 slots (at least twice the ids) x (1-byte tag + 4-byte start), and 32 code units an id reserved
    expect(taken).toBeLessThanOrEqual(2 ** 19 * 5 + 200_000 * 32 * 2);
    expect(ids.add('e1')).toBe(true);
  });

  it('finds every id it holds and none it does not among 50,000, many of them sharing a slot tag', () => {
    // Prepare: 50,000 ids in 2^17 slots; a tag is one of 255 values, so thousands of probes meet
    // another id's equal tag and must compare the ids themselves
    const ids = new IdSet(50_000, 1);
    const held = Array.from({ length: 50_000 }, (_, i) => `car-${i % 20}-${i}`);
    const absent = Array.from({ length: 50_000 }, (_, i) => `car-${i % 20}-${i + 50_000}`);

    // Act
    const added = held.filter((id) => ids.add(id)).length;
    const readded = held.filter((id) => ids.addStaged(id, ids.stage(id))).length;

    // Assess
    expect([added, readded, ids.size]).toEqual([50_000, 0, 50_000]);
    expect(held.every((id) => ids.has(id))).toBe(true);
    expect(absent.some((id) => ids.has(id))).toBe(false);
  });

  it('says when it is full and refuses to grow past its capacity', () => {
    // Prepare
    const ids = new IdSet(3);
    // Act
    for (const id of ['a', 'b', 'c']) ids.add(id);
    // Assess
    expect(ids.full).toBe(true);
    expect(ids.add('c')).toBe(false);
    expect(() => ids.add('d')).toThrow(/full/);
  });
});

describe('Class: DeliveryLedger remembers between capacity/2 and capacity event ids', () => {
  it('keeps the previous generation when the young one fills up, and forgets the one before', () => {
    // Prepare
    const ledger = new DeliveryLedger(4);
    // Act
    const first = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ledger.claim(id));
    // Assess: a, b filled the first generation; c, d the second; e moved c, d to old and dropped a, b.
    expect(first).toEqual([true, true, true, true, true, true]);
    expect(['c', 'd', 'e', 'f'].map((id) => ledger.claim(id))).toEqual([false, false, false, false]);
    expect(ledger.claim('a')).toBe(true);
  });

  it('releases a claim even after it moved to the old generation within the batch', () => {
    // Prepare
    const ledger = new DeliveryLedger(4);
    ledger.claim('a');
    ledger.claim('b');
    ledger.claim('c'); // a, b move to the old generation
    // Act
    ledger.release(['a', 'c']);
    // Assess
    expect(ledger.claim('b')).toBe(false);
    expect(ledger.claim('a')).toBe(true);
    expect(ledger.claim('c')).toBe(true);
  });
});

describe('Function: DeliveryLedger.claim() hashes an id once', () => {
  it('looks an id up in both generations with one hash, and still finds ids of the old one', () => {
    // Prepare: a, b in the old generation, c in the young one.
    const ledger = new DeliveryLedger(4);
    for (const id of ['a', 'b', 'c']) ledger.claim(id);
    const { hash, stage } = IdSet.prototype;
    let hashes = 0;
    IdSet.prototype.hash = function (this: IdSet, id: string) {
      hashes++;
      return hash.call(this, id);
    };
    IdSet.prototype.stage = function (this: IdSet, id: string) {
      hashes++;
      return stage.call(this, id);
    };
    // Act
    let claims: boolean[];
    try {
      claims = ['a', 'c', 'x'].map((id) => ledger.claim(id));
    } finally {
      Object.assign(IdSet.prototype, { hash, stage });
    }
    // Assess: one pass over each id (hash, or stage: hash and copy)
    expect(claims).toEqual([false, false, true]);
    expect(hashes).toBe(3);
  });

  it('gives an id the same hash in sets that share a seed', () => {
    // Prepare
    const a = new IdSet(8, 42);
    const b = new IdSet(8, 42);
    // Act, Assess
    expect(a.hash('car-1')).toBe(b.hash('car-1'));
    expect(b.add('car-1')).toBe(true);
    expect(b.has('car-1', a.hash('car-1'))).toBe(true);
  });
});

describe('Function: DeliveryLedger.deliveredPerKey() compares a batch once when it can', () => {
  const seq = (n: number) => String(n).padStart(56, '0');
  const commitBatch = (ledger: DeliveryLedger, keys: string[], from: number) =>
    ledger.commit(
      'stream/shard-0',
      (i) => keys[i]!,
      (i) => seq(from + i),
      keys.length,
    );

  it('gives no per-key numbers to a batch that starts past everything committed on the shard', () => {
    // Prepare
    const ledger = new DeliveryLedger(10);
    commitBatch(ledger, ['k1', 'k2', 'k1'], 1);
    // Act, Assess: 1-3 were committed; a batch from 4 holds no redelivery.
    expect(ledger.deliveredPerKey('stream/shard-0', seq(4))).toBeUndefined();
    expect(ledger.deliveredPerKey('stream/shard-1', seq(1))).toBeUndefined();
  });

  it('gives the per-key numbers to a batch that starts at or below the highest committed', () => {
    // Prepare: with several batches in flight, k2's later records landed before k1's retry.
    const ledger = new DeliveryLedger(10);
    commitBatch(ledger, ['k1'], 1);
    commitBatch(ledger, ['k2', 'k2'], 5);
    // Act
    const perKey = ledger.deliveredPerKey('stream/shard-0', seq(2));
    // Assess
    expect(perKey?.get('k1')).toBe(seq(1));
    expect(perKey?.get('k2')).toBe(seq(6));
    expect(ledger.deliveredPerKey('stream/shard-0', seq(6))).toBe(perKey);
    expect(ledger.deliveredPerKey('stream/shard-0', seq(7))).toBeUndefined();
  });

  it('keeps the highest when a lower batch of another key commits after it', () => {
    // Prepare
    const ledger = new DeliveryLedger(10);
    commitBatch(ledger, ['k2'], 9);
    // Act
    commitBatch(ledger, ['k1', 'k1'], 3);
    // Assess
    expect(ledger.deliveredPerKey('stream/shard-0', seq(9))).toBeDefined();
    expect(ledger.deliveredPerKey('stream/shard-0', seq(10))).toBeUndefined();
  });
});
