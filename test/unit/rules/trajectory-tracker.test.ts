import { TrajectoryTracker } from '#src/rules/trajectory-tracker.js';
import type { Alert, TelemetryEvent } from '#src/telemetry/event.js';

const point = (id: string, seconds: number, lat: number, lon: number): TelemetryEvent => ({
  type: 'trajectory_point',
  event_id: id,
  ts: 1_224_730_384_000 + seconds * 1000,
  user_id: '000',
  trajectory_id: 't1',
  location: { lat, lon },
  altitude_ft: null,
});

// 0.01° of latitude is about 1,112 m.
describe('Class: TrajectoryTracker', () => {
  it.each([
    ['≈ 200 km/h', 20, false],
    ['≈ 267 km/h', 15, true],
  ])('fires gps_jump for a 1.1 km hop at %s: %s', (_label, seconds, fires) => {
    // Prepare
    const tracker = new TrajectoryTracker(250);
    const out: Alert[] = [];

    // Act
    tracker.observe(point('a', 0, 39.98, 116.3), 0, out);
    tracker.observe(point('b', seconds, 39.99, 116.3), 1, out);

    // Assess
    expect(out.map((a) => a.rule)).toEqual(fires ? ['gps_jump'] : []);
  });

  it('keeps the previous point across batches once committed', () => {
    // Prepare
    const tracker = new TrajectoryTracker(250);
    const out: Alert[] = [];
    tracker.observe(point('a', 0, 39.98, 116.3), 0, out);
    tracker.commit(-1);

    // Act
    tracker.observe(point('b', 10, 40.08, 116.3), 0, out);

    // Assess
    expect(out).toEqual([expect.objectContaining({ event_id: 'b', rule: 'gps_jump', subject_id: '000/t1' })]);
  });

  it('compares a redelivered point with the same predecessor after a partial failure', () => {
    // Prepare
    const tracker = new TrajectoryTracker(250);
    const first: Alert[] = [];
    tracker.observe(point('a', 0, 39.98, 116.3), 0, first);
    tracker.observe(point('b', 10, 40.08, 116.3), 1, first);
    tracker.commit(1); // record 1 failed and comes back

    // Act
    const retry: Alert[] = [];
    tracker.observe(point('b', 10, 40.08, 116.3), 0, retry);

    // Assess
    expect(first.map((a) => a.event_id)).toEqual(['b']);
    expect(retry.map((a) => a.event_id)).toEqual(['b']);
  });
});
