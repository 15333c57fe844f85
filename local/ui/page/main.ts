// The dashboard page: one EventSource to the server, a Model built from its messages, and views
// redrawn at most once per animation frame with what changed.
import 'leaflet/dist/leaflet.css';
import './dashboard.css';
import type { ECharts, EChartsCoreOption } from 'echarts/core';
import type { AlertItem, DashboardMessage } from '../dashboard-messages.js';
import {
  alertsOverTimeOption,
  barWidthMs,
  createChart,
  rejectsOption,
  throughputOption,
  WINDOW_METRICS,
  type WindowMetric,
  windowsOption,
} from './charts.js';
import { MapView } from './map-view.js';
import { type Changes, FEED, Model } from './model.js';
import { RULES, ruleColor } from './palette.js';

/** Rows the feed renders (the model keeps more for the map). */
const FEED_ROWS = 100;

/**
 * Drawing is Chromium's work on the machine that runs the pipeline. A run at full speed uses every
 * core, so whatever the page draws is taken from the run: the page then keeps to a budget, waiting
 * max(FULL_SPEED_DRAW_EVERY_MS, d / DRAW_BUDGET) after a draw whose script took d ms (Chromium's
 * rasterising about doubles it). A paced run (--speedup), or none, leaves the CPU idle between
 * events: the page draws every DRAW_EVERY_MS. A snapshot draws at once.
 */
const DRAW_EVERY_MS = 1000;
const FULL_SPEED_DRAW_EVERY_MS = 3000;
const DRAW_BUDGET = 0.02;
const DRAW_AT_MOST_EVERY_MS = 5000;

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const number = (n: number) => Math.round(n).toLocaleString('en-GB');
const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

const model = new Model();
const mapView = new MapView(byId('map'));
const charts = {
  alerts: createChart(byId('chart-alerts')),
  throughput: createChart(byId('chart-throughput')),
  rejects: createChart(byId('chart-rejects')),
  windowsColor: createChart(byId('chart-windows-color')),
  windowsModel: createChart(byId('chart-windows-model')),
};
const metrics: Record<'color' | 'model', WindowMetric> = { color: 'avgSpeed', model: 'avgSpeed' };
const hiddenRules = new Set<string>();
const shown = (rule: string) => !hiddenRules.has(rule);

// For the browser console and the browser test: the state and the chart instances, read-only use.
Object.assign(window, { fleetstream: { model, charts, map: mapView.map } });

function setChart(chart: ECharts, option: EChartsCoreOption, empty: HTMLElement | null, isEmpty: boolean): void {
  // Merge, replacing only the series: rebuilding every component (notMerge) cost ECharts about
  // ten times as much per draw in Chromium's profile.
  chart.setOption(option, { replaceMerge: ['series'] });
  if (empty) empty.hidden = !isEmpty;
  chart.getDom().style.display = isEmpty ? 'none' : '';
}

function renderRun(): void {
  const run = model.run;
  if (!run) return;
  document.body.dataset.phase = run.phase;
  byId('phase').textContent =
    run.phase === 'waiting'
      ? 'waiting: the run starts now'
      : run.phase === 'running'
        ? 'live'
        : `finished · read from the lake`;
  byId('run').textContent = `${run.scenario ?? 'run'} · ${run.outDir}`;
  const stored = Object.values(run.eventsByType).reduce((a, b) => a + b, 0);
  const last = model.progress.at(-1);
  const rate = run.report?.eventsPerSec ?? (last ? last.produced / Math.max(last.elapsedSeconds, 1e-3) : 0);
  byId('kpi-events').textContent = number(stored);
  byId('kpi-rate').textContent = last || run.report ? number(rate) : '–';
  byId('kpi-lag').textContent = run.phase === 'finished' ? '0' : last ? number(last.lag) : '–';
  byId('kpi-alerts').textContent = number(Object.values(model.alertTotals).reduce((a, b) => a + b, 0));
  byId('kpi-rejects').textContent = number(Object.values(model.rejectsByReason).reduce((a, b) => a + b, 0));
  byId('kpi-subjects').textContent = number(model.subjects.size);
}

