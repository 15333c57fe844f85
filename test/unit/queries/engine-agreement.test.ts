import { lakeTables } from '#local/cost/stack-inventory.js';
import { countParameters, listNamedQueries } from '#src/adapters/file/named-queries.js';
import { tablesRead } from '#src/cost/athena.js';

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

describe('Named queries: one event-time window, as Athena execution parameters and DuckDB bind it', () => {
  it.each(listNamedQueries(process.cwd()).map((q) => [q.name, q.sql] as const))(
    '%s filters every table it reads on dt BETWEEN ? AND ?, in the WHERE clause right after its FROM',
    (_name, sql) => {
      // Act
      const code = sql.replace(/--.*$/gm, '');
      const tables = tablesRead(code, lakeTables()).map((t) => t.name);
      // Athena: "`?` parameters can be placed only in the WHERE clause", never in quotes
      // (https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html).
      const filtered = [...code.matchAll(/\bFROM\s+"?([a-z_]+)"?\s+WHERE\s+dt\s+BETWEEN\s+\?\s+AND\s+\?/gi)].map(
        (m) => m[1],
      );
      const froms = [...code.matchAll(/\bFROM\s+"?([a-z_]+)/gi)].map((m) => m[1]);

      // Assess
      expect(tables.length).toBeGreaterThan(0);
      expect(countParameters(sql)).toBe(2 * froms.length);
      expect(filtered).toEqual(froms);
      expect(new Set(froms)).toEqual(new Set(tables));
      expect(code).not.toMatch(/'\?'|"\?"/);
    },
  );
});
