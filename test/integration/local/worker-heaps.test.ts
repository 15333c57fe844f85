import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();

/**
 * Loaded into every thread of the run (`--import`, which workers inherit): in a worker, short-lived
 * objects are allocated until the new space has grown as far as V8 lets it, and its largest size
 * is printed with the worker's kind (an ingest worker's data names the lake's delivery streams).
 */
const PRELOAD = `
import { isMainThread, workerData } from 'node:worker_threads';
import { getHeapSpaceStatistics } from 'node:v8';
if (!isMainThread) {
  let keep = [];
  let max = 0;
  for (let i = 0; i < 4e6; i++) {
    keep.push({ i });
    if (keep.length > 500000) keep = [];
    if (i % 50000 === 0) max = Math.max(max, getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
  }
  const kind = 'lakeStreamPrefix' in workerData ? 'ingest' : 'aggregate';
  process.stderr.write('new-space ' + kind + ' ' + max / 2 ** 20 + '\\n');
}
`;

describe('fleetstream run: worker heaps', () => {
  it('given a run on worker threads, each worker gets the young generation it asks for (ingest 64 MB of new space, aggregate 32 MB)', async () => {
    // Prepare
    const outDir = tempOut('worker-heaps');
    const preload = join(outDir, '..', 'worker-heaps-preload.mjs');
    writeFileSync(preload, PRELOAD);

    // Act
    const { stderr } = await promisify(execFile)(process.execPath, [
      '--import',
      preload,
      join(repoRoot, 'dist', 'cli.js'),
      'run',
      '--events',
      '2000',
      '--shards',
      '2',
      '--ingest-workers',
      '2',
      '--no-verify',
      '--out',
      outDir,
    ]);

    // Assess: a V8 flag set in the process (the CLI once set --max-semi-space-size=16) would cap them all at 32
    const sizes = [...stderr.matchAll(/new-space (\w+) (\d+)/g)].map(([, kind, mb]) => `${kind} ${mb}`).sort();
    expect(sizes).toEqual(['aggregate 32', 'ingest 64', 'ingest 64']);
  }, 60_000);
});
