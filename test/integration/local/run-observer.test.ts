import { join } from 'node:path';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { loadCars, type RunObserver, type RunProgress, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { simulateCity } from '#src/simulate/city.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import type { WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, Reject } from '#src/telemetry/event.js';
import { tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);

/** Every family the pipeline has: the fleet (windows), the city trip (its rules) and Geolife (source rejects). */
async function* everything(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(repoRoot), seed: 5, startMs: START, events: 20 * 1200 }))
    yield { kind: 'record', record };
  for (const record of simulateCity({ seed: 5, startMs: START, maxEvents: 1000 })) yield { kind: 'record', record };
  yield* readGeolifeFolder(join('test', 'fixtures', 'geolife'));
}

/** An observer that keeps count of what it was handed. */
class RecordingObserver implements RunObserver {
  readonly events: Record<string, number> = {};
  readonly alerts: Record<string, number> = {};
  readonly rejects: Record<string, number> = {};
  windows = 0;
  readonly progress: RunProgress[] = [];

  onEvents(type: string, events: readonly unknown[]): void {
    this.events[type] = (this.events[type] ?? 0) + events.length;
  }
  onAlerts(alerts: readonly Alert[]): void {
    for (const alert of alerts) this.alerts[alert.rule] = (this.alerts[alert.rule] ?? 0) + 1;
  }
  onRejects(rejects: readonly Reject[]): void {
    for (const reject of rejects) this.rejects[reject.reason] = (this.rejects[reject.reason] ?? 0) + 1;
  }
  onWindows(rows: readonly WindowAggregateRow[]): void {
    this.windows += rows.length;
  }
  onProgress(progress: RunProgress): void {
    this.progress.push(progress);
  }
}

describe('RunOptions.observer', () => {
  it("is handed every event, alert, reject (the source's own included) and window row the report counts", async () => {
    // Prepare
    const observer = new RecordingObserver();
    const printed: RunProgress[] = [];

    // Act
    const report = await runPipeline({
      source: everything(),
      scenario: 'all',
      outDir: tempOut('observer'),
      repoRoot,
      shards: 2,
      seed: 5,
      chunkSize: 5000,
      observer,
      onProgress: (progress) => printed.push(progress),
    });

    // Assess
    expect(report.accepted).toBeGreaterThan(0);
    expect(observer.events).toEqual(report.by_type);
    expect(Object.keys(report.by_rule).sort()).toEqual(
      ['emergency', 'high_rpm', 'poor_air_quality', 'speeding', 'wrong_gear'].sort(),
    );
    expect(observer.alerts).toEqual(report.by_rule);
    expect(Object.keys(report.by_reason).length).toBeGreaterThan(0);
    expect(observer.rejects).toEqual(report.by_reason);
    expect(report.window_rows).toBeGreaterThan(0);
    expect(observer.windows).toBe(report.window_rows);
    expect(observer.progress.length).toBeGreaterThan(1);
    expect(observer.progress).toEqual(printed);
  });
});
