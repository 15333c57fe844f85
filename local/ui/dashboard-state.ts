import type { EventType } from '#src/schema/registry.js';
import type { WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, GeoPoint, Reject, TelemetryEvent } from '#src/telemetry/event.js';
import type { RunObserver } from '../run/run-observer.js';
import type { RunProgress } from '../run/source-loop.js';
import type {
  AlertItem,
  DashboardMessage,
  ProgressPoint,
  RunInfo,
  SubjectKind,
  SubjectUpdate,
  WindowRow,
} from './dashboard-messages.js';
import { labelOf, SUBJECT_SOURCES, subjectOfAlert } from './subjects.js';

/** The bounds that keep the state (and each message) small whatever the run's size. */
export const LIMITS = {
  /** A trail is thinned to half (and sampled half as often) when it reaches twice this. */
  trailPoints: 300,
  /** First trail sampling interval, event time. */
  trailSampleMs: 10_000,
  /** Alerts the feed keeps (the totals count every alert). */
  feed: 500,
  /** The alert histogram doubles its bucket when it has more buckets than this. */
  histogramBuckets: 720,
  histogramBucketMs: 60_000,
  /** Progress samples kept (thinned to half past this). */
  progressPoints: 1000,
} as const;

/** A subject as the state keeps it: what a delta sends, and its sampling and sending book-keeping. */
interface Subject extends Omit<SubjectUpdate, 'trailFrom'> {
  sampleMs: number;
  lastSampleTs: number;
  /** Points of the trail the last delta carried. */
  sent: number;
  /** The trail was thinned since the last delta: send it whole. */
  reset: boolean;
  /** The delta tick in which it last joined the changed list. */
  changedIn: number;
}

interface PendingAlert {
  alertId: string;
  rule: string;
  sourceType: string;
  subjectId: string;
  ts: number;
  values: Record<string, number>;
  /** Known position (a finished run's lake has it), else looked up on the subject's trail. */
  at: GeoPoint | null;
  /** Deltas it waited for its subject's first position. */
  waited: number;
}

function emptyRun(outDir: string, scenario: string | null, paced: boolean): RunInfo {
  return { phase: 'waiting', source: 'live', scenario, paced, outDir, eventsByType: {}, report: null };
}

/**
 * What the dashboard shows, kept up to date by a run (it is a RunObserver) or loaded from a
 * finished run's lake. Every part is bounded (LIMITS): the latest position of each subject with a
 * trail sampled by event time, the newest alerts, exact alert totals and a histogram with a
 * bounded number of buckets, the merged window rows, progress samples and rejects per reason.
 *
 * Per event, the observer does a Map lookup and a few assignments; `delta()` collects what changed
 * since the previous delta on the server's push timer, never per event.
 *
 * @example const state = new DashboardState({ outDir, scenario: 'fleet' }); await runPipeline({ ..., observer: state });
 */
export class DashboardState implements RunObserver {
  readonly run: RunInfo;
  private readonly byKind: Record<SubjectKind, Map<unknown, Subject>> = {
    car: new Map(),
    vehicle: new Map(),
    user: new Map(),
  };
  private readonly byKey = new Map<string, Subject>();
  private changedSubjects: Subject[] = [];
  private tick = 1;
  private pending: PendingAlert[] = [];
  private readonly recent: AlertItem[] = [];
  private alertSeq = 0;
  private readonly alertTotals: Record<string, number> = {};
  private histogramBucketMs: number = LIMITS.histogramBucketMs;
  private histogram = new Map<number, Record<string, number>>();
  private histogramChanged = false;
  private readonly windows = new Map<string, WindowRow>();
  private changedWindows = new Set<WindowRow>();
  private progress: ProgressPoint[] = [];
  private progressSent = 0;
  private readonly rejectsByReason: Record<string, number> = {};
  private changed = true;

  constructor(options: { outDir: string; scenario?: string | null; paced?: boolean }) {
    this.run = emptyRun(options.outDir, options.scenario ?? null, options.paced ?? false);
  }

  /** Marks the run as started (the page shows it live from now on). */
  start(): void {
    this.run.phase = 'running';
    this.changed = true;
  }

