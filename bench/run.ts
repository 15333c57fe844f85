import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureE2e } from './e2e.bench.js';
import { measureIngest } from './ingest.bench.js';
import { measureAlertLatency, planLatencyRun } from './latency.bench.js';

// `npm run bench [-- --quick]`: medians of at least 5 runs (3 for latency), printed and saved to bench/results/latest.json.
// `npm run bench -- --ingest`: the ingest micro-benchmark only, printed, not saved (for A/B of the hot path).
// `npm run bench -- --latency [--latency-seconds S]`: the alert latency runs only, printed, not saved.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const runs = 5;
const e2eEvents = quick ? 100_000 : 1_000_000;
const latencyRuns = 3;
const latencyRate = 10_000;
const latencySecondsArg = process.argv.indexOf('--latency-seconds');
const latencySeconds = latencySecondsArg > 0 ? Number(process.argv[latencySecondsArg + 1]) : quick ? 10 : 60;
if (!Number.isInteger(latencySeconds) || latencySeconds <= 0) throw new Error('--latency-seconds takes whole seconds');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Event-to-alert latency: `latencyRuns` runs at 10,000 events/s with the local stage's mapping settings. */
async function latencyBench() {
  const plan = planLatencyRun(latencyRate, latencySeconds);
  const measured = [];
  for (let i = 0; i < latencyRuns; i++) {
    process.stderr.write(
      `alert latency run ${i + 1}/${latencyRuns}: ${plan.rate.toLocaleString()} events/s for ${plan.seconds} s, ${plan.cars.toLocaleString()} cars, ${plan.shards} shards…\n`,
    );
    measured.push(await measureAlertLatency(repoRoot, plan));
  }
  return {
    alert_latency_ms_p50: median(measured.map((r) => r.alert_latency_ms.p50)),
    alert_latency_ms_p99: median(measured.map((r) => r.alert_latency_ms.p99)),
    alert_latency_ms_max: median(measured.map((r) => r.alert_latency_ms.max)),
    alert_latency_plan: plan,
    alert_latency_runs: measured,
  };
}

if (process.argv.includes('--latency')) {
  process.stdout.write(`${JSON.stringify(await latencyBench(), null, 2)}\n`);
  process.exit(0);
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
const latency = await latencyBench();
const results = {
  ingest_events_per_sec_per_core: ingest.ingest_events_per_sec_per_core,
  jsonparse_events_per_sec: ingest.jsonparse_events_per_sec,
  ingest_to_jsonparse_ratio:
    Math.round((ingest.ingest_events_per_sec_per_core / ingest.jsonparse_events_per_sec) * 1000) / 1000,
  e2e_events: e2eEvents,
  e2e_events_per_sec: median(e2e.map((r) => r.events_per_sec)),
  e2e_peak_rss_mb: median(e2e.map((r) => r.peak_rss_mb)),
  e2e_runs: e2e,
  ...latency,
  runs,
  node: process.version,
  measured_at: new Date().toISOString(),
};
const width = Math.max(...Object.keys(results).map((k) => k.length));
for (const [key, value] of Object.entries(results)) {
  if (typeof value !== 'object')
    process.stdout.write(`${key.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString() : value}\n`);
}
mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write('saved bench/results/latest.json\n');
