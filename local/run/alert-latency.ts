/** Event-to-alert latency of a run, in milliseconds. */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  /** Alerts measured: every alert the topic's subscriber received. */
  count: number;
}

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value with at least `p`
 * percent of the values at or below it (0 for no values).
 *
 * @example percentile([10, 20, 30, 40], 50) // 20
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50, p99, max and count of latencies in any order. */
export function summarizeLatencies(latencies: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const values = Array.from(sorted);
  return {
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? 0 : values[values.length - 1]!,
    count: values.length,
  };
}

/**
 * Measures event-to-alert latency where the alerts topic's subscriber receives each alert: the
 * wall clock at delivery minus the alert's `ts`, the event time its source stamped with the wall
 * clock of production (the fleet simulator under `--rate`).
 *
 * @example const latency = new AlertLatency(Date.now); deliver = (alert) => latency.observe(alert); latency.summary();
 */
export class AlertLatency {
  private readonly latencies: number[] = [];

  constructor(private readonly now: () => number) {}

  /** Records one delivered alert (its `ts` in epoch ms, as the topic's messages carry it; ISO text is read too). */
  observe(alert: { ts: number | string }): void {
    const deliveredAt = this.now();
    const { ts } = alert;
    this.latencies.push(deliveredAt - (typeof ts === 'number' ? ts : Date.parse(ts)));
  }

  summary(): LatencySummary {
    return summarizeLatencies(this.latencies);
  }
}
