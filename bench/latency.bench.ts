import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LatencySummary } from '../local/run/alert-latency.js';
import { SHARD_RECORDS_PER_SECOND } from '../local/stream/local-kinesis.js';

/** One paced run's event-to-alert latency, measured in its own process. */
export interface LatencyRun {
  alert_latency_ms: LatencySummary;
  /** Events the run took in a second of wall clock, start-up and final drain included. */
  events_per_sec: number;
}

/** What a latency run produces. */
export interface LatencyPlan {
  /** Events per second of wall clock. */
  rate: number;
  seconds: number;
  /** One reading per car per second, as the seed fleet reports. */
  cars: number;
  /** The fewest shards that take `rate` records/s with a fifth to spare (Kinesis: 1,000 records/s per shard). */
  shards: number;
}

/** The plan for `rate` events/s over `seconds`: a car per event/s, shards with a fifth of headroom. */
export function planLatencyRun(rate: number, seconds: number): LatencyPlan {
  return { rate, seconds, cars: rate, shards: Math.ceil((rate * 1.2) / SHARD_RECORDS_PER_SECOND) };
}

/**
 * Runs `fleetstream run --rate` (the local stage's mapping settings) in a child process and reads
 * the event-to-alert latency from report.json.
 */
export async function measureAlertLatency(repoRoot: string, plan: LatencyPlan): Promise<LatencyRun> {
  const out = mkdtempSync(join(tmpdir(), 'fleetstream-latency-'));
  try {
    const args = ['run', '--rate', plan.rate, '--duration', plan.seconds, '--cars', plan.cars, '--shards', plan.shards];
    await promisify(execFile)(
      process.execPath,
      [join(repoRoot, 'dist', 'cli.js'), ...args.map(String), '--out', out, '--stage', 'local'],
      { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 },
    );
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const events = plan.rate * plan.seconds;
    if (report.accepted !== events) throw new Error(`latency run accepted ${report.accepted} of ${events}`);
    if (!report.alert_latency_ms) throw new Error('latency run reported no alert_latency_ms');
    return { alert_latency_ms: report.alert_latency_ms, events_per_sec: report.events_per_sec };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
