import { parseArgs } from 'node:util';
import { type DtWindow, isDay } from '#src/adapters/file/named-queries.js';
import { UsageError } from './usage-error.js';

/** What `fleetstream query` was asked for. */
export interface QueryOptions {
  out: string | undefined;
  list: boolean;
  format: string | undefined;
  /** A named query (queries/*.sql), or undefined for raw SQL. */
  name: string | undefined;
  /** Raw SQL from the positionals ('' with --name or --list). */
  sql: string;
  /** The bounds of a named query's window that were given; the rest default to the lake's dt range. */
  window: Partial<DtWindow>;
}

/** The usage lines of `fleetstream query`. */
export const QUERY_USAGE = `  fleetstream query [--out DIR] "SQL"
  fleetstream query [--out DIR] --name QUERY [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                    (named queries: queries/*.sql; --list shows them)`;

/** Parses and checks the arguments of `fleetstream query`; every mistake is a UsageError naming the flag. */
export function parseQueryArgs(argv: string[]): QueryOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      name: { type: 'string' },
      list: { type: 'boolean' },
      format: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const sql = positionals.join(' ');
  const window: Partial<DtWindow> = {};
  for (const bound of ['from', 'to'] as const) {
    const day = values[bound];
    if (day === undefined) continue;
    if (!values.name)
      throw new UsageError(`--${bound} is the window of a named query (--name); raw SQL says its own WHERE dt …`);
    if (!isDay(day)) throw new UsageError(`--${bound} must be a day YYYY-MM-DD, got "${day}"`);
    window[bound] = day;
  }
  if (window.from !== undefined && window.to !== undefined && window.from > window.to)
    throw new UsageError(`--from ${window.from} is after --to ${window.to}`);
  if (values.name && sql.trim() !== '') throw new UsageError('give SQL or --name QUERY, not both');
  if (!values.list && !values.name && sql.trim() === '') throw new UsageError('give SQL or --name QUERY');
  if (values.format !== undefined && values.format !== 'json' && values.format !== 'table')
    throw new UsageError(`--format must be table or json, got "${values.format}"`);
  return { out: values.out, list: values.list ?? false, format: values.format, name: values.name, sql, window };
}
