import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** A fresh output folder (not yet created) under a new temporary directory, as `--out` takes it. */
export const tempOut = (name: string): string => join(mkdtempSync(join(tmpdir(), `fleetstream-${name}-`)), 'out');

/** The objects of a JSONL file (gzip-compressed when it ends in .gz), one per non-empty line. */
// biome-ignore lint/suspicious/noExplicitAny: test reads of free-form JSON lines, checked field by field.
export const readJsonl = (path: string): any[] =>
  (path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
