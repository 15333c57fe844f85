import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DashboardState } from './dashboard-state.js';

/** The address the dashboard listens on: this machine only. */
export const DASHBOARD_HOST = '127.0.0.1';

/** The port `--ui` and `fleetstream ui` use unless `--port` says otherwise. */
export const DEFAULT_DASHBOARD_PORT = 8765;

/** The page's files, built by scripts/build.mjs into dist/ui/. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  '/countries-50m.json': { file: 'countries-50m.json', type: 'application/json' },
};

/** A page whose connection holds more unsent bytes than this is dropped; it reconnects and gets a snapshot. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Options of startDashboardServer. */
export interface DashboardServerOptions {
  state: DashboardState;
  /** Where the built page is (dist/ui). */
  assetsDir: string;
  /** 0 picks a free port. */
  port: number;
  /** How often changes are pushed to the pages (default 500 ms). */
  pushIntervalMs?: number;
}

/** A running dashboard server. */
export interface DashboardServer {
  url: string;
  /** Pages connected now. */
  readonly pages: number;
  /** Resolves once a page has connected and drawn what it was sent first (it POSTs /ready). */
  waitForPage(): Promise<void>;
  /** Shows another state to every page (a finished run's lake, once the run is over). */
  replaceState(state: DashboardState): void;
  close(): Promise<void>;
}

/**
 * Serves the dashboard page and pushes the state to it with Server-Sent Events: a snapshot when a
 * page connects, then on a timer one delta (what changed since the last push), serialised once
 * for all pages. A page POSTs /ready once it has drawn its first snapshot (see waitForPage). The run never waits for a page: a page that falls behind by MAX_BUFFERED_BYTES is
 * disconnected (EventSource reconnects and starts from a fresh snapshot). Listens on 127.0.0.1 only
 * and answers only requests addressed to it (no DNS rebinding from a web page).
 *
 * @example const server = await startDashboardServer({ state, assetsDir: 'dist/ui', port: 8765 });
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  if (!existsSync(join(options.assetsDir, 'index.html')))
    throw new Error(`the dashboard page is not built (no ${options.assetsDir}/index.html): run \`npm run build\``);
  let state = options.state;
  const pages = new Set<ServerResponse>();
  const waiting: (() => void)[] = [];
  let ready = false;
  const assets = new Map<string, Buffer>();
  let port = options.port;

  const send = (page: ServerResponse, event: string, data: string) => {
    if (page.writableLength > MAX_BUFFERED_BYTES) {
      page.destroy();
      pages.delete(page);
      return;
    }
    page.write(`event: ${event}\ndata: ${data}\n\n`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const host = request.headers.host ?? '';
    if (host !== `${DASHBOARD_HOST}:${port}` && host !== `localhost:${port}`) {
      response.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request\n');
      return;
    }
    const path = new URL(request.url ?? '/', `http://${host}`).pathname;
    if (path === '/ready' && request.method === 'POST') {
      ready = true;
      for (const resolve of waiting.splice(0)) resolve();
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write('retry: 1000\n\n');
      send(response, 'snapshot', JSON.stringify(state.snapshot()));
      pages.add(response);
      request.on('close', () => pages.delete(response));
    } else if (path === '/api/state') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(state.snapshot()));
    } else if (ASSETS[path]) {
      const asset = ASSETS[path];
      let body = assets.get(asset.file);
      if (!body) {
        body = readFileSync(join(options.assetsDir, asset.file));
        assets.set(asset.file, body);
      }
      response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' }).end(body);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, DASHBOARD_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  // The only place the state is serialised during a run: once per push, whatever the event rate.
  const timer = setInterval(() => {
    const delta = state.delta();
    if (!delta || pages.size === 0) return;
    const data = JSON.stringify(delta);
    for (const page of pages) send(page, 'delta', data);
  }, options.pushIntervalMs ?? 500);

  return {
    url: `http://${DASHBOARD_HOST}:${port}/`,
    get pages() {
      return pages.size;
    },
    waitForPage: () => (ready ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
    replaceState(next) {
      state = next;
      const data = JSON.stringify(state.snapshot());
      for (const page of pages) send(page, 'snapshot', data);
    },
    async close() {
      clearInterval(timer);
      for (const page of pages) page.destroy();
      pages.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
