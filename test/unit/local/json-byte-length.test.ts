import fc from 'fast-check';
import { jsonByteLength } from '#local/esm/json-byte-length.js';

const written = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
};

/** Long strings of each kind: plain ASCII, and ASCII with one character that JSON escapes or that is not ASCII. */
const longString = fc
  .tuple(
    fc.integer({ min: 4096, max: 9000 }),
    fc.constantFrom('', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '€', '\ud800', '😀'),
    fc.nat(),
  )
  .map(([length, odd, at]) => {
    const text = 'A'.repeat(length);
    const cut = at % length;
    return `${text.slice(0, cut)}${odd}${text.slice(cut)}`;
  });

describe('Function: jsonByteLength()', () => {
  it('is the byte length of the JSON text, for any JSON value and long strings that need escaping or not', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(longString, { maxLength: 3 }), (value, strings) => {
        // Prepare
        const state = { value, strings, nested: { seen: strings[0] ?? '' } };

        // Act
        const bytes = jsonByteLength(state);

        // Assess
        expect(bytes).toBe(written(state));
      }),
      { numRuns: 200 },
    );
  });

  it('measures a 683 KiB base64 seen set as the JSON text does, and what JSON.stringify leaves undefined as 0', () => {
    // Prepare
    const seen = Buffer.alloc(512_000, 0xab).toString('base64');

    // Act
    const bytes = jsonByteLength({ watermark: 1, seen });

    // Assess
    expect(bytes).toBe(written({ watermark: 1, seen }));
    expect(jsonByteLength(undefined)).toBe(0);
  });

  it('measures each of a run of long strings that grow and change at their end as the JSON text does', () => {
    // Prepare: each string is the one before, cut somewhere, then a tail that may need escaping
    const step = fc.tuple(
      fc.nat(),
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom('', '"', '\\', '\n', '\u007f', 'é', '\ud800'),
      fc.nat(),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
        let seen = Buffer.alloc(4200, 0xab).toString('base64');
        for (const [cut, grow, odd, at] of steps) {
          const kept = seen.slice(0, seen.length - (cut % 100));
          const tail = 'B'.repeat(grow);
          const where = at % (tail.length + 1);
          seen = `${kept}${tail.slice(0, where)}${odd}${tail.slice(where)}`;
          // Act, Assess
          expect(jsonByteLength({ watermark: 1, seen })).toBe(written({ watermark: 1, seen }));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('measures a run of states of long strings, each seen before or not, as the JSON text does', () => {
    // Prepare: the strings a state's chunks are drawn from, verbatim ones and ones that need escaping
    fc.assert(
      fc.property(
        fc.array(longString, { minLength: 1, maxLength: 6 }),
        fc.array(fc.array(fc.nat(), { maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        (pool, states) => {
          for (const picks of states) {
            const seen = picks.map((pick) => pool[pick % pool.length]!);
            // Act, Assess
            expect(jsonByteLength({ watermark: 1, seen })).toBe(written({ watermark: 1, seen }));
            // The same text in a new string measures the same.
            const copies = seen.map((chunk) => `${chunk.slice(0, 1)}${chunk.slice(1)}`);
            expect(jsonByteLength({ seen: copies })).toBe(written({ seen: copies }));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('measures strings checked long ago, after many others, as the JSON text does', () => {
    // Prepare: more distinct strings than it remembers (2 x 2 MiB characters)
    const strings = Array.from({ length: 400 }, (_, i) => `${i}`.padEnd(12_288, 'A'));
    const escaped = strings.map((text) => `${text.slice(0, 100)}"${text.slice(100)}`);
    for (const text of strings) jsonByteLength({ seen: [text] });

    // Act
    const again = strings.map((text) => jsonByteLength({ seen: [text] }));
    const changed = escaped.map((text) => jsonByteLength({ seen: [text] }));

    // Assess
    expect(again).toEqual(strings.map((text) => written({ seen: [text] })));
    expect(changed).toEqual(escaped.map((text) => written({ seen: [text] })));
  });

  it('measures a chunked seen state at 1 MiB exactly, and one more character in its last chunk past it', () => {
    // Prepare: chunks as the aggregate writes them, the last one padded to bring the JSON to 1 MiB
    const limit = 1024 * 1024;
    const chunks = Array.from({ length: 250 }, (_, c) => Buffer.alloc(3072, c).toString('base64'));
    const state = (last: string) => ({ watermark: 1, open: {}, seen: [...chunks, last] });
    const last = 'A'.repeat(limit - written(state('')));
    jsonByteLength(state(last.slice(1)));

    // Act
    const at = jsonByteLength(state(last));
    const past = jsonByteLength(state(`${last}B`));

    // Assess
    expect(written(state(last))).toBe(limit);
    expect(at).toBe(limit);
    expect(past).toBe(limit + 1);
  });

  it('is the byte length of the JSON text for any value, plain object or not, with arrays of strings and odd keys', () => {
    // Prepare: values JSON.stringify writes, leaves out (undefined, functions) or rewrites (holes, toJSON, -0, NaN)
    const holed: unknown[] = [];
    holed[1] = 'hole';
    const odd = fc.constantFrom<unknown>(
      undefined,
      () => 1,
      Number.NaN,
      -0,
      new Date(0),
      { toJSON: (key: string) => `key ${key}` },
      Object.create(null),
      holed,
      new Map([[1, 2]]),
    );
    const member = fc.oneof(fc.jsonValue(), longString, fc.array(fc.oneof(longString, fc.string())), odd);
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.string({ unit: 'binary' }), member), member), (value) => {
        // Act
        const bytes = jsonByteLength(value);

        // Assess
        expect(bytes).toBe(written(value));
      }),
      { numRuns: 200 },
    );
  });
});
