import type { RunProgress, RunReport } from './run-pipeline.js';

/**
 * Progress on a terminal: one line redrawn at most 10 times a second (events/s, shard lag, alerts).
 * Not on a terminal (CI, pipes): a JSON line every 2 seconds.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream) {
  const tty = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(progress: RunProgress): void {
      const now = performance.now();
      if (now - last < (tty ? 100 : 2000)) return;
      last = now;
      const rate = Math.round(progress.produced / Math.max(progress.elapsedSeconds, 1e-3));
      if (tty) {
        stream.write(
          `\r\u001b[2K  ${progress.produced.toLocaleString()} events  ${rate.toLocaleString()} ev/s  lag ${progress.lag.toLocaleString()}  alerts ${progress.alerts.toLocaleString()}`,
        );
        drawn = true;
      } else {
        stream.write(`${JSON.stringify({ progress: { ...progress, events_per_sec: rate } })}\n`);
      }
    },
    done(): void {
      if (drawn) stream.write('\r\u001b[2K');
    },
  };
}

/** The human summary printed at the end of a run. */
export function formatSummary(report: RunReport): string {
  const rows: [string, string][] = [
    ['scenario', `${report.scenario} (seed ${report.seed}, ${report.shards} shards, stage ${report.stage})`],
    ['in', report.in.toLocaleString()],
    ['accepted', report.accepted.toLocaleString()],
    ['rejected', report.rejected.toLocaleString()],
    ['duplicates', report.duplicates.toLocaleString()],
    ['dead-lettered', report.dead_lettered.toLocaleString()],
    [
      'alerts',
      Object.entries(report.by_rule)
        .map(([rule, n]) => `${rule} ${n}`)
        .join(', ') || 'none',
    ],
    [
      'by type',
      Object.entries(report.by_type)
        .map(([type, n]) => `${type} ${n}`)
        .join(', ') || 'none',
    ],
    ['windows closed', `${report.windows_closed} (${report.window_rows} rows, ${report.late_records} late records)`],
    ['wall time', `${report.wall_seconds.toFixed(2)} s (${report.events_per_sec.toLocaleString()} events/s)`],
    ...(report.alert_latency_ms
      ? ([
          [
            'alert latency',
            `p50 ${report.alert_latency_ms.p50} ms, p99 ${report.alert_latency_ms.p99} ms, max ${report.alert_latency_ms.max} ms (${report.alert_latency_ms.count.toLocaleString()} alerts, event ts to delivery)`,
          ],
        ] as [string, string][])
      : []),
    ...(report.chaos
      ? ([
          [
            'faults injected',
            `${report.chaos.sink_failures} sink failures, ${report.chaos.crashes_armed} crashes, ${report.chaos.cold_starts_forced} cold starts, ${report.chaos.throttled} throttled entries, ${report.chaos.duplicates_sent} duplicates, ${report.chaos.delayed_late} late`,
          ],
        ] as [string, string][])
      : []),
    [
      'verified',
      report.verification
        ? report.verification.ok
          ? 'nothing lost, nothing doubled (lake, search, alerts, windows)'
          : `NO: ${report.verification.problems.join('; ')}`
        : 'skipped (--no-verify)',
    ],
    ['outputs', `${report.out_dir}/{lake/,alerts.jsonl,rejects.jsonl.gz,report.json}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    'fleetstream run finished',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '  query it: fleetstream query --name top_speeders',
  ].join('\n');
}
