import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { AlertHistogram, ProgressPoint, WindowRow } from '../dashboard-messages.js';
import { colorFor, RULES, ruleColor } from './palette.js';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TitleComponent, TooltipComponent, CanvasRenderer]);

/** A window chart's measure: the columns of window_aggregates the page can plot. */
export type WindowMetric = 'avgSpeed' | 'maxSpeed' | 'maxRpm' | 'count';

/** The window metrics with their axis names. */
export const WINDOW_METRICS: Record<WindowMetric, string> = {
  avgSpeed: 'average speed (km/h)',
  maxSpeed: 'max speed (km/h)',
  maxRpm: 'max rpm',
  count: 'readings',
};

const TEXT = '#3b4450';
/** Bars the alert histogram draws at most. */
const MAX_BARS = 120;
const GRID = { left: 48, right: 16, top: 36, bottom: 28, containLabel: false };
const legend = { top: 4, type: 'scroll' as const, textStyle: { color: TEXT } };

/** HH:MM in UTC, the pipeline's time zone; with the date when the data spans more than a day. */
function clock(ms: number, withDate: boolean): string {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
}

/** Creates an ECharts instance on an element (canvas renderer; redraws follow the element's size). */
export function createChart(element: HTMLElement): echarts.ECharts {
  const chart = echarts.init(element, undefined, { renderer: 'canvas' });
  new ResizeObserver(() => chart.resize()).observe(element);
  return chart;
}

/**
 * 15-minute windows of one dimension (colour or model): one bar per value in each window. The
 * x-axis categories are the window starts as ISO-8601, labelled HH:MM.
 */
export function windowsOption(rows: WindowRow[], dimension: 'color' | 'model', metric: WindowMetric) {
  const mine = rows.filter((row) => row.dimension === dimension);
  const starts = [...new Set(mine.map((row) => row.windowStart))].sort((a, b) => a - b);
  const values = [...new Set(mine.map((row) => row.value))].sort();
  const spansDays = starts.length > 1 && starts.at(-1)! - starts[0]! >= 86_400_000;
  const cell = new Map(mine.map((row) => [`${row.value}|${row.windowStart}`, row]));
  return {
    animation: false,
    color: values.map((value) => colorFor(dimension === 'color' ? value : `model ${value}`)),
    grid: GRID,
    legend,
    tooltip: { trigger: 'axis' as const, axisPointer: { type: 'shadow' as const } },
    xAxis: {
      type: 'category' as const,
      data: starts.map((start) => new Date(start).toISOString()),
      axisLabel: { color: TEXT, formatter: (iso: string) => clock(Date.parse(iso), spansDays) },
    },
    yAxis: {
      type: 'value' as const,
      name: WINDOW_METRICS[metric],
      nameTextStyle: { color: TEXT, align: 'left' as const },
    },
    series: values.map((value) => ({
      name: value,
      type: 'bar' as const,
      // White bars need an outline to be seen.
      itemStyle: { borderColor: '#8a939d', borderWidth: dimension === 'color' && value === 'White' ? 1 : 0 },
      data: starts.map((start) => {
        const row = cell.get(`${value}|${start}`);
        return row ? Math.round(row[metric] * 1000) / 1000 : null;
      }),
    })),
  };
}

/** The alert histogram's bar width: the server's bucket, or a whole multiple of it so a long run has at most MAX_BARS bars. */
export function barWidthMs(histogram: AlertHistogram): number {
  const first = histogram.rows[0]?.[0] ?? 0;
  const last = histogram.rows.at(-1)?.[0] ?? 0;
  return histogram.bucketMs * Math.max(1, Math.ceil((last - first) / histogram.bucketMs / MAX_BARS));
}

/**
 * Alerts per rule over event time, stacked, one bar per histogram bucket. ECharts stacks by data
 * index, so every rule gets a value (0 when none) in every bucket that has alerts.
 */
export function alertsOverTimeOption(histogram: AlertHistogram, shown: (rule: string) => boolean) {
  const rules = RULES.filter((rule) => shown(rule) && histogram.rows.some(([, r]) => r === rule));
  const bucketMs = barWidthMs(histogram);
  const counts = new Map<string, number>();
  for (const [bucket, rule, n] of histogram.rows) {
    const key = `${rule}|${bucket - (bucket % bucketMs)}`;
    counts.set(key, (counts.get(key) ?? 0) + n);
  }
  const buckets = [...new Set(histogram.rows.map(([bucket]) => bucket - (bucket % bucketMs)))].sort((a, b) => a - b);
  return {
    animation: false,
    grid: GRID,
    legend,
    tooltip: { trigger: 'axis' as const },
    // The axis spans the buckets themselves: ECharts' own padding of a short range runs to days.
    xAxis: {
      type: 'time' as const,
      min: buckets.length ? buckets[0]! : undefined,
      max: buckets.length ? buckets.at(-1)! + bucketMs : undefined,
      axisLabel: { color: TEXT, hideOverlap: true },
    },
    yAxis: { type: 'value' as const, minInterval: 1, axisLabel: { color: TEXT } },
    series: rules.map((rule) => ({
      name: rule,
      type: 'bar' as const,
      stack: 'alerts',
      color: ruleColor(rule),
      barMaxWidth: 18,
      data: buckets.map((bucket) => [bucket + bucketMs / 2, counts.get(`${rule}|${bucket}`) ?? 0]),
    })),
  };
}

/** Events per second and shard lag against the run's wall-clock seconds. */
export function throughputOption(progress: ProgressPoint[]) {
  return {
    animation: false,
    grid: { ...GRID, right: 64 },
    legend,
    tooltip: { trigger: 'axis' as const },
    xAxis: { type: 'value' as const, axisLabel: { color: TEXT, formatter: '{value} s' }, min: 0 },
    // Each axis in its series' colour; the legend names them.
    yAxis: [
      { type: 'value' as const, axisLabel: { color: '#1d70b8' } },
      { type: 'value' as const, splitLine: { show: false }, axisLabel: { color: '#d1495b' } },
    ],
    series: [
      {
        name: 'events/s',
        type: 'line' as const,
        color: '#1d70b8',
        showSymbol: progress.length < 40,
        data: progress.map((p) => [Math.round(p.elapsedSeconds * 100) / 100, p.rate]),
      },
      {
        name: 'shard lag',
        type: 'line' as const,
        yAxisIndex: 1,
        color: '#d1495b',
        showSymbol: progress.length < 40,
        data: progress.map((p) => [Math.round(p.elapsedSeconds * 100) / 100, p.lag]),
      },
    ],
  };
}

/** Rejects per reason, most frequent first. */
export function rejectsOption(byReason: Record<string, number>) {
  const reasons = Object.entries(byReason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .reverse();
  return {
    animation: false,
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis' as const, axisPointer: { type: 'shadow' as const } },
    xAxis: { type: 'value' as const, minInterval: 1, axisLabel: { color: TEXT } },
    yAxis: { type: 'category' as const, data: reasons.map(([reason]) => reason), axisLabel: { color: TEXT } },
    series: [
      {
        name: 'rejects',
        type: 'bar' as const,
        barMaxWidth: 22,
        color: '#8a5a44',
        label: { show: true, position: 'right' as const },
        data: reasons.map(([, n]) => n),
      },
    ],
  };
}