  onEvents(type: EventType, events: readonly TelemetryEvent[]): void {
    this.run.eventsByType[type] = (this.run.eventsByType[type] ?? 0) + events.length;
    this.changed = true;
    const source = SUBJECT_SOURCES[type];
    if (!source) return;
    const subjects = this.byKind[source.kind];
    for (const event of events) {
      const location = event.location as GeoPoint | null | undefined;
      if (!location) continue;
      const rawId = event[source.idField];
      const subject = subjects.get(rawId) ?? this.addSubject(source.kind, rawId, event);
      const speed = source.speedField === null ? null : (event[source.speedField] as number);
      this.move(subject, event.ts, location.lat, location.lon, speed);
    }
  }

  onAlerts(alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      this.countAlerts(alert.ts, alert.rule, 1);
      this.queueAlert(alert, null, 0);
    }
  }

  onWindows(rows: readonly WindowAggregateRow[]): void {
    for (const row of rows) {
      const key = `${row.dimension}|${row.dimension_value}|${row.window_start}`;
      let merged = this.windows.get(key);
      if (!merged) {
        merged = {
          dimension: row.dimension,
          value: row.dimension_value,
          windowStart: row.window_start,
          count: 0,
          sumSpeed: 0,
          avgSpeed: 0,
          maxSpeed: Number.NEGATIVE_INFINITY,
          maxRpm: Number.NEGATIVE_INFINITY,
        };
        this.windows.set(key, merged);
      }
      // Partial rows of one window merge as the named queries merge them (sums, then the average).
      merged.count += row.count;
      merged.sumSpeed += row.sum_speed;
      merged.avgSpeed = merged.count === 0 ? 0 : merged.sumSpeed / merged.count;
      merged.maxSpeed = Math.max(merged.maxSpeed, row.max_speed);
      merged.maxRpm = Math.max(merged.maxRpm, row.max_rpm);
      this.changedWindows.add(merged);
    }
    this.changed = true;
  }

  onRejects(rejects: readonly Reject[]): void {
    for (const reject of rejects) this.rejectsByReason[reject.reason] = (this.rejectsByReason[reject.reason] ?? 0) + 1;
    this.changed = true;
  }

  onProgress(progress: RunProgress): void {
    const previous = this.progress.at(-1);
    // A drain that moved nothing (the final one right after a chunk's) would plot 0 events/s.
    if (previous && previous.processed === progress.processed && previous.produced === progress.produced) return;
    const seconds = progress.elapsedSeconds - (previous?.elapsedSeconds ?? 0);
    // Events through ingest since the previous sample: the last drain delivers without producing.
    const rate = seconds > 0 ? (progress.processed - (previous?.processed ?? 0)) / seconds : 0;
    this.progress.push({
      elapsedSeconds: progress.elapsedSeconds,
      produced: progress.produced,
      processed: progress.processed,
      lag: progress.lag,
      alerts: progress.alerts,
      rate: Math.round(rate),
    });
    if (this.progress.length > LIMITS.progressPoints) {
      this.progress = this.progress.filter((_, i) => i % 2 === 1);
      this.progressSent = 0;
    }
    this.changed = true;
  }

  /** Adds one position of a subject (a finished run's lake feeds positions through here, in time order). */
  addPosition(
    kind: SubjectKind,
    id: string,
    position: { ts: number; lat: number; lon: number; speed: number | null },
    event: Record<string, unknown> = {},
  ): void {
    const subject = this.byKind[kind].get(id) ?? this.addSubject(kind, id, event);
    this.move(subject, position.ts, position.lat, position.lon, position.speed);
  }

  /** Adds an alert whose position is known (a finished run's lake joins it), without counting it. */
  addAlert(
    alert: Pick<Alert, 'alert_id' | 'rule' | 'source_type' | 'subject_id' | 'ts' | 'values'>,
    at: GeoPoint | null,
  ): void {
    // The lake's position is final: no waiting for the subject.
    this.queueAlert(alert, at, 1);
  }

  /** Counts `count` alerts of `rule` at event time `ts` (totals and histogram). */
  countAlerts(ts: number, rule: string, count: number): void {
    this.alertTotals[rule] = (this.alertTotals[rule] ?? 0) + count;
    const bucket = ts - (ts % this.histogramBucketMs);
    let counts = this.histogram.get(bucket);
    if (!counts) {
      counts = {};
      this.histogram.set(bucket, counts);
    }
    counts[rule] = (counts[rule] ?? 0) + count;
    // Counted first: coarsening merges the buckets into new ones.
    if (this.histogram.size > LIMITS.histogramBuckets) this.coarsenHistogram();
    this.histogramChanged = true;
    this.changed = true;
  }

  /** Sets the rejects per reason (a finished run's rejects.jsonl.gz). */
  setRejects(byReason: Record<string, number>): void {
    Object.assign(this.rejectsByReason, byReason);
    this.changed = true;
  }

  /** Takes over another state's progress samples (the live ones, once the lake replaces a run's state). */
  adoptProgress(other: DashboardState): void {
    this.progress = [...other.progress];
    this.changed = true;
  }

  /** Places the alerts added so far and marks everything sent: a state loaded whole, before any page sees it. */
  settle(): void {
    this.delta();
  }

  /** Everything, for a page that just connected. */
  snapshot(): DashboardMessage {
    return {
      kind: 'snapshot',
      run: this.run,
      subjects: [...this.byKey.values()].map((subject) => this.updateOf(subject, 0)),
      // Pending alerts are not placed yet: they come with the next delta.
      alerts: this.recent,
      alertTotals: this.alertTotals,
      alertHistogram: this.histogramMessage(),
      windows: [...this.windows.values()],
      progress: this.progress,
      progressFrom: 0,
      rejectsByReason: this.rejectsByReason,
    };
  }

  /** What changed since the previous delta, or null when nothing did. Called on the push timer. */
  delta(): DashboardMessage | null {
    if (!this.changed && this.pending.length === 0) return null;
    const subjects = this.changedSubjects.map((subject) => {
      const update = this.updateOf(subject, subject.reset ? 0 : subject.sent);
      subject.sent = subject.trail.length / 3;
      subject.reset = false;
      return update;
    });
    const alerts = this.resolvePending();
    const message: DashboardMessage = {
      kind: 'delta',
      run: this.run,
      subjects,
      alerts,
      alertTotals: this.alertTotals,
      alertHistogram: this.histogramChanged ? this.histogramMessage() : null,
      windows: [...this.changedWindows],
      progress: this.progress.slice(this.progressSent),
      progressFrom: this.progressSent,
      rejectsByReason: this.rejectsByReason,
    };
    this.changedSubjects = [];
    this.tick++;
    this.changedWindows = new Set();
    this.histogramChanged = false;
    this.progressSent = this.progress.length;
    this.changed = false;
    return message;
  }

  private addSubject(kind: SubjectKind, rawId: unknown, event: Record<string, unknown>): Subject {
    const id = String(rawId);
    const subject: Subject = {
      key: `${kind}:${id}`,
      kind,
      id,
      label: labelOf(kind, event),
      color: typeof event.color === 'string' ? event.color : null,
      lat: 0,
      lon: 0,
      ts: Number.NEGATIVE_INFINITY,
      speed: null,
      trail: [],
      sampleMs: LIMITS.trailSampleMs,
      lastSampleTs: Number.NEGATIVE_INFINITY,
      sent: 0,
      reset: false,
      changedIn: 0,
    };
    this.byKind[kind].set(rawId, subject);
    this.byKey.set(subject.key, subject);
    return subject;
  }

  private move(subject: Subject, ts: number, lat: number, lon: number, speed: number | null): void {
    // Per subject, events come in order (one partition key, one shard); an older one is a replay.
    if (ts < subject.ts) return;
    subject.ts = ts;
    subject.lat = lat;
    subject.lon = lon;
    subject.speed = speed;
    if (ts - subject.lastSampleTs >= subject.sampleMs) {
      subject.lastSampleTs = ts;
      subject.trail.push(ts, lat, lon);
      if (subject.trail.length > 6 * LIMITS.trailPoints) this.thinTrail(subject);
    }
    if (subject.changedIn !== this.tick) {
      subject.changedIn = this.tick;
      this.changedSubjects.push(subject);
    }
  }

  /** Keeps every other point (and the newest), and samples half as often from now on. */
  private thinTrail(subject: Subject): void {
    const points = subject.trail.length / 3;
    const kept: number[] = [];
    for (let i = 0; i < points; i++) {
      if (i % 2 === 0 || i === points - 1)
        kept.push(subject.trail[3 * i]!, subject.trail[3 * i + 1]!, subject.trail[3 * i + 2]!);
    }
    subject.trail = kept;
    subject.sampleMs *= 2;
    subject.reset = true;
  }

  private queueAlert(
    alert: Pick<Alert, 'alert_id' | 'rule' | 'source_type' | 'subject_id' | 'ts' | 'values'>,
    at: GeoPoint | null,
    waited: number,
  ): void {
    this.pending.push({
      alertId: alert.alert_id,
      rule: alert.rule,
      sourceType: alert.source_type,
      subjectId: alert.subject_id,
      ts: alert.ts,
      values: alert.values,
      at,
      waited,
    });
    // Only the newest alerts reach the feed: drop the rest in bulk, not one shift per alert.
    if (this.pending.length > 2 * LIMITS.feed) this.pending = this.pending.slice(-LIMITS.feed);
    this.changed = true;
  }

  /**
   * Places pending alerts on their subjects' trails. An alert can be stored before its event (the
   * sinks write in parallel): it waits one push for its subject, then goes without a position.
   */
  private resolvePending(): AlertItem[] {
    const ready: AlertItem[] = [];
    const waiting: PendingAlert[] = [];
    for (const alert of this.pending.slice(-LIMITS.feed)) {
      const of = subjectOfAlert(alert.sourceType, alert.subjectId);
      const subject = of ? this.byKey.get(`${of.kind}:${of.id}`) : undefined;
      const at = alert.at ?? (subject ? positionAt(subject, alert.ts) : null);
      if (!at && of && !subject && alert.waited === 0) {
        alert.waited++;
        waiting.push(alert);
        continue;
      }
      ready.push({
        seq: ++this.alertSeq,
        alertId: alert.alertId,
        rule: alert.rule,
        subject: of ? `${of.kind}:${of.id}` : null,
        subjectId: alert.subjectId,
        ts: alert.ts,
        lat: at?.lat ?? null,
        lon: at?.lon ?? null,
        values: alert.values,
      });
    }
    this.pending = waiting;
    this.recent.push(...ready);
    if (this.recent.length > LIMITS.feed) this.recent.splice(0, this.recent.length - LIMITS.feed);
    return ready;
  }

  private updateOf(subject: Subject, from: number): SubjectUpdate {
    return {
      key: subject.key,
      kind: subject.kind,
      id: subject.id,
      label: subject.label,
      color: subject.color,
      lat: subject.lat,
      lon: subject.lon,
      ts: subject.ts,
      speed: subject.speed,
      trail: from === 0 ? subject.trail : subject.trail.slice(3 * from),
      trailFrom: from,
    };
  }

  private histogramMessage(): DashboardMessage['alertHistogram'] {
    const rows: [number, string, number][] = [];
    for (const [bucket, counts] of this.histogram)
      for (const [rule, n] of Object.entries(counts)) rows.push([bucket, rule, n]);
    rows.sort((a, b) => a[0] - b[0]);
    return { bucketMs: this.histogramBucketMs, rows };
  }

  /** Doubles the bucket width until the histogram fits its bound again (long or sparse runs). */
  private coarsenHistogram(): void {
    while (this.histogram.size > LIMITS.histogramBuckets) {
      this.histogramBucketMs *= 2;
      const coarse = new Map<number, Record<string, number>>();
      for (const [bucket, counts] of this.histogram) {
        const start = bucket - (bucket % this.histogramBucketMs);
        const into = coarse.get(start) ?? {};
        for (const [rule, n] of Object.entries(counts)) into[rule] = (into[rule] ?? 0) + n;
        coarse.set(start, into);
      }
      this.histogram = coarse;
    }
  }
}

