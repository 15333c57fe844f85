import { listNamedQueries } from '#src/adapters/file/named-queries.js';

/**
 * The SQL constructs whose meaning differs between Athena's engine (Trino) and DuckDB, which runs
 * the same queries locally: a named query must not use them (test/integration/local/named-queries
 * checks the results).
 */
const ENGINE_DEPENDENT: [RegExp, string][] = [
  // Trino counts whole units elapsed, DuckDB unit boundaries crossed; they agree only on the finest
  // unit the timestamps carry (milliseconds).
  [/date_diff\s*\(\s*'(?!millisecond')/i, "date_diff in a unit other than 'millisecond'"],
  [/datediff\s*\(/i, 'datediff (DuckDB only)'],
  // bigint / bigint truncates in Trino and is a double division in DuckDB.
  [/\/\/|\bdiv\b/i, 'integer division operators of one engine'],
];

describe('Named queries: SQL that means the same on Athena and DuckDB', () => {
  it.each(listNamedQueries(process.cwd()).map((q) => [q.name, q.sql] as const))(
    '%s avoids the constructs the engines read differently',
    (_name, sql) => {
      // Act
      const code = sql.replace(/--.*$/gm, '');
      const found = ENGINE_DEPENDENT.filter(([pattern]) => pattern.test(code)).map(([, what]) => what);

      // Assess
      expect(code.trim().length).toBeGreaterThan(0);
      expect(found).toEqual([]);
    },
  );
});
