import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type E2eRun, measureE2e } from './e2e.bench.js';
import { measureIngest } from './ingest.bench.js';
import { measureAlertLatency, planLatencyRun } from './latency.bench.js';

// `npm run bench [-- --quick]`: medians of at least 5 runs (3 for latency), printed and saved to bench/results/latest.json.
//   End to end: 1M fleet events (100k with --quick) with ingest on 1 and on 2 worker threads,
//   alternating so both see the same machine; events/s excludes the verification (timed apart).
// `npm run bench -- --long`: also one 10M-event run, whose peak RSS must stay within 1.2 times the
//   1M runs' (memory flat in the run's length); about ten minutes more.
// `npm run bench -- --ingest`: the ingest micro-benchmark only, printed, not saved (for A/B of the hot path).
// `npm run bench -- --latency [--latency-seconds S]`: the alert latency runs only, printed, not saved.
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const long = process.argv.includes('--long');
const runs = 5;
const e2eEvents = quick ? 100_000 : 1_000_000;
const latencyRuns = 3;
const latencyRate = 10_000;
const latencySecondsArg = process.argv.indexOf('--latency-seconds');
const latencySeconds = latencySecondsArg > 0 ? Number(process.argv[latencySecondsArg + 1]) : quick ? 10 : 60;
if (!Number.isInteger(latencySeconds) || latencySeconds <= 0) throw new Error('--latency-seconds takes whole seconds');
const longEvents = 10_000_000;
/** The CLI's default: one ingest worker per shard (the bench runs 2) up to the cores. */
const defaultWorkers = Math.min(2, availableParallelism());

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

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
  const ratioToFloor = ratio(ingest.ingest_events_per_sec_per_core, ingest.jsonparse_events_per_sec);
  const cpuRatio = ratio(ingest.ingest_events_per_cpu_sec, ingest.jsonparse_events_per_cpu_sec);
  process.stdout.write(
    `${JSON.stringify({ ...ingest, ingest_to_jsonparse_ratio: ratioToFloor, ingest_to_jsonparse_cpu_ratio: cpuRatio })}\n`,
  );
  process.exit(0);
}
const byWorkers: Record<number, E2eRun[]> = { 1: [], 2: [] };
for (let i = 0; i < runs; i++) {
  for (const workers of [1, 2]) {
    process.stderr.write(
      `end-to-end run ${i + 1}/${runs}: ${e2eEvents.toLocaleString()} fleet events, ${workers} ingest worker(s)…\n`,
    );
    byWorkers[workers]!.push(await measureE2e(repoRoot, e2eEvents, { ingestWorkers: workers }));
  }
}
const e2e = byWorkers[defaultWorkers]!;
const e2eEventsPerSec = median(e2e.map((r) => r.events_per_sec));
const e2ePeakRss = median(e2e.map((r) => r.peak_rss_mb));
const perSec1w = median(byWorkers[1]!.map((r) => r.events_per_sec));
const perSec2w = median(byWorkers[2]!.map((r) => r.events_per_sec));
const latency = await latencyBench();
let longRun: E2eRun | undefined;
const results = () => ({
  ingest_events_per_sec_per_core: ingest.ingest_events_per_sec_per_core,
  jsonparse_events_per_sec: ingest.jsonparse_events_per_sec,
  ingest_to_jsonparse_ratio: ratio(ingest.ingest_events_per_sec_per_core, ingest.jsonparse_events_per_sec),
  e2e_events: e2eEvents,
  e2e_ingest_workers: defaultWorkers,
  e2e_events_per_sec: e2eEventsPerSec,
  e2e_to_jsonparse_ratio: ratio(e2eEventsPerSec, ingest.jsonparse_events_per_sec),
  e2e_peak_rss_mb: e2ePeakRss,
  e2e_run_peak_rss_mb: median(e2e.map((r) => r.run_peak_rss_mb)),
  e2e_cpu_seconds: median(e2e.map((r) => r.cpu_seconds)),
  e2e_verification_seconds: median(e2e.map((r) => r.verification_seconds)),
  e2e_events_per_sec_1w: perSec1w,
  e2e_events_per_sec_2w: perSec2w,
  e2e_worker_scaling: ratio(perSec2w, perSec1w),
  e2e_peak_rss_mb_1w: median(byWorkers[1]!.map((r) => r.peak_rss_mb)),
  e2e_peak_rss_mb_2w: median(byWorkers[2]!.map((r) => r.peak_rss_mb)),
  ...(longRun
    ? {
        e2e_events_10m: longEvents,
        e2e_events_per_sec_10m: longRun.events_per_sec,
        e2e_peak_rss_mb_10m: longRun.peak_rss_mb,
        e2e_rss_10m_to_1m: ratio(longRun.peak_rss_mb, e2ePeakRss),
        e2e_run_peak_rss_mb_10m: longRun.run_peak_rss_mb,
      }
    : {}),
  e2e_runs: [...byWorkers[1]!, ...byWorkers[2]!, ...(longRun ? [longRun] : [])],
  ...latency,
  runs,
  cores: availableParallelism(),
  node: process.version,
  measured_at: new Date().toISOString(),
});
const save = () => {
  mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repoRoot, 'bench', 'results', 'latest.json'), `${JSON.stringify(results(), null, 2)}\n`);
};
// The 1M figures are saved before the long run, which takes as long again as all of them.
save();
if (long) {
  process.stderr.write(`long run: ${longEvents.toLocaleString()} fleet events, the default ingest workers…\n`);
  longRun = await measureE2e(repoRoot, longEvents);
  save();
}
const printed = results();
const width = Math.max(...Object.keys(printed).map((k) => k.length));
for (const [key, value] of Object.entries(printed)) {
  if (typeof value !== 'object')
    process.stdout.write(`${key.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString() : value}\n`);
}
process.stdout.write('saved bench/results/latest.json\n');
