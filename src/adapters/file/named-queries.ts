import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A named query from `queries/<name>.sql`: the same SQL runs in Athena (a NamedQuery) and DuckDB. */
export interface NamedQuery {
  name: string;
  description: string;
  sql: string;
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
