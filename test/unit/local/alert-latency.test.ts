import { AlertLatency, percentile, summarizeLatencies } from '#local/run/alert-latency.js';
import { dueAtRate } from '#local/run/source-loop.js';

describe('Function: percentile()', () => {
  it.each([
    [[10, 20, 30, 40], 50, 20],
    [[10, 20, 30, 40], 99, 40],
    [[10, 20, 30, 40], 100, 40],
    [[10, 20, 30, 40], 0, 10],
    [[7], 99, 7],
    [[], 50, 0],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 50, 500],
  ])('of %j at p%d is %d (nearest rank)', (sorted, p, expected) => {
    // Act
    const value = percentile(sorted, p);

    // Assess
    expect(value).toBe(expected);
  });
});

describe('Function: summarizeLatencies()', () => {
  it('sorts numerically, not as text, and counts every value', () => {
    // Prepare: as text, "100" < "9"
    const latencies = [100, 9, 250, 30, 1200, 45];

    // Act
    const summary = summarizeLatencies(latencies);

    // Assess
    expect(summary).toEqual({ p50: 45, p99: 1200, max: 1200, count: 6 });
  });

  it('gives zeros and a count of 0 for no alerts', () => {
    // Act
    const summary = summarizeLatencies([]);

    // Assess
    expect(summary).toEqual({ p50: 0, p99: 0, max: 0, count: 0 });
  });
});

describe('Class: AlertLatency', () => {
  it('measures delivery time minus the alert ts, in epoch ms or ISO text', () => {
    // Prepare
    let now = Date.UTC(2026, 11, 3, 3, 0, 0, 500);
    const latency = new AlertLatency(() => now);
    const alert = (ts: number | string) => ({ alert_id: 'a', rule: 'speeding', ts });

    // Act
    latency.observe(alert(now - 120));
    now += 1000;
    latency.observe(alert(new Date(now - 40).toISOString()));

    // Assess
    expect(latency.summary()).toEqual({ p50: 40, p99: 120, max: 120, count: 2 });
  });
});

describe('Function: dueAtRate()', () => {
  it.each([
    [0, 10_000, 1000],
    [10, 10_000, 1001],
    [10_000, 10_000, 2000],
    [3, 2, 2500],
  ])('puts record %d at %d events/s at %d ms after a start at 1000', (produced, rate, due) => {
    // Act
    const at = dueAtRate(1000, produced, rate);

    // Assess
    expect(at).toBe(due);
  });
});
