import fc from 'fast-check';
import { DeliveryLedger } from '#src/ingest/delivery-ledger.js';
import { IdSet } from '#src/ingest/id-set.js';

describe('Class: IdSet holds exactly what a Set would', () => {
  it('agrees with a Set on any sequence of adds, deletes and lookups', () => {
    // Prepare
    const op = fc.tuple(fc.constantFrom('add', 'delete', 'has'), fc.string({ maxLength: 6 }));
    // Act, Assess
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const ids = new IdSet(1000);
        const expected = new Set<string>();
        for (const [kind, id] of ops) {
          if (kind === 'add') {
            const fresh = !expected.has(id);
            expected.add(id);
            expect(ids.add(id)).toBe(fresh);
          } else if (kind === 'delete') expect(ids.delete(id)).toBe(expected.delete(id));
          else expect(ids.has(id)).toBe(expected.has(id));
          expect(ids.size).toBe(expected.size);
        }
      }),
    );
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
    const original = IdSet.prototype.hash;
    let hashes = 0;
    IdSet.prototype.hash = function (this: IdSet, id: string) {
      hashes++;
      return original.call(this, id);
    };
    // Act
    let claims: boolean[];
    try {
      claims = ['a', 'c', 'x'].map((id) => ledger.claim(id));
    } finally {
      IdSet.prototype.hash = original;
    }
    // Assess
    expect(claims).toEqual([false, false, true]);
    expect(hashes).toBe(3);
  });

  it('gives an id the same hash in sets that share a seed', () => {
    // Prepare
    const a = new IdSet(8, 42);
    const b = new IdSet(8, 42);
    // Act, Assess
    expect(a.hash('car-1')).toBe(b.hash('car-1'));
    expect(b.add('car-1', a.hash('car-1'))).toBe(true);
    expect(b.has('car-1')).toBe(true);
  });
});
