import { haversineMeters } from '../geo/haversine.js';
import type { GeoPoint } from '../telemetry/event.js';

/** A road a simulated car drives: waypoints in order; a loop closes back on its first point. */
export interface Route {
  name: string;
  loop: boolean;
  points: readonly GeoPoint[];
}

const p = (lat: number, lon: number): GeoPoint => ({ lat, lon });

/**
 * English motorways as junction-to-junction waypoints (a few km off the real carriageway at
 * most): the fleet's speeds (30-120 km/h, bursts over 120) are motorway speeds, so the cars drive
 * these. Hand-written because no road network ships with the project; good enough for a map.
 */
export const UK_MOTORWAYS: readonly Route[] = [
  {
    name: 'M25',
    loop: true,
    points: [
      p(51.46, 0.25),
      p(51.39, 0.17),
      p(51.29, 0.11),
      p(51.27, -0.2),
      p(51.3, -0.33),
      p(51.32, -0.45),
      p(51.44, -0.52),
      p(51.48, -0.52),
      p(51.57, -0.5),
      p(51.7, -0.4),
      p(51.69, -0.22),
      p(51.67, 0.02),
      p(51.61, 0.26),
      p(51.49, 0.28),
    ],
  },
  {
    name: 'M1',
    loop: false,
    points: [
      p(51.576, -0.224),
      p(51.878, -0.4),
      p(52.06, -0.72),
      p(52.2, -0.9),
      p(52.307, -1.12),
      p(52.61, -1.2),
      p(52.99, -1.25),
      p(53.39, -1.37),
      p(53.75, -1.52),
    ],
  },
  {
    name: 'M4',
    loop: false,
    points: [
      p(51.49, -0.27),
      p(51.5, -0.46),
      p(51.42, -0.98),
      p(51.44, -1.3),
      p(51.52, -1.72),
      p(51.52, -2.1),
      p(51.53, -2.53),
    ],
  },
  {
    name: 'M40',
    loop: false,
    points: [
      p(51.55, -0.48),
      p(51.62, -0.75),
      p(51.72, -1.05),
      p(51.88, -1.18),
      p(52.06, -1.32),
      p(52.27, -1.6),
      p(52.4, -1.76),
      p(52.48, -1.89),
    ],
  },
  {
    name: 'M6',
    loop: false,
    points: [
      p(52.52, -1.88),
      p(52.6, -2.03),
      p(52.8, -2.15),
      p(52.96, -2.2),
      p(53.08, -2.29),
      p(53.3, -2.38),
      p(53.48, -2.24),
    ],
  },
  {
    name: 'M11',
    loop: false,
    points: [p(51.6, 0.03), p(51.75, 0.13), p(51.88, 0.2), p(52.02, 0.17), p(52.19, 0.12)],
  },
  {
    name: 'M23',
    loop: false,
    points: [p(51.37, -0.1), p(51.25, -0.15), p(51.11, -0.19), p(50.83, -0.14)],
  },
  {
    name: 'M3',
    loop: false,
    points: [p(51.41, -0.41), p(51.33, -0.75), p(51.27, -1.09), p(51.06, -1.31), p(50.91, -1.4)],
  },
];

/**
 * A position on a route that moves by distance: on a loop it goes round, at the end of an open
 * route it turns back. Advancing is O(segments crossed), one or none per one-second reading.
 */
export class RouteCursor {
  private readonly points: readonly GeoPoint[];
  /** Length in km of the segment that starts at each point. */
  private readonly lengths: number[];
  private segment = 0;
  /** Km travelled into the current segment, in the direction of travel. */
  private offset = 0;
  private forward: boolean;
  private readonly total: number;
  /** Where the cursor is: move() updates them in place, without an object per step. */
  lat = 0;
  lon = 0;

  /** Places the cursor `startFraction` (0-1) along the route, heading forward or back. */
  constructor(
    private readonly route: Route,
    startFraction: number,
    forward: boolean,
  ) {
    this.points = route.loop ? [...route.points, route.points[0]!] : route.points;
    this.lengths = this.points.slice(1).map((point, i) => haversineMeters(this.points[i]!, point) / 1000);
    this.forward = forward || route.loop;
    this.total = this.lengths.reduce((sum, km) => sum + km, 0);
    if (this.lengths.length === 0) throw new Error(`route ${route.name} needs two points or more`);
    // Heading back, the cursor starts at the far end and measures from there.
    if (!this.forward) this.segment = this.lengths.length - 1;
    this.move(Math.max(0, Math.min(1, startFraction)) * this.total);
  }

  /** Moves `km` (≥ 0) along the road and returns the new position. */
  advance(km: number): GeoPoint {
    this.move(km);
    return this.position();
  }

  /** Moves `km` (≥ 0) along the road; the new position is `lat`, `lon`. */
  move(km: number): void {
    // A whole lap (or a round trip) changes nothing: skip them, so the loop below stays short.
    const lap = this.route.loop ? this.total : 2 * this.total;
    let left = lap > 0 ? km % lap : 0;
    for (;;) {
      const length = this.lengths[this.segment]!;
      if (this.offset + left <= length) {
        this.offset += left;
        break;
      }
      left -= length - this.offset;
      this.offset = 0;
      if (this.forward) {
        if (this.segment + 1 < this.lengths.length) this.segment++;
        else if (this.route.loop) this.segment = 0;
        else this.forward = false;
      } else if (this.segment > 0) this.segment--;
      else this.forward = true;
    }
    this.place();
  }

  /** The current position. */
  position(): GeoPoint {
    return { lat: this.lat, lon: this.lon };
  }

  private place(): void {
    const length = this.lengths[this.segment]!;
    const f = length === 0 ? 0 : this.offset / length;
    const near = this.points[this.segment]!;
    const far = this.points[this.segment + 1]!;
    const from = this.forward ? near : far;
    const to = this.forward ? far : near;
    this.lat = from.lat + (to.lat - from.lat) * f;
    this.lon = from.lon + (to.lon - from.lon) * f;
  }
}
