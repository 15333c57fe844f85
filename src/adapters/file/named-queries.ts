import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A named query from `queries/<name>.sql`: the same SQL runs in Athena (a NamedQuery) and DuckDB.
 *
 * Every named query reads one event-time window: each table it reads (each UNION ALL branch) has
 * `dt BETWEEN ? AND ?`, so a run binds the window's first and last day ('yyyy-MM-dd', inclusive),
 * once per table, in the order the placeholders occur. Athena takes them as execution parameters:
 * positional `?` only, values applied in order, only in SELECT / INSERT INTO / CTAS / UNLOAD, and
 * "currently `?` parameters can be placed only in the WHERE clause", never inside quotes
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html,
 * https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements-querying-using-execution-parameters.html).
 * A string value is written as a quoted literal (`'2026-11-24'`): "To treat SQL execution parameters
 * as strings, they must be enclosed in single quotes" (same page). A NamedQuery stores its
 * QueryString as text (https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateNamedQuery.html);
 * the docs do not say a saved query may not hold `?`, and the console prompts for the values of any
 * query that has them. `dt` is a Glue `string` partition key projected as a `date` in 'yyyy-MM-dd',
 * so the comparison is string to string (chronological for that format) and Athena generates only
 * the window's partitions from it ("Athena uses the conditions on the … partition key in combination
 * with the range to generate values":
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html).
 */
export interface NamedQuery {
  name: string;
  description: string;
  sql: string;
}

/** An event-time window of whole days: dt from `from` to `to`, both 'YYYY-MM-DD' and inclusive. */
export interface DtWindow {
  from: string;
  to: string;
}

/** Every `queries/*.sql`, read from its `-- name:` and `-- description:` header. */
export function listNamedQueries(repoRoot: string): NamedQuery[] {
  const dir = join(repoRoot, 'queries');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      const name = /^-- name:\s*(\S+)/m.exec(sql)?.[1] ?? file.replace(/\.sql$/, '');
      const description = /^-- description:\s*(.+)$/m.exec(sql)?.[1] ?? '';
      return { name, description, sql };
    });
}

/** The SQL without `--` comments and with string literals emptied: what placeholders are counted in. */
function codeOf(sql: string): string {
  // One left-to-right pass, so a quote inside a comment or `--` inside a literal is read as such.
  return sql.replace(/'(?:[^']|'')*'|--[^\n]*/g, (token) => (token.startsWith('--') ? '' : "''"));
}

/** How many `?` placeholders a query's SQL has (outside comments and string literals). */
export function countParameters(sql: string): number {
  return (codeOf(sql).match(/\?/g) ?? []).length;
}

/** Whether a text is a real calendar day written 'YYYY-MM-DD'. */
export function isDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/**
 * The values of a named query's placeholders for a window: from, to, once per `dt BETWEEN ? AND ?`.
 * Throws on a window that is not two days in order, or SQL whose placeholders are not such pairs.
 *
 * @example windowParameters(query, { from: '2026-11-24', to: '2026-11-24' }) // ['2026-11-24', '2026-11-24']
 */
export function windowParameters(query: NamedQuery, window: DtWindow): string[] {
  if (!isDay(window.from) || !isDay(window.to))
    throw new Error(`a window is two days YYYY-MM-DD, got ${window.from} .. ${window.to}`);
  if (window.from > window.to) throw new Error(`the window starts after it ends: ${window.from} > ${window.to}`);
  const pairs = (codeOf(query.sql).match(/\bdt\s+BETWEEN\s+\?\s+AND\s+\?/gi) ?? []).length;
  const count = countParameters(query.sql);
  if (pairs === 0 || count !== 2 * pairs)
    throw new Error(`${query.name}: every placeholder must be in a "dt BETWEEN ? AND ?" (${count} ?, ${pairs} pairs)`);
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? window.from : window.to));
}

/**
 * The same values as Athena's `ExecutionParameters` take them: each a quoted string literal.
 *
 * @example athenaExecutionParameters(query, window) // ["'2026-11-24'", "'2026-11-24'"]
 */
export function athenaExecutionParameters(query: NamedQuery, window: DtWindow): string[] {
  return windowParameters(query, window).map((day) => `'${day}'`);
}
