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
});