function renderRules(): void {
  const container = byId('rules');
  if (container.childElementCount === 0) {
    for (const rule of RULES) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'rule';
      button.dataset.rule = rule;
      button.setAttribute('aria-pressed', 'true');
      button.innerHTML = `<span class="swatch" style="background:${ruleColor(rule)}"></span><span>${rule}</span><span class="count" data-rule-count="${rule}">0</span>`;
      button.addEventListener('click', () => {
        if (hiddenRules.has(rule)) hiddenRules.delete(rule);
        else hiddenRules.add(rule);
        button.setAttribute('aria-pressed', String(!hiddenRules.has(rule)));
        renderAlerts([], true);
      });
      container.append(button);
    }
  }
  for (const rule of RULES) {
    const count = container.querySelector<HTMLElement>(`[data-rule-count="${rule}"]`)!;
    count.textContent = number(model.alertTotals[rule] ?? 0);
  }
}

function feedRow(alert: AlertItem): HTMLLIElement {
  const row = document.createElement('li');
  row.dataset.rule = alert.rule;
  const values = Object.entries(alert.values)
    .map(([key, value]) => `${key.replaceAll('_', ' ')} ${Number.isInteger(value) ? value : value.toFixed(2)}`)
    .join(' · ');
  row.innerHTML = `<span class="muted">${utc(alert.ts).slice(11)}</span><span class="tag" style="color:${ruleColor(alert.rule)}">${alert.rule}</span><span></span><span class="values"></span>`;
  const label = alert.subject ? model.subjects.get(alert.subject)?.label : null;
  row.children[2]!.textContent = label ? `${alert.subjectId} · ${label}` : alert.subjectId;
  row.children[3]!.textContent = values;
  row.title = `${utc(alert.ts)} UTC · ${alert.alertId}`;
  if (alert.lat !== null && alert.lon !== null) {
    const [lat, lon] = [alert.lat, alert.lon];
    row.addEventListener('click', () => mapView.focus(lat, lon));
  }
  return row;
}

/** The newest alerts first: new rows go on top and the oldest fall off; `redraw` rebuilds the list. */
function renderFeed(added: readonly AlertItem[], redraw: boolean): void {
  const feed = byId('feed');
  const source = redraw ? model.alerts : added;
  const rows: HTMLLIElement[] = [];
  for (let i = source.length - 1; i >= 0 && rows.length < FEED_ROWS; i--) {
    if (shown(source[i]!.rule)) rows.push(feedRow(source[i]!));
  }
  if (redraw) feed.replaceChildren(...rows);
  else feed.prepend(...rows);
  while (feed.childElementCount > FEED_ROWS) feed.lastElementChild!.remove();
}

function renderAlerts(added: readonly AlertItem[], redraw: boolean): void {
  renderRules();
  renderFeed(added, redraw);
  mapView.updateAlerts(model.alerts, shown, redraw);
  setChart(charts.alerts, alertsOverTimeOption(model.histogram, shown), null, false);
  const minutes = barWidthMs(model.histogram) / 60_000;
  byId('alerts-bucket').textContent =
    `per rule, per ${minutes < 60 ? `${minutes} min` : `${minutes / 60} h`} of event time`;
}

function renderWindows(): void {
  const rows = [...model.windows.values()];
  for (const dimension of ['color', 'model'] as const) {
    const chart = dimension === 'color' ? charts.windowsColor : charts.windowsModel;
    const empty = byId(`windows-${dimension}-empty`);
    setChart(
      chart,
      windowsOption(rows, dimension, metrics[dimension]),
      empty,
      !rows.some((r) => r.dimension === dimension),
    );
  }
}

