import { join } from 'node:path';
import type { RunReport } from '../run/run-report.js';
import type { DashboardServer } from './dashboard-server.js';
import { startDashboardServer } from './dashboard-server.js';
import { DashboardState } from './dashboard-state.js';
import { loadLakeState } from './lake-state.js';

/** Options of the two ways to open the dashboard. */
export interface OpenDashboardOptions {
  repoRoot: string;
  outDir: string;
  port: number;
  /** Where to say what is happening (the CLI's stderr). */
  log: (line: string) => void;
}

/** The live dashboard of a run: pass `observer` to runPipeline, then call `finish`. */
export interface LiveDashboard {
  observer: DashboardState;
  server: DashboardServer;
  /** Resolves once a page is open and drawn; the run starts then, so the page sees it from its first event. */
  waitForPage(): Promise<void>;
  /** After the run: the page switches to the run's lake (read through DuckDB), keeping the live progress. */
  finish(report: RunReport): Promise<void>;
}

async function listen(options: OpenDashboardOptions, state: DashboardState): Promise<DashboardServer> {
  try {
    return await startDashboardServer({ state, assetsDir: join(options.repoRoot, 'dist', 'ui'), port: options.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new Error(`port ${options.port} is in use: pass --port N (0 picks a free one)`, { cause: error });
    throw error;
  }
}

/**
 * Starts the dashboard for a run that is about to start (`fleetstream run --ui`).
 *
 * @example const ui = await openLiveDashboard({ ... }); await ui.waitForPage(); const report = await runPipeline({ ..., observer: ui.observer }); await ui.finish(report);
 */
export async function openLiveDashboard(
  options: OpenDashboardOptions & { scenario: string; paced: boolean },
): Promise<LiveDashboard> {
  const state = new DashboardState({ outDir: options.outDir, scenario: options.scenario, paced: options.paced });
  const server = await listen(options, state);
  return {
    observer: state,
    server,
    async waitForPage() {
      options.log(`dashboard: open ${server.url} (the run starts when the page is open; Ctrl-C to stop)`);
      await server.waitForPage();
      options.log('dashboard: the page is open; the run starts');
      state.start();
    },
    async finish(report) {
      const lake = await loadLakeState(report.out_dir);
      lake.adoptProgress(state);
      server.replaceState(lake);
      options.log(`dashboard: the run is over; ${server.url} now shows its lake (${report.out_dir}). Ctrl-C to stop.`);
    },
  };
}

/**
 * Serves the dashboard of a finished run from its output folder (`fleetstream ui --out DIR`).
 *
 * @example const server = await openLakeDashboard({ repoRoot, outDir: '.fleetstream', port: 8765, log });
 */
export async function openLakeDashboard(options: OpenDashboardOptions): Promise<DashboardServer> {
  const server = await listen(options, await loadLakeState(options.outDir));
  options.log(`dashboard: open ${server.url} (the run in ${options.outDir}; Ctrl-C to stop)`);
  return server;
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
