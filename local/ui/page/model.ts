import type {
  AlertHistogram,
  AlertItem,
  DashboardMessage,
  ProgressPoint,
  RunInfo,
  SubjectUpdate,
  WindowRow,
} from '../dashboard-messages.js';

/** The page's copy of a subject: the server's latest update with the whole trail so far. */
export type Subject = SubjectUpdate;

/** What changed in the last applied message, so views redraw only their part. */
export interface Changes {
  subjects: boolean;
  alerts: boolean;
  /** The alerts this message added, oldest first. */
  addedAlerts: AlertItem[];
  windows: boolean;
  progress: boolean;
  rejects: boolean;
  /** A snapshot replaced everything (a new page, or the run's lake once it finished). */
  reset: boolean;
}

/** Alerts the page keeps for the feed and the map (the server keeps as many). */
export const FEED = 500;

/**
 * The page's state, built from the server's snapshot and deltas. Trails and progress samples come
 * with the index they start at, so a delta that overlaps what a snapshot already gave is spliced,
 * never appended twice; alerts carry a sequence number for the same reason.
 */
export class Model {
  run: RunInfo | null = null;
  readonly subjects = new Map<string, Subject>();
  alerts: AlertItem[] = [];
  alertTotals: Record<string, number> = {};
  histogram: AlertHistogram = { bucketMs: 60_000, rows: [] };
  readonly windows = new Map<string, WindowRow>();
  progress: ProgressPoint[] = [];
  rejectsByReason: Record<string, number> = {};

  /** Applies one message from the server and says what changed. */
  apply(message: DashboardMessage): Changes {
    const reset = message.kind === 'snapshot';
    if (reset) {
      this.subjects.clear();
      this.alerts = [];
      this.windows.clear();
      this.progress = [];
    }
    this.run = message.run;
    for (const update of message.subjects) {
      const known = this.subjects.get(update.key);
      const trail =
        known && update.trailFrom > 0 ? [...known.trail.slice(0, 3 * update.trailFrom), ...update.trail] : update.trail;
      this.subjects.set(update.key, { ...update, trail, trailFrom: 0 });
    }
    const lastSeq = this.alerts.at(-1)?.seq ?? 0;
    const added = message.alerts.filter((alert) => alert.seq > lastSeq);
    if (added.length > 0) this.alerts = [...this.alerts, ...added].slice(-FEED);
    this.alertTotals = message.alertTotals;
    if (message.alertHistogram) this.histogram = message.alertHistogram;
    for (const row of message.windows) this.windows.set(`${row.dimension}|${row.value}|${row.windowStart}`, row);
    if (message.progress.length > 0 || reset)
      this.progress = [...this.progress.slice(0, message.progressFrom), ...message.progress];
    const rejectsChanged = JSON.stringify(this.rejectsByReason) !== JSON.stringify(message.rejectsByReason);
    this.rejectsByReason = message.rejectsByReason;
    return {
      subjects: reset || message.subjects.length > 0,
      alerts: reset || added.length > 0 || message.alertHistogram !== null,
      addedAlerts: added,
      windows: reset || message.windows.length > 0,
      progress: reset || message.progress.length > 0,
      rejects: reset || rejectsChanged,
      reset,
    };
  }
}
