import { haversineMeters } from '../geo/haversine.js';
import type { Alert, GeoPoint, TelemetryEvent } from '../telemetry/event.js';

/** The last accepted point of one trajectory. */
interface LastPoint {
  event_id: string;
  ts: number;
  lat: number;
  lon: number;
}

/** A tentative update made while processing a batch, kept until the batch is committed. */
interface PendingUpdate {
  recordIndex: number;
  point: LastPoint;
}

/**
 * `gps_jump`: remembers the previous point of each trajectory across batches (per warm Lambda
 * container, bounded) and fires when the speed implied by two consecutive points exceeds the limit.
 * Updates made during a batch stay pending until `commit(firstFailedIndex)`, so a record that is
 * redelivered after a partial failure is compared with the same predecessor again.
 */
export class TrajectoryTracker {
  private readonly last = new Map<string, LastPoint>();
  private pending = new Map<string, PendingUpdate[]>();

  constructor(
    private readonly gpsJumpKmh: number,
    private readonly capacity = 100_000,
  ) {}

  /** Evaluates `gps_jump` for a trajectory_point and records it as the trajectory's latest point. */
  observe(event: TelemetryEvent, recordIndex: number, out: Alert[]): void {
    const key = `${event.user_id as string}/${event.trajectory_id as string}`;
    const location = event.location as GeoPoint;
    const updates = this.pending.get(key);
    const previous = updates?.[updates.length - 1]?.point ?? this.last.get(key);
    const point: LastPoint = { event_id: event.event_id, ts: event.ts, lat: location.lat, lon: location.lon };
    // Out-of-order or repeated points do not move the trajectory backwards.
    if (previous && event.ts <= previous.ts) return;
    if (previous) {
      const meters = haversineMeters(previous, location);
      const seconds = (event.ts - previous.ts) / 1000;
      const impliedKmh = (meters / seconds) * 3.6;
      if (impliedKmh > this.gpsJumpKmh) {
        out.push({
          alert_id: `${event.event_id}:gps_jump`,
          event_id: event.event_id,
          rule: 'gps_jump',
          source_type: 'trajectory_point',
          subject_id: key,
          ts: event.ts,
          values: {
            implied_speed_kmh: Math.round(impliedKmh * 10) / 10,
            threshold_kmh: this.gpsJumpKmh,
            distance_m: Math.round(meters),
            seconds,
          },
        });
      }
    }
    if (updates) updates.push({ recordIndex, point });
    else this.pending.set(key, [{ recordIndex, point }]);
  }

  /** Keeps the updates of records before `firstFailedIndex` (all of them when -1) and drops the rest. */
  commit(firstFailedIndex: number): void {
    for (const [key, updates] of this.pending) {
      let kept: LastPoint | undefined;
      for (const update of updates) {
        if (firstFailedIndex >= 0 && update.recordIndex >= firstFailedIndex) break;
        kept = update.point;
      }
      if (!kept) continue;
      this.last.delete(key);
      this.last.set(key, kept);
      if (this.last.size > this.capacity) this.last.delete(this.last.keys().next().value!);
    }
    this.pending = new Map();
  }
}
