import fc from 'fast-check';
import { compileSerializer, type SerialField } from '#src/schema/compile-serializer.js';

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
