import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** One end-to-end run, measured in its own process. */
export interface E2eRun {
  events_per_sec: number;
  peak_rss_mb: number;
}

/**
 * Runs `fleetstream run` on `events` fleet events in a child process (so its peak RSS is its own)
 * and reads events/s from report.json; the child's maxRSS comes back on stderr.
 */
export async function measureE2e(repoRoot: string, events: number): Promise<E2eRun> {
  const out = mkdtempSync(join(tmpdir(), 'fleetstream-bench-'));
  try {
    const script = `
      process.on('exit', () => process.stderr.write('\\nmaxrss_kb=' + process.resourceUsage().maxRSS + '\\n'));
      process.argv = [process.argv[0], 'cli', 'run', '--events', '${events}', '--out', ${JSON.stringify(out)}, '--shards', '2'];
      await import(${JSON.stringify(join(repoRoot, 'dist', 'cli.js'))});`;
    const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    if (report.accepted !== events) throw new Error(`bench run accepted ${report.accepted} of ${events}`);
    const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1]);
    return { events_per_sec: report.events_per_sec, peak_rss_mb: Math.round(rss / 1024) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
