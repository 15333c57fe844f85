import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ChaosSpec, parseChaosSpec } from '#local/chaos/chaos.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, VerificationError } from '#local/run/run-pipeline.js';
import { simulateFleetBytes } from '#src/simulate/fleet.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);
const worker = pathToFileURL(join(repoRoot, 'dist', 'aggregate-worker.js'));

/** The fleet as `fleetstream run` makes it: each reading as bytes over one reused buffer, valid until the next. */
const fleet = (events: number) => simulateFleetBytes({ cars: loadCars(repoRoot), seed: 21, startMs: START, events });

/** What a run's outputs hold, as readers see them. */
async function contents(report: RunReport) {
  const outDir = report.out_dir;
  const lake = await runQuery(outDir, 'SELECT event_id FROM car_sensor ORDER BY event_id');
  const windows = await runQuery(
    outDir,
    `SELECT window_start, dimension, dimension_value, SUM("count"), MAX(max_speed), SUM(speeding_alerts)
     FROM window_aggregates GROUP BY ALL ORDER BY ALL`,
  );
  const notifications = readJsonl(join(outDir, 'alerts.jsonl'))
    .map((a) => a.alert_id as string)
    .sort();
  return { lake: lake.rows.flat(), windows: windows.rows, notifications };
}

// The producer's faults (duplicates, late and reordered records) in both runs; the infrastructure's
// faults only in the chaos run.
const SOURCE_FAULTS = 'seed=5,duplicates=0.01,late=0.01,reorder=0.01';
const INFRA_FAULTS = 'cold-starts=0.05,parallelization=4,sink-failures=0.05,crashes=0.03,throttles=0.02';

