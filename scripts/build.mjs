// Bundles the command-line entry points into dist/ (schemas inlined, npm packages left external),
// and the dashboard page into dist/ui/ (everything inlined: the page loads nothing from outside).
// Lambda functions are bundled separately by serverless-esbuild at `sls package` time.
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const entryPoints = [
  { in: 'local/run/aggregate-worker.ts', out: 'aggregate-worker' },
  { in: 'local/run/ingest-worker.ts', out: 'ingest-worker' },
  { in: 'bench/run.ts', out: 'bench' },
  { in: 'bench/ui-overhead.ts', out: 'bench-ui' },
].filter((entry) => existsSync(entry.in));

const node = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
};
// The worker threads and the benches: each one file, so a thread loads exactly what its code imports.
await build({ ...node, entryPoints, banner: { js: '#!/usr/bin/env node' } });
// The CLI: what a command imports with `await import(...)` goes into chunks under dist/chunks/, loaded
// only when that command runs (`fleetstream --help` loads no AWS SDK client and no DuckDB).
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  ...node,
  entryPoints: [{ in: 'local/cli.ts', out: 'cli' }],
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: '#!/usr/bin/env node' },
});

// The dashboard page (`fleetstream run --ui`, `fleetstream ui`): ECharts, Leaflet and the page's
// code in one script, their CSS in one stylesheet (Leaflet's images inlined), and the country
// outlines of the basemap copied from the world-atlas package.
mkdirSync('dist/ui', { recursive: true });
await build({
  entryPoints: [{ in: 'local/ui/page/main.ts', out: 'dashboard' }],
  outdir: 'dist/ui',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome110',
  minify: true,
  sourcemap: 'linked',
  loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  logLevel: 'warning',
});
copyFileSync('local/ui/page/index.html', 'dist/ui/index.html');
const require = createRequire(import.meta.url);
copyFileSync(require.resolve('world-atlas/countries-50m.json'), 'dist/ui/countries-50m.json');
