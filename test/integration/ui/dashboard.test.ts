import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { get } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'puppeteer-core';
import { readGeolifeFolder } from '#local/inputs/read-geolife.js';
import { runNamedQuery, runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { type DashboardServer, startDashboardServer } from '#local/ui/dashboard-server.js';
import { DashboardState } from '#local/ui/dashboard-state.js';
import { loadLakeState } from '#local/ui/lake-state.js';
import { simulateCity } from '#src/simulate/city.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { RULES } from '#src/telemetry/event.js';
import { artifactsDir, launchChromium } from '#test/helpers/chromium.js';
import { tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const assetsDir = join(repoRoot, 'dist', 'ui');
const START = Date.UTC(2026, 10, 24, 8);
const CARS = loadCars(repoRoot);
/** Records before the run pauses for the page to show it live: one minute of the fleet. */
const FIRST_CHUNK = CARS.length * 60;
const METRICS = { avgSpeed: 'avg_speed', maxSpeed: 'max_speed', maxRpm: 'max_rpm', count: 'readings' } as const;

/** The parts of an ECharts option the tests read (`chart.getOption()`, normalised by ECharts). */
interface ChartOption {
  xAxis: { data: string[] }[];
  series: { name: string; data: unknown[] }[];
}

/** The page's handle for the console and for these tests (local/ui/page/main.ts). */
type PageWindow = Window & { fleetstream: { charts: Record<string, { getOption(): ChartOption }> } };

/** What the page shows, read from its DOM and its chart instances. */
interface PageView {
  phase: string;
  markers: string[];
  alertMarkers: number;
  ruleCounts: Record<string, number>;
  progressPoints: number;
}

async function readPage(page: Page): Promise<PageView> {
  return page.evaluate(() => {
    const charts = (window as unknown as PageWindow).fleetstream.charts;
    return {
      phase: document.body.dataset.phase ?? '',
      markers: [...document.querySelectorAll('path.subject-marker')].map((e) => e.getAttribute('data-subject') ?? ''),
      alertMarkers: Number(document.getElementById('map')!.dataset.alertMarkers ?? 0),
      ruleCounts: Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('[data-rule-count]')].map((e) => [
          e.dataset.ruleCount!,
          Number(e.textContent!.replaceAll(',', '')),
        ]),
      ),
      progressPoints: charts.throughput!.getOption().series[0]!.data.length,
    };
  });
}

/** The cells of a window chart after a click on one metric's tab: `<window start ISO>|<series>` → value. */
async function windowCells(page: Page, dimension: 'color' | 'model', metric: string): Promise<Map<string, number>> {
  await page.click(`.tabs[data-dimension="${dimension}"] button[data-metric="${metric}"]`);
  const cells = await page.evaluate(
    (chartName) => {
      const option = (window as unknown as PageWindow).fleetstream.charts[chartName]!.getOption();
      const starts = option.xAxis[0]!.data;
      const out: [string, number][] = [];
      for (const series of option.series)
        series.data.forEach((value, i) => {
          if (typeof value === 'number') out.push([`${starts[i]}|${series.name}`, value]);
        });
      return out;
    },
    `windows${dimension === 'color' ? 'Color' : 'Model'}`,
  );
  return new Map(cells);
}

/** The lake's merged windows (the named queries) as `<window start ISO>|<value>` → the metric's value. */
async function lakeCells(outDir: string, dimension: 'color' | 'model', column: string): Promise<Map<string, number>> {
  const result = await runNamedQuery(repoRoot, outDir, `window_aggregates_by_${dimension}`);
  const at = (name: string) => result.columns.indexOf(name);
  return new Map(
    result.rows.map((row) => [
      `${new Date(`${String(row[at('window_start')]).replace(' ', 'T')}Z`).toISOString()}|${row[at(dimension)]}`,
      Number(row[at(column)]),
    ]),
  );
}

async function expectWindowChartsToMatchTheLake(page: Page, outDir: string): Promise<void> {
  for (const dimension of ['color', 'model'] as const) {
    for (const [metric, column] of Object.entries(METRICS)) {
      const lake = await lakeCells(outDir, dimension, column);
      const chart = await windowCells(page, dimension, metric);
      expect(lake.size).toBeGreaterThan(0);
      expect([...chart.keys()].sort()).toEqual([...lake.keys()].sort());
      for (const [cell, value] of lake) expect(chart.get(cell)).toBeCloseTo(value, 2);
    }
  }
}