describe('Chaos: a run with faults injected everywhere', () => {
  let calm: RunReport;
  let chaotic: RunReport;

  beforeAll(async () => {
    const run = (name: string, chaos: ChaosSpec) =>
      runPipeline({
        source: fleet(20_000),
        scenario: 'fleet',
        outDir: tempOut(name),
        repoRoot,
        shards: 2,
        seed: 21,
        chunkSize: 2000,
        aggregateWorker: worker,
        chaos,
      });
    calm = await run('calm', parseChaosSpec(SOURCE_FAULTS));
    chaotic = await run('chaos', parseChaosSpec(`${SOURCE_FAULTS},${INFRA_FAULTS}`));
  }, 300_000);

  it('injected every kind of fault', () => {
    // Assess
    expect(chaotic.chaos).toMatchObject({
      sink_failures: expect.any(Number),
      crashes_armed: expect.any(Number),
      duplicates_sent: expect.any(Number),
      delayed_late: expect.any(Number),
    });
    for (const count of ['sink_failures', 'crashes_armed', 'throttled', 'duplicates_sent', 'delayed_late'] as const)
      expect(chaotic.chaos![count]).toBeGreaterThan(0);
    expect(chaotic.mappings.ingest!.coldStarts).toBeGreaterThan(4);
    expect(chaotic.mappings.ingest!.crashes).toBeGreaterThan(0);
    expect(chaotic.verification!.sinks.lake!.absorbed).toBeGreaterThan(0);
  });

  it('verifies: nothing lost, nothing doubled in any sink, windows equal to the lake', () => {
    // Assess
    expect(chaotic.verification?.ok).toBe(true);
    for (const check of Object.values(chaotic.verification!.sinks)) {
      expect(check.expected).toBeGreaterThan(0);
      expect(check).toMatchObject({ lost: 0, doubled: 0, unexpected: 0 });
    }
    expect(chaotic.verification!.windows).toMatchObject({ mismatched: 0 });
  });

  it('ends with the same counts, lake, notifications and windows as the run without infrastructure faults', async () => {
    // Act
    const [calmContents, chaoticContents] = await Promise.all([contents(calm), contents(chaotic)]);

    // Assess
    expect(calmContents.lake.length).toBeGreaterThan(0);
    expect(calmContents.windows.length).toBeGreaterThan(0);
    expect(calmContents.notifications.length).toBeGreaterThan(0);
    expect(chaoticContents).toEqual(calmContents);
    const counts = (r: RunReport) => [
      r.in,
      r.accepted,
      r.rejected,
      r.duplicates,
      r.dead_lettered,
      r.by_rule,
      r.late_records,
    ];
    expect(counts(chaotic)).toEqual(counts(calm));
  });

  it('given ingest on 2 worker threads, injects faults in each, verifies and ends as the run without infrastructure faults', async () => {
    // Act
    const threaded = await runPipeline({
      source: fleet(20_000),
      scenario: 'fleet',
      outDir: tempOut('chaos-ingest-workers'),
      repoRoot,
      shards: 2,
      seed: 21,
      chunkSize: 2000,
      aggregateWorker: worker,
      ingestWorkers: { url: pathToFileURL(join(repoRoot, 'dist', 'ingest-worker.js')), count: 2 },
      chaos: parseChaosSpec(`${SOURCE_FAULTS},${INFRA_FAULTS}`),
    });

    // Assess
    expect(threaded.ingest_workers).toBe(2);
    for (const count of ['sink_failures', 'crashes_armed', 'throttled', 'duplicates_sent', 'delayed_late'] as const)
      expect(threaded.chaos![count]).toBeGreaterThan(0);
    expect(threaded.mappings.ingest!.crashes).toBeGreaterThan(0);
    expect(threaded.verification?.ok).toBe(true);
    expect(await contents(threaded)).toEqual(await contents(calm));
    expect([threaded.in, threaded.accepted, threaded.rejected, threaded.duplicates, threaded.by_rule]).toEqual([
      calm.in,
      calm.accepted,
      calm.rejected,
      calm.duplicates,
      calm.by_rule,
    ]);
  }, 300_000);

  /**
   * A 2,000-event run on one shard whose lake sink changes the first batch of two or more events
   * with `alter` (what the lake is then asked to store), and the report it leaves.
   */
  async function runAlteringFirstBatch(name: string, alter: (events: TelemetryEvent[]) => TelemetryEvent[]) {
    const outDir = tempOut(name);
    let altered = false;
    const run = runPipeline({
      source: fleet(2_000),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 1,
      seed: 1,
      wrapLakeSink: (sink) => ({
        name: sink.name,
        async write(events) {
          if (altered || events.length < 2) return sink.write(events);
          altered = true;
          return sink.write(alter(events as TelemetryEvent[]));
        },
      }),
    });
    const failure = await run.then(
      () => undefined,
      (error: unknown) => error,
    );
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as RunReport;
    return { failure, report };
  }

  it('fails loudly when a sink silently drops a row, naming the sink and how many were lost', async () => {
    // Act
    const { failure, report } = await runAlteringFirstBatch('dropping', (events) => events.slice(1));

    // Assess
    expect(failure).toBeInstanceOf(VerificationError);
    expect((failure as Error).message).toMatch(/lake: 1 lost/);
    expect(report.verification!.sinks.lake).toMatchObject({ lost: 1, doubled: 0 });
  });

  it('fails loudly when a reader of the lake sees an event twice (a copy in another hour), and counts a same-partition copy as absorbed', async () => {
    // Act: the first event written again an hour later (another partition: the view shows it twice),
    // the second written again as it is (same partition: the view shows it once)
    const { failure, report } = await runAlteringFirstBatch('doubling', (events) => {
      const [first, second] = events;
      // A plain copy: an event keeps its serialised line (a symbol a spread would copy along).
      const later = { ...(JSON.parse(JSON.stringify(first)) as TelemetryEvent), ts: first!.ts + 3_600_000 };
      return [...events, later, second!];
    });

    // Assess
    expect(failure).toBeInstanceOf(VerificationError);
    expect(report.verification!.sinks.lake).toMatchObject({ lost: 0, doubled: 1, absorbed: 2 });
  });
});
