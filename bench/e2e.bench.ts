import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** One end-to-end run, measured in its own process. */
export interface E2eRun {
  ingest_workers: number;
  /** The run's report: events in over the run's wall time, verification excluded (it is timed apart). */
  events_per_sec: number;
  /** The child's peak RSS over the whole command, verification included. */
  peak_rss_mb: number;
  /** The peak RSS up to the report, before verification (report.json → peak_rss_mb). */
  run_peak_rss_mb: number;
  cpu_seconds: number;
  verification_seconds: number;
}

/** Options of measureE2e. */
export interface E2eOptions {
  /** `--ingest-workers` (0: ingest on the main thread); the CLI's default when left out. */
  ingestWorkers?: number;
}

/**
 * Runs `fleetstream run` on `events` fleet events in a child process (so its peak RSS is its own)
 * and reads events/s from report.json; the child's maxRSS comes back on stderr.
 */
export async function measureE2e(repoRoot: string, events: number, options: E2eOptions = {}): Promise<E2eRun> {
  const out = mkdtempSync(join(tmpdir(), 'fleetstream-bench-'));
  try {
    const args = ['cli', 'run', '--events', String(events), '--out', out, '--shards', '2'];
    if (options.ingestWorkers !== undefined) args.push('--ingest-workers', String(options.ingestWorkers));
    const script = `
      process.on('exit', () => process.stderr.write('\\nmaxrss_kb=' + process.resourceUsage().maxRSS + '\\n'));
      process.argv = [process.argv[0], ...${JSON.stringify(args)}];
      await import(${JSON.stringify(join(repoRoot, 'dist', 'cli.js'))});`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    if (report.accepted !== events) throw new Error(`bench run accepted ${report.accepted} of ${events}`);
    if (report.verification?.ok !== true) throw new Error('bench run did not verify');
    const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1]);
    return {
      ingest_workers: report.ingest_workers,
      events_per_sec: report.events_per_sec,
      peak_rss_mb: Math.round(rss / 1024),
      run_peak_rss_mb: report.peak_rss_mb,
      cpu_seconds: report.cpu_seconds,
      verification_seconds: report.verification_seconds,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
