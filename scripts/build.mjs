// Bundles the command-line entry points into dist/ (schemas inlined, npm packages left external).
// Lambda functions are bundled separately by serverless-esbuild at `sls package` time.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';

const entryPoints = [
  { in: 'local/cli.ts', out: 'cli' },
  { in: 'local/run/aggregate-worker.ts', out: 'aggregate-worker' },
  { in: 'bench/run.ts', out: 'bench' },
].filter((entry) => existsSync(entry.in));

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  sourcemap: 'linked',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
