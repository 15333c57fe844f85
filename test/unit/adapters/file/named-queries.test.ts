import {
  athenaExecutionParameters,
  countParameters,
  isDay,
  type NamedQuery,
  windowParameters,
} from '#src/adapters/file/named-queries.js';

const twoTables: NamedQuery = {
  name: 'two',
  description: '',
  sql: "-- isn't a ? here\nSELECT 1 FROM a WHERE dt BETWEEN ? AND ? AND x <> '?'\nUNION ALL\nSELECT 1 FROM b WHERE dt BETWEEN ? AND ?",
};

describe('Function: windowParameters()', () => {
  it('binds from and to once per dt BETWEEN ? AND ?, in the order they occur', () => {
    // Act
    const values = windowParameters(twoTables, { from: '2026-11-24', to: '2026-11-25' });

    // Assess: the ? in the comment and in the literal are not placeholders
    expect(countParameters(twoTables.sql)).toBe(4);
    expect(values).toEqual(['2026-11-24', '2026-11-25', '2026-11-24', '2026-11-25']);
  });

  it('gives Athena each value as a quoted string literal', () => {
    // Act
    const values = athenaExecutionParameters(twoTables, { from: '2026-11-24', to: '2026-11-24' });

    // Assess
    expect(values).toEqual(["'2026-11-24'", "'2026-11-24'", "'2026-11-24'", "'2026-11-24'"]);
  });

  it.each([
    [{ from: '2026-11-25', to: '2026-11-24' }, /starts after it ends/],
    [{ from: '2026-02-30', to: '2026-03-01' }, /two days/],
    [{ from: '26-11-24', to: '2026-11-24' }, /two days/],
  ])('refuses the window %j', (window, message) => {
    // Act / Assess
    expect(() => windowParameters(twoTables, window)).toThrow(message);
  });

  it('refuses SQL with a placeholder outside a dt pair', () => {
    // Prepare
    const stray: NamedQuery = {
      name: 'stray',
      description: '',
      sql: 'SELECT 1 FROM a WHERE dt BETWEEN ? AND ? AND x = ?',
    };

    // Act / Assess
    expect(() => windowParameters(stray, { from: '2026-11-24', to: '2026-11-24' })).toThrow(/stray/);
  });
});

describe('Function: isDay()', () => {
  it.each([
    ['2026-11-24', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-1-01', false],
    ['', false],
  ])('%s → %s', (text, expected) => {
    // Act / Assess
    expect(isDay(text)).toBe(expected);
  });
});
