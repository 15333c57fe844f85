import fc from 'fast-check';
import { formatIdLines } from '#local/run/run-accounting.js';

describe('Function: formatIdLines()', () => {
  it('writes each id (and type) exactly as JSON.stringify would, whatever its characters', () => {
    // Prepare: any UTF-16 text, lone surrogates, quotes, backslashes and control characters included
    const text = fc.string({ unit: 'binary' });
    const ids = fc.array(fc.oneof(text, fc.record({ id: text, type: text })), { maxLength: 20 });
    // Act, Assess
    fc.assert(
      fc.property(ids, (given) => {
        const expected = given
          .map((id) =>
            typeof id === 'string'
              ? `{"id":${JSON.stringify(id)}}\n`
              : `{"id":${JSON.stringify(id.id)},"type":${JSON.stringify(id.type)}}\n`,
          )
          .join('');
        expect(formatIdLines(given)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes what a plain id cannot hold', () => {
    // Prepare
    const ids = ['a"b', 'a\\b', 'a\nb', '\ud800', '😀', 'plain-id'];
    // Act
    const lines = formatIdLines(ids).trimEnd().split('\n');
    // Assess
    expect(lines.map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(ids);
    expect(lines[3]).toBe('{"id":"\\ud800"}');
  });
});
