import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureE2e } from './e2e.bench.js';
import { measureIngest } from './ingest.bench.js';

// `npm run bench [-- --quick]`: medians of at least 5 runs, printed and saved to bench/results/latest.json.
// `npm run bench -- --ingest`: the ingest micro-benchmark only, printed, not saved (for A/B of the hot path).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const runs = 5;
const e2eEvents = quick ? 100_000 : 1_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

process.stderr.write(`ingest micro-benchmark (${runs} runs after a warm-up)…\n`);
const ingest = await measureIngest(repoRoot, runs);
if (process.argv.includes('--ingest')) {
  const ratio = Math.round((ingest.ingest_events_per_sec_per_core / ingest.jsonparse_events_per_sec) * 1000) / 1000;
  const cpuRatio = Math.round((ingest.ingest_events_per_cpu_sec / ingest.jsonparse_events_per_cpu_sec) * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({ ...ingest, ingest_to_jsonparse_ratio: ratio, ingest_to_jsonparse_cpu_ratio: cpuRatio })}\n`,
  );
  process.exit(0);
}
const e2e = [];
for (let i = 0; i < runs; i++) {
  process.stderr.write(`end-to-end run ${i + 1}/${runs}: ${e2eEvents.toLocaleString()} fleet events…\n`);
  e2e.push(await measureE2e(repoRoot, e2eEvents));
}
const results = {
  ingest_events_per_sec_per_core: ingest.ingest_events_per_sec_per_core,
  jsonparse_events_per_sec: ingest.jsonparse_events_per_sec,
  ingest_to_jsonparse_ratio:
    Math.round((ingest.ingest_events_per_sec_per_core / ingest.jsonparse_events_per_sec) * 1000) / 1000,
  e2e_events: e2eEvents,
  e2e_events_per_sec: median(e2e.map((r) => r.events_per_sec)),
  e2e_peak_rss_mb: median(e2e.map((r) => r.peak_rss_mb)),
  e2e_runs: e2e,
  runs,
  node: process.version,
  measured_at: new Date().toISOString(),
};
const width = Math.max(...Object.keys(results).map((k) => k.length));
for (const [key, value] of Object.entries(results)) {
  if (key !== 'e2e_runs')
    process.stdout.write(`${key.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString() : value}\n`);
}
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write('saved bench/results/latest.json\n');