function renderProgress(): void {
  const empty = byId('throughput-empty');
  const report = model.run?.report;
  if (model.progress.length === 0 && report) {
    empty.textContent = `This run was not watched live: ${number(report.in)} events in ${report.wallSeconds.toFixed(2)} s (${number(report.eventsPerSec)} events/s, report.json).`;
  } else empty.textContent = 'Waiting for the first progress report…';
  setChart(charts.throughput, throughputOption(model.progress), empty, model.progress.length === 0);
}

function renderRejects(): void {
  setChart(
    charts.rejects,
    rejectsOption(model.rejectsByReason),
    byId('rejects-empty'),
    Object.keys(model.rejectsByReason).length === 0,
  );
}

function setUpTabs(): void {
  for (const tabs of document.querySelectorAll<HTMLElement>('.tabs')) {
    const dimension = tabs.dataset.dimension as 'color' | 'model';
    for (const [metric, name] of Object.entries(WINDOW_METRICS) as [WindowMetric, string][]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.setAttribute('role', 'tab');
      button.dataset.metric = metric;
      button.textContent = name.replace(/ \(.*\)/, '');
      button.setAttribute('aria-selected', String(metrics[dimension] === metric));
      button.addEventListener('click', () => {
        metrics[dimension] = metric;
        for (const other of tabs.children) other.setAttribute('aria-selected', String(other === button));
        renderWindows();
      });
      tabs.append(button);
    }
  }
}

// Messages come every push interval: merge what changed, and draw when the budget allows.
let pending: Changes | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
let nextDrawAt = Number.NEGATIVE_INFINITY;

function schedule(changes: Changes): void {
  if (!pending) pending = changes;
  else {
    pending.addedAlerts = [...pending.addedAlerts, ...changes.addedAlerts].slice(-FEED);
    for (const key of Object.keys(changes) as (keyof Changes)[])
      if (key !== 'addedAlerts') pending[key] ||= changes[key];
  }
  if (timer !== undefined) return;
  const wait = pending.reset ? 0 : Math.max(0, nextDrawAt - performance.now());
  timer = setTimeout(() => requestAnimationFrame(draw), wait);
}

function draw(): void {
  const changed = pending!;
  pending = null;
  timer = undefined;
  const started = performance.now();
  renderRun();
  if (changed.subjects) mapView.updateSubjects(model.subjects);
  if (changed.alerts) renderAlerts(changed.addedAlerts, changed.reset);
  if (changed.windows) renderWindows();
  if (changed.progress || changed.reset) renderProgress();
  if (changed.rejects) renderRejects();
  const draws = Number(document.body.dataset.updates ?? 0) + 1;
  document.body.dataset.updates = String(draws);
  // `run --ui` starts the run once the page is ready: loaded, connected and drawn.
  if (draws === 1) void fetch('/ready', { method: 'POST' });
  const took = performance.now() - started;
  const fullSpeed = model.run?.phase === 'running' && !model.run.paced;
  nextDrawAt =
    started +
    (fullSpeed
      ? Math.min(DRAW_AT_MOST_EVERY_MS, Math.max(FULL_SPEED_DRAW_EVERY_MS, took / DRAW_BUDGET))
      : DRAW_EVERY_MS);
}

function connect(): void {
  const events = new EventSource('/events');
  const onMessage = (event: MessageEvent<string>) => schedule(model.apply(JSON.parse(event.data) as DashboardMessage));
  events.addEventListener('snapshot', onMessage);
  events.addEventListener('delta', onMessage);
  events.addEventListener('error', () => {
    document.body.dataset.phase = 'disconnected';
    byId('phase').textContent = 'disconnected: retrying…';
  });
}

setUpTabs();
renderRules();
// Connect once the basemap is drawn, so the page's own loading is over before the run starts.
mapView
  .loadBasemap('/countries-50m.json')
  .catch((error: Error) => {
    byId('map-note').textContent = `no basemap (${error.message})`;
  })
  .finally(connect);
