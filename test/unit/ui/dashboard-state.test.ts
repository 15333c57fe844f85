import { DashboardState, LIMITS } from '#local/ui/dashboard-state.js';
import { Model } from '#local/ui/page/model.js';
import type { WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, TelemetryEvent } from '#src/telemetry/event.js';

const T0 = Date.UTC(2026, 10, 24, 8);

/** One car_sensor reading of car 1452650 at second `s`, driving east along the equator. */
const reading = (s: number, car = 1452650): TelemetryEvent => ({
  type: 'car_sensor',
  event_id: `car-${car}-${s}`,
  ts: T0 + s * 1000,
  car_id: car,
  speed: 90,
  rpm: 2500,
  gear: 5,
  location: { lat: 0, lon: s / 1000 },
  make: 'Mazda',
  model: 'Mazda 3',
  color: 'Black',
});

const alertAt = (s: number, rule: Alert['rule'] = 'speeding', car = 1452650): Alert => ({
  alert_id: `car-${car}-${s}:${rule}`,
  event_id: `car-${car}-${s}`,
  rule,
  source_type: 'car_sensor',
  subject_id: String(car),
  ts: T0 + s * 1000,
  values: { speed: 130, threshold_kmh: 120 },
});

const windowRow = (value: string, count: number, sumSpeed: number, maxSpeed: number, final: boolean) =>
  ({
    window_id: `color:${value}:${T0}:0:${final ? 1 : 0}`,
    window_start: T0,
    window_end: T0 + 900_000,
    dimension: 'color',
    dimension_value: value,
    count,
    sum_speed: sumSpeed,
    avg_speed: sumSpeed / count,
    max_speed: maxSpeed,
    max_rpm: 3000,
    speeding_alerts: 0,
    high_rpm_alerts: 0,
    wrong_gear_alerts: 0,
    final,
  }) satisfies WindowAggregateRow;

const seconds = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => reading(from + i));

describe('Class: DashboardState', () => {
  it('keeps the latest position of each subject and a trail sampled every 10 s of event time', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });

    // Act
    state.onEvents('car_sensor', seconds(0, 60));
    const [car] = state.snapshot().subjects;

    // Assess
    expect(car).toMatchObject({ key: 'car:1452650', kind: 'car', label: 'Mazda 3, Black', color: 'Black', speed: 90 });
    expect([car!.ts, car!.lon]).toEqual([T0 + 59_000, 0.059]);
    expect(car!.trail.filter((_, i) => i % 3 === 0)).toEqual([0, 10, 20, 30, 40, 50].map((s) => T0 + s * 1000));
  });

  it('ignores events without a location (producers from before cars had one)', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    const { location: _location, ...old } = reading(1);

    // Act
    state.onEvents('car_sensor', [old as TelemetryEvent]);

    // Assess
    expect(state.snapshot().subjects).toEqual([]);
    expect(state.run.eventsByType).toEqual({ car_sensor: 1 });
  });

  it('thins a long trail to stay within its bound, and then sends it whole', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    state.onEvents('car_sensor', seconds(0, 10));
    state.delta();

    // Act
    state.onEvents('car_sensor', seconds(10, 20 * LIMITS.trailSampleMs));
    const delta = state.delta()!;

    // Assess
    const [car] = delta.subjects;
    expect(car!.trailFrom).toBe(0);
    expect(car!.trail.length / 3).toBeGreaterThan(LIMITS.trailPoints / 2);
    expect(car!.trail.length / 3).toBeLessThanOrEqual(2 * LIMITS.trailPoints);
  });

  it('sends only what changed, and a page that joins between two deltas ends with the same trails', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    const early = new Model();
    const late = new Model();
    state.onEvents('car_sensor', seconds(0, 100));
    early.apply(state.snapshot());
    early.apply(state.delta()!);
    state.onEvents('car_sensor', seconds(100, 200));

    // Act
    late.apply(state.snapshot());
    const delta = state.delta()!;
    for (const model of [early, late]) model.apply(delta);

    // Assess
    expect(delta.subjects[0]!.trailFrom).toBe(10);
    expect(delta.subjects[0]!.trail).toHaveLength(3 * 10);
    const whole = state.snapshot().subjects[0]!.trail;
    expect(whole).toHaveLength(3 * 20);
    expect(early.subjects.get('car:1452650')!.trail).toEqual(whole);
    expect(late.subjects.get('car:1452650')!.trail).toEqual(whole);
    expect(state.delta()).toBeNull();
  });

  it('places an alert where its subject was at the alert time, between two trail points', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    state.onEvents('car_sensor', seconds(0, 60));

    // Act
    state.onAlerts([alertAt(25)]);
    const [alert] = state.delta()!.alerts;

    // Assess
    expect(alert).toMatchObject({ rule: 'speeding', subject: 'car:1452650', subjectId: '1452650', lat: 0 });
    expect(alert!.lon).toBeCloseTo(0.025, 9);
  });

  it('waits one push for the subject of an alert stored before its event', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    state.onAlerts([alertAt(5)]);

    // Act
    const first = state.delta()!;
    state.onEvents('car_sensor', seconds(0, 10));
    const second = state.delta()!;

    // Assess
    expect(first.alerts).toEqual([]);
    expect(second.alerts).toHaveLength(1);
    expect(second.alerts[0]!.lon).toBeCloseTo(0.005, 9);
  });

  it('counts every alert but keeps only the newest for the feed', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    state.onEvents('car_sensor', seconds(0, 10));
    const alerts = Array.from({ length: 3 * LIMITS.feed }, (_, i) => alertAt(i % 10, i % 2 ? 'speeding' : 'high_rpm'));

    // Act
    for (let i = 0; i < alerts.length; i += 100) state.onAlerts(alerts.slice(i, i + 100));
    state.delta();
    const snapshot = state.snapshot();

    // Assess
    expect(snapshot.alertTotals).toEqual({ speeding: 1.5 * LIMITS.feed, high_rpm: 1.5 * LIMITS.feed });
    expect(snapshot.alerts).toHaveLength(LIMITS.feed);
    expect(snapshot.alerts.at(-1)!.alertId).toBe(alerts.at(-1)!.alert_id);
  });

  it('widens the histogram buckets past its bound, keeping every count', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });
    const minutes = 3 * LIMITS.histogramBuckets;

    // Act
    state.onAlerts(Array.from({ length: minutes }, (_, m) => alertAt(60 * m)));
    const histogram = state.snapshot().alertHistogram!;

    // Assess
    expect(histogram.bucketMs).toBeGreaterThan(LIMITS.histogramBucketMs);
    expect(new Set(histogram.rows.map(([bucket]) => bucket)).size).toBeLessThanOrEqual(LIMITS.histogramBuckets);
    expect(histogram.rows.reduce((sum, [, , n]) => sum + n, 0)).toBe(minutes);
  });

  it('merges the partial rows of a window as the named queries do', () => {
    // Prepare
    const state = new DashboardState({ outDir: 'out' });

    // Act
    state.onWindows([windowRow('Red', 10, 600, 80, false), windowRow('Red', 30, 2400, 95, true)]);

    // Assess
    expect(state.snapshot().windows).toEqual([
      {
        dimension: 'color',
        value: 'Red',
        windowStart: T0,
        count: 40,
        sumSpeed: 3000,
        avgSpeed: 75,
        maxSpeed: 95,
        maxRpm: 3000,
      },
    ]);
  });
});