/** Where a subject was at `ts`: interpolated between the trail points around it (or its latest position). */
function positionAt(subject: Subject, ts: number): GeoPoint {
  const trail = subject.trail;
  const points = trail.length / 3;
  if (points === 0 || ts >= subject.ts) return { lat: subject.lat, lon: subject.lon };
  if (ts <= trail[0]!) return { lat: trail[1]!, lon: trail[2]! };
  // The last trail point at or before ts; the one after it is the next point or the latest position.
  let low = 0;
  let high = points - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (trail[3 * mid]! <= ts) low = mid;
    else high = mid - 1;
  }
  const i = 3 * low;
  return low + 1 < points
    ? interpolate(trail[i]!, trail[i + 1]!, trail[i + 2]!, trail[i + 3]!, trail[i + 4]!, trail[i + 5]!, ts)
    : interpolate(trail[i]!, trail[i + 1]!, trail[i + 2]!, subject.ts, subject.lat, subject.lon, ts);
}

function interpolate(t0: number, lat0: number, lon0: number, t1: number, lat1: number, lon1: number, ts: number) {
  const f = t1 === t0 ? 0 : (ts - t0) / (t1 - t0);
  return { lat: lat0 + (lat1 - lat0) * f, lon: lon0 + (lon1 - lon0) * f };
}
