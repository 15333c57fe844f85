import fc from 'fast-check';
import {
  compileSerializer,
  INTERNED_STRINGS,
  REMEMBERED_LINES,
  type SerialField,
} from '#src/schema/compile-serializer.js';

const fields: SerialField[] = [
  { name: 'event_id', kind: 'string' },
  { name: 'ts', kind: 'timestamp' },
  { name: 'speed', kind: 'number' },
  { name: 'enriched', kind: 'boolean' },
  { name: 'location', kind: 'json' },
];

describe('Function: compileSerializer()', () => {
  it('writes exactly the given fields in order, dropping extras and nulling absent values', () => {
    // Prepare
    const serialize = compileSerializer(fields);

    // Act
    const line = serialize({ speed: 88.5, event_id: 'a', extra: 'dropped', location: { lat: 1, lon: 2 } });

    // Assess
    expect(line).toBe('{"event_id":"a","ts":null,"speed":88.5,"enriched":null,"location":{"lat":1,"lon":2}}');
  });

  it('matches JSON.stringify on the same projection for any values', () => {
    const serialize = compileSerializer(fields);
    fc.assert(
      fc.property(
        fc.record({
          event_id: fc.string({ unit: 'binary' }),
          ts: fc.integer(),
          speed: fc.double({ noNaN: true, noDefaultInfinity: true }),
          enriched: fc.boolean(),
          location: fc.record({ lat: fc.double({ noNaN: true, noDefaultInfinity: true }), lon: fc.integer() }),
        }),
        (row) => {
          const expected = JSON.stringify({
            event_id: row.event_id,
            ts: row.ts,
            speed: row.speed,
            enriched: row.enriched,
            location: row.location,
          });
          expect(JSON.parse(serialize(row))).toEqual(JSON.parse(expected));
        },
      ),
    );
  });

  it('escapes quotes, backslashes and control characters', () => {
    const serialize = compileSerializer([{ name: 's', kind: 'string' }]);
    expect(JSON.parse(serialize({ s: 'a"b\\c\n\u0001' }))).toEqual({ s: 'a"b\\c\n\u0001' });
  });
});

describe('Function: compileSerializer() with internStrings', () => {
  it('writes what the plain serialiser writes for repeated, escaped and more than INTERNED_STRINGS distinct strings', () => {
    // Prepare
    const stringFields: SerialField[] = [
      { name: 'make', kind: 'string' },
      { name: 'model', kind: 'string' },
    ];
    const plain = compileSerializer(stringFields, ',');
    const interned = compileSerializer(stringFields, ',', { internStrings: true });
    const values = fc.sample(fc.string({ unit: 'binary', maxLength: 8 }), 300);
    const rows = [
      ...Array.from({ length: INTERNED_STRINGS + 50 }, (_, k) => ({ make: `m${k}`, model: 'C"500' })),
      ...values.flatMap((make, k) => [
        { make, model: values[(k * 7) % values.length] },
        { make, model: make },
      ]),
      { make: '\u2028', model: null },
    ];
    // Act
    const lines = rows.map((row) => interned(row));
    // Assess
    expect(lines.length).toBeGreaterThan(INTERNED_STRINGS);
    expect(lines).toEqual(rows.map((row) => plain(row)));
    expect(lines[0]).toBe(',"make":"m0","model":"C\\"500"}');
  });
});

describe('Function: compileSerializer() with rememberLines', () => {
  it('writes what the plain serialiser writes when rows repeat, differ only after the first field, or hold objects that change', () => {
    // Prepare
    const derived: SerialField[] = [
      { name: 'driver_id', kind: 'number' },
      { name: 'make', kind: 'string' },
      { name: 'enriched', kind: 'boolean' },
      { name: 'extra', kind: 'json' },
    ];
    const plain = compileSerializer(derived, ',');
    const remembering = compileSerializer(derived, ',', { internStrings: true, rememberLines: true });
    const shared = { n: 1 };
    const rows: Record<string, unknown>[] = [
      { driver_id: 1, make: 'BMW', enriched: true },
      { driver_id: 1, make: 'BMW', enriched: true },
      { driver_id: 1, make: 'Audi', enriched: true },
      { driver_id: 1, make: 'Audi', enriched: false },
      { driver_id: 1, make: 1, enriched: false },
      { driver_id: null, make: null, enriched: false },
      { driver_id: Number.NaN, make: 'x', enriched: true },
      { driver_id: Number.NaN, make: 'x', enriched: true },
      { driver_id: -0, make: 'x', enriched: true },
      { driver_id: 0, make: 'x', enriched: true },
      { driver_id: 2, make: 'y', enriched: true, extra: shared },
      { driver_id: 2, make: 'y', enriched: true, extra: shared },
      ...Array.from({ length: REMEMBERED_LINES + 10 }, (_, k) => ({ driver_id: k, make: 'z', enriched: true })),
      { driver_id: 0, make: 'x', enriched: true },
      { driver_id: 3, make: '"q"', enriched: true },
    ];
    const lines: string[] = [];
    const expected: string[] = [];
    // Act
    for (const row of rows) {
      lines.push(remembering(row));
      expected.push(plain(row));
      shared.n++;
    }
    // Assess
    expect(lines).toEqual(expected);
    expect(lines[11]).toBe(',"driver_id":2,"make":"y","enriched":true,"extra":{"n":12}}');
  });
});