describe('Dashboard: fleetstream run --ui in a real browser', () => {
  let browser: Browser;
  let server: DashboardServer;
  let page: Page;
  let report: RunReport;
  let live: PageView | undefined;
  let finished: PageView;
  const outDir = tempOut('dashboard');
  const screenshots = artifactsDir('ui');

  /** The fleet, pausing after the first chunk until the page shows every car live. */
  async function* fleetWatchedLive(): AsyncGenerator<SourceItem> {
    let n = 0;
    for (const record of simulateFleet({ cars: CARS, seed: 4, startMs: START, events: 36_000 })) {
      // The record after the first chunk is asked for once the chunk was drained into the outputs.
      if (n++ === FIRST_CHUNK) {
        await page.waitForFunction(
          (cars) =>
            document.body.dataset.phase === 'running' &&
            document.querySelectorAll('path.subject-marker').length === cars,
          {},
          CARS.length,
        );
        live = await readPage(page);
        await page.screenshot({ path: join(screenshots, 'dashboard-live.png'), fullPage: true });
      }
      yield { kind: 'record', record };
    }
  }

  beforeAll(async () => {
    await promisify(execFile)('node', ['scripts/build.mjs']);
    browser = await launchChromium();
    const state = new DashboardState({ outDir, scenario: 'fleet' });
    server = await startDashboardServer({ state, assetsDir, port: 0, pushIntervalMs: 100 });
    page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1400 });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.dataset.phase === 'waiting');
    state.start();

    report = await runPipeline({
      source: fleetWatchedLive(),
      scenario: 'fleet',
      outDir,
      repoRoot,
      shards: 2,
      seed: 4,
      chunkSize: FIRST_CHUNK,
      observer: state,
    });
    const lake = await loadLakeState(outDir);
    lake.adoptProgress(state);
    server.replaceState(lake);
    await page.waitForFunction(() => document.body.dataset.phase === 'finished');
    finished = await readPage(page);
    await page.screenshot({ path: join(screenshots, 'dashboard-finished.png'), fullPage: true });
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    await browser?.close();
  });

  it('shows every car on the map while the run is still going', () => {
    expect(live).toBeDefined();
    expect(live!.phase).toBe('running');
    expect(live!.markers).toHaveLength(CARS.length);
    expect(live!.progressPoints).toBeGreaterThan(0);
  });

  it('shows one marker per vehicle of the run, each a car of the lake', async () => {
    // Act
    const { rows } = await runQuery(outDir, 'SELECT DISTINCT car_id FROM car_sensor WHERE location IS NOT NULL');

    // Assess
    expect(rows).toHaveLength(CARS.length);
    expect([...finished.markers].sort()).toEqual(rows.map(([id]) => `car:${id}`).sort());
    expect(finished.alertMarkers).toBeGreaterThan(0);
  });

  it('counts the alerts of each rule as report.json does', () => {
    expect(Object.keys(report.by_rule).length).toBeGreaterThan(0);
    expect(finished.ruleCounts).toEqual(Object.fromEntries(RULES.map((rule) => [rule, report.by_rule[rule] ?? 0])));
  });

  it('charts the 15-minute windows by colour and by model with the rows of the lake', async () => {
    await expectWindowChartsToMatchTheLake(page, outDir);
  });

  it('keeps the throughput the run reported live once it shows the lake', () => {
    expect(finished.progressPoints).toBeGreaterThan(1);
  });
});

/** The URL `fleetstream ui` prints on stderr once it listens; throws with what it said if it exits first. */
async function dashboardUrl(cli: ChildProcess): Promise<string> {
  let said = '';
  const exited = once(cli, 'exit').then(([code]) => {
    throw new Error(`fleetstream ui exited with ${code}: ${said}`);
  });
  cli.stderr!.on('data', (chunk: Buffer) => {
    said += chunk.toString();
  });
  const url = /http:\/\/127\.0\.0\.1:\d+\//;
  while (!url.test(said)) await Promise.race([once(cli.stderr!, 'data'), exited]);
  exited.catch(() => undefined);
  return url.exec(said)![0];
}

describe('Dashboard: fleetstream ui --out DIR on a finished run', () => {
  let browser: Browser;
  let cli: ChildProcess;
  let report: RunReport;
  let view: PageView;
  const outDir = tempOut('dashboard-city-geolife');

  async function* cityAndGeolife(): AsyncGenerator<SourceItem> {
    for (const record of simulateCity({ seed: 2, startMs: START, maxEvents: 2000 })) yield { kind: 'record', record };
    yield* readGeolifeFolder(join('test', 'fixtures', 'geolife'));
  }

  beforeAll(async () => {
    await promisify(execFile)('node', ['scripts/build.mjs']);
    report = await runPipeline({
      source: cityAndGeolife(),
      scenario: 'city+geolife',
      outDir,
      repoRoot,
      shards: 1,
      seed: 2,
    });
    browser = await launchChromium();
    cli = spawn(process.execPath, ['dist/cli.js', 'ui', '--out', outDir, '--port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await dashboardUrl(cli);
    const page = await browser.newPage();
    await page.setViewport({ width: 1440, height: 1400 });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.phase === 'finished');
    view = await readPage(page);
    await page.screenshot({ path: join(artifactsDir('ui'), 'dashboard-city-geolife.png'), fullPage: true });
  }, 600_000);

  afterAll(async () => {
    if (cli && cli.exitCode === null) {
      cli.kill('SIGINT');
      await once(cli, 'exit');
    }
    await browser?.close();
  });

  it('shows the city vehicle and each Geolife user of the lake', async () => {
    // Prepare
    const { rows } = await runQuery(
      outDir,
      `SELECT DISTINCT 'vehicle:' || vehicle_id FROM gps UNION SELECT DISTINCT 'user:' || user_id FROM trajectory_point`,
    );

    // Assess
    expect(rows.length).toBeGreaterThan(1);
    expect([...view.markers].sort()).toEqual(rows.map(([key]) => String(key)).sort());
  });

  it('counts the alerts of each rule as report.json does', () => {
    expect(Object.keys(report.by_rule).length).toBeGreaterThan(0);
    expect(view.ruleCounts).toEqual(Object.fromEntries(RULES.map((rule) => [rule, report.by_rule[rule] ?? 0])));
  });
});

describe('Function: startDashboardServer()', () => {
  it('listens on 127.0.0.1 only and refuses requests addressed to another host', async () => {
    // Prepare
    const server = await startDashboardServer({ state: new DashboardState({ outDir: 'out' }), assetsDir, port: 0 });
    const { hostname, port } = new URL(server.url);
    const statusFor = (host: string) =>
      new Promise<number>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });

    try {
      // Act
      const statuses = [await statusFor(`127.0.0.1:${port}`), await statusFor(`evil.example:${port}`)];

      // Assess
      expect(hostname).toBe('127.0.0.1');
      expect(statuses).toEqual([200, 421]);
    } finally {
      await server.close();
    }
  });
});
