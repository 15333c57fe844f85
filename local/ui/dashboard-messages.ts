// What the dashboard server sends the page over Server-Sent Events: one `snapshot` when a page
// connects (or the run is replaced by its lake), then a `delta` per push interval with what changed.
// Type-only, so the page bundle and the server share it without sharing code.

/** What a map marker stands for: a car of the fleet, a city vehicle, or a Geolife user. */
export type SubjectKind = 'car' | 'vehicle' | 'user';

/** A subject's latest position and the part of its trail the page does not have yet. */
export interface SubjectUpdate {
  /** `<kind>:<id>`, unique across kinds. */
  key: string;
  kind: SubjectKind;
  id: string;
  /** What it is (a car's make, model and colour), when the events say. */
  label: string | null;
  /** A car's colour name (the marker's fill), when known. */
  color: string | null;
  lat: number;
  lon: number;
  /** Event time of the latest position, epoch ms. */
  ts: number;
  speed: number | null;
  /** Trail points as flat `[ts, lat, lon, ts, lat, lon, …]`, sampled by event time. */
  trail: number[];
  /** Index (in points) where `trail` starts in the subject's whole trail: 0 replaces the page's copy. */
  trailFrom: number;
}

/** One alert as the feed and the map show it. */
export interface AlertItem {
  /** Increasing per alert within a state, so a page can skip ones it already has. */
  seq: number;
  alertId: string;
  rule: string;
  /** The subject key of the map (`car:1452650`), or null when the source type has no position. */
  subject: string | null;
  subjectId: string;
  ts: number;
  /** Where the subject was at `ts` (from its trail), or null when unknown. */
  lat: number | null;
  lon: number | null;
  values: Record<string, number>;
}

/** A 15-minute window of one colour or model, merged over its partial rows as the named queries merge them. */
export interface WindowRow {
  dimension: 'color' | 'model';
  value: string;
  windowStart: number;
  count: number;
  sumSpeed: number;
  avgSpeed: number;
  maxSpeed: number;
  maxRpm: number;
}

/** One progress sample of the run (what the progress line prints). */
export interface ProgressPoint {
  elapsedSeconds: number;
  produced: number;
  processed: number;
  lag: number;
  alerts: number;
  /** Events through ingest per second since the previous sample. */
  rate: number;
}

/** Alert counts per rule over event time, in buckets of `bucketMs`. */
export interface AlertHistogram {
  bucketMs: number;
  /** `[bucket start ms, rule, count]` rows. */
  rows: [number, string, number][];
}

/** The run the page shows, and where its data comes from. */
export interface RunInfo {
  /** waiting: for the page before the run starts; running: live; finished: read from the lake. */
  phase: 'waiting' | 'running' | 'finished';
  source: 'live' | 'lake';
  scenario: string | null;
  /** The run is paced (--speedup): the page may draw often, as the run leaves the CPU idle between events. */
  paced: boolean;
  outDir: string;
  /** Events stored in the lake so far, per type. */
  eventsByType: Record<string, number>;
  /** From report.json once the run finished. */
  report: {
    in: number;
    accepted: number;
    rejected: number;
    duplicates: number;
    eventsPerSec: number;
    wallSeconds: number;
    byRule: Record<string, number>;
  } | null;
}

/** One message from the server. */
export interface DashboardMessage {
  kind: 'snapshot' | 'delta';
  run: RunInfo;
  /** Subjects that moved (delta) or all of them (snapshot). */
  subjects: SubjectUpdate[];
  /** New alerts, oldest first (at most the feed's length). */
  alerts: AlertItem[];
  /** Alerts per rule since the start: exact, whatever the feed keeps. */
  alertTotals: Record<string, number>;
  /** Present when it changed. */
  alertHistogram: AlertHistogram | null;
  /** Window rows that changed (delta) or all (snapshot). */
  windows: WindowRow[];
  /** Progress samples from index `progressFrom` on. */
  progress: ProgressPoint[];
  progressFrom: number;
  /** Rejects per reason since the start. */
  rejectsByReason: Record<string, number>;
}
