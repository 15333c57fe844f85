import fc from 'fast-check';
import { decimalText } from '#src/simulate/decimal-text.js';

describe('Function: decimalText()', () => {
  it.each([
    [0, 6, '0'],
    [-0, 6, '0'],
    [52, 1, '5.2'],
    [50, 1, '5'],
    [-224721, 6, '-0.224721'],
    [51690262, 6, '51.690262'],
    [5, 6, '0.000005'],
    [1, 6, '0.000001'],
    [-1000000, 6, '-1'],
    [120000, 6, '0.12'],
  ])('writes %s with %s decimals as %s', (scaled, decimals, text) => {
    expect(decimalText(scaled, decimals)).toBe(text);
  });

  it('writes what String() writes of the scaled-down number, for any integer and 0 to 6 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31) + 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 6 }), (n, d) => {
        expect(decimalText(n, d)).toBe(String(n / 10 ** d));
      }),
      { numRuns: 20_000 },
    );
  });
});
