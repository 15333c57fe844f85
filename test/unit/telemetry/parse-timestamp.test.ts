import fc from 'fast-check';
import { parseTimestamp } from '#src/telemetry/parse-timestamp.js';

describe('Function: parseTimestamp()', () => {
  it.each([
    ['2026-11-24T08:00:00Z', Date.UTC(2026, 10, 24, 8)],
    ['2026-11-24T08:00:00.250Z', Date.UTC(2026, 10, 24, 8, 0, 0, 250)],
    ['2026-11-24T08:00:00.123456789Z', Date.UTC(2026, 10, 24, 8, 0, 0, 123)],
    ['2024-02-29T23:59:59+00:00', Date.UTC(2024, 1, 29, 23, 59, 59)],
    [1_795_507_200_000, 1_795_507_200_000],
  ])('reads %s', (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });

  it.each([
    '2021-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '1999-12-31T23:59:59Z',
  ])('gives NaN for %s, which names no instant in range', (input) => {
    expect(parseTimestamp(input)).toBeNaN();
  });

  it('agrees with Date.parse on every valid instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(parseTimestamp(iso)).toBe(Date.parse(iso));
      }),
    );
  });

  it('answers each of alternating timestamps for itself, the invalid one included (the last one is remembered)', () => {
    // Prepare
    const inputs = ['2026-11-24T08:00:00.000Z', '2021-02-29T00:00:00Z', '2026-11-24T08:00:00.000Z', 1795507201000];
    // Act
    const values = inputs.map((input) => parseTimestamp(input));
    // Assess
    expect(values).toEqual([
      Date.parse(inputs[0] as string),
      Number.NaN,
      Date.parse(inputs[0] as string),
      1795507201000,
    ]);
  });
});
