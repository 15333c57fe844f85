import { createHash } from 'node:crypto';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { haversineMeters } from '#src/geo/haversine.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import { growFleet, simulateFleet, simulateFleetBytes } from '#src/simulate/fleet.js';
import { type Route, RouteCursor, UK_MOTORWAYS } from '#src/simulate/routes.js';

const cars = loadDimensionsFromDir('data').cars;
const START = Date.UTC(2026, 10, 24, 8);

interface Reading {
  car_id: number;
  ts: string;
  speed: number;
  rpm: number;
  gear: number;
  location: { lat: number; lon: number };
}

const readings = (seed: number, events: number, routes?: readonly Route[]): Reading[] =>
  [...simulateFleet({ cars, seed, startMs: START, events, ...(routes ? { routes } : {}) })].map((r) =>
    JSON.parse(String(r.data)),
  );

/** Metres from `point` to the nearest of the route's segments (flat approximation, fine at a few km). */
function metresFromRoute(point: { lat: number; lon: number }, route: Route): number {
  const points = route.loop ? [...route.points, route.points[0]!] : route.points;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    const dx = b.lon - a.lon;
    const dy = b.lat - a.lat;
    const t = Math.max(0, Math.min(1, ((point.lon - a.lon) * dx + (point.lat - a.lat) * dy) / (dx * dx + dy * dy)));
    best = Math.min(best, haversineMeters(point, { lat: a.lat + dy * t, lon: a.lon + dx * t }));
  }
  return best;
}

describe('Function: simulateFleet()', () => {
  it('gives every reading a location that the schema accepts', () => {
    // Prepare
    const validate = createEventValidator();

    // Act
    const fleet = readings(7, 2000);

    // Assess
    expect(fleet).toHaveLength(2000);
    expect(fleet.filter((r) => validate(r).ok)).toHaveLength(2000);
    expect(fleet.every((r) => typeof r.location?.lat === 'number' && typeof r.location?.lon === 'number')).toBe(true);
  });

  it('drives each car along its route, as far each second as its speed says', () => {
    // Prepare
    const fleet = readings(3, cars.length * 600);

    // Act
    const byCar = Map.groupBy(fleet, (r) => r.car_id);

    // Assess
    expect(byCar.size).toBe(cars.length);
    for (const [i, car] of cars.entries()) {
      const track = byCar.get(car.car_id)!;
      const route = UK_MOTORWAYS[i % UK_MOTORWAYS.length]!;
      expect(track).toHaveLength(600);
      expect(Math.max(...track.map((r) => metresFromRoute(r.location, route)))).toBeLessThan(1);
      for (let k = 1; k < track.length; k++) {
        const metres = haversineMeters(track[k - 1]!.location, track[k]!.location);
        // A car at the end of an open route turns back within the second, so it may move less.
        expect(metres).toBeLessThanOrEqual((track[k]!.speed / 3.6) * 1.01 + 0.2);
      }
      const travelled = track.slice(1).reduce((sum, r, k) => sum + haversineMeters(track[k]!.location, r.location), 0);
      const driven = track.slice(1).reduce((sum, r) => sum + r.speed / 3.6, 0);
      expect(travelled).toBeGreaterThan(driven * 0.9);
    }
  });

  it('is deterministic for a seed, and another seed places the cars elsewhere', () => {
    // Act
    const [a, b, c] = [readings(5, 400), readings(5, 400), readings(6, 400)];

    // Assess
    expect(a).toHaveLength(400);
    expect(b).toEqual(a);
    expect(c.map((r) => r.location)).not.toEqual(a.map((r) => r.location));
  });

  it('draws speeds, gears and rpm independently of the routes, so positions change no reading', () => {
    // Prepare
    const elsewhere: Route[] = [
      { name: 'test', loop: false, points: [UK_MOTORWAYS[0]!.points[0]!, { lat: 0, lon: 0 }] },
    ];
    const withoutLocation = (fleet: Reading[]) => fleet.map(({ location: _location, ...rest }) => rest);

    // Act
    const [ukRoads, otherRoad] = [readings(9, 4000), readings(9, 4000, elsewhere)];

    // Assess
    expect(ukRoads).toHaveLength(4000);
    expect(withoutLocation(otherRoad)).toEqual(withoutLocation(ukRoads));
    expect(otherRoad.map((r) => r.location)).not.toEqual(ukRoads.map((r) => r.location));
  });
});

describe('Class: RouteCursor', () => {
  const line: Route = {
    name: 'line',
    loop: false,
    points: [
      { lat: 0, lon: 0 },
      { lat: 0, lon: 1 },
    ],
  };
  const lineKm = haversineMeters(line.points[0]!, line.points[1]!) / 1000;

  it('turns back at the end of an open route', () => {
    // Prepare
    const cursor = new RouteCursor(line, 0.9, true);

    // Act
    const position = cursor.advance(0.2 * lineKm);

    // Assess
    expect(position.lat).toBe(0);
    expect(position.lon).toBeCloseTo(0.9, 6);
  });

  it('starts from the far end when heading back', () => {
    expect(new RouteCursor(line, 0.25, false).position().lon).toBeCloseTo(0.75, 6);
  });

  it('goes round a loop', () => {
    // Prepare
    const square: Route = {
      name: 'square',
      loop: true,
      points: [
        { lat: 0, lon: 0 },
        { lat: 0, lon: 1 },
        { lat: 1, lon: 1 },
        { lat: 1, lon: 0 },
      ],
    };
    const cursor = new RouteCursor(square, 0, true);
    const lap = 4 * lineKm;

    // Act
    const position = cursor.advance(lap * 2 + lineKm * 0.5);

    // Assess: two laps and half a side later it is half-way along the first side
    expect(position.lat).toBeCloseTo(0, 2);
    expect(position.lon).toBeCloseTo(0.5, 2);
  });
});

describe('Function: growFleet()', () => {
  it('keeps the seed cars and adds distinct 7-digit ids that no seed car has', () => {
    // Act
    const grown = growFleet(cars, 1000);

    // Assess
    expect(grown).toHaveLength(1000);
    expect(grown.slice(0, cars.length)).toEqual(cars);
    const ids = grown.map((car) => car.car_id);
    expect(new Set(ids).size).toBe(1000);
    expect(ids.every((id) => id >= 1e6 && id <= 9_999_999)).toBe(true);
  });

  it('gives the seed cars alone when asked for fewer', () => {
    // Act
    const grown = growFleet(cars, 5);

    // Assess
    expect(grown).toEqual(cars.slice(0, 5));
  });
});

describe('Function: simulateFleet() live', () => {
  it('stamps each reading and its arrival with the clock as it is made, ids staying unique', () => {
    // Prepare: a clock that moves 1 ms a reading, and stands still (many readings in one ms)
    let now = Date.UTC(2026, 11, 3, 3, 0, 0);
    const ticks = [1, 0, 0, 1];
    let i = 0;
    const clock = () => {
      now += ticks[i++ % ticks.length]!;
      return now;
    };

    // Act
    const produced = [...simulateFleet({ cars, seed: 5, startMs: START, events: 400, now: clock })];

    // Assess
    const stamps = produced.map((r) => r.arrivalMs!);
    const parsed = produced.map((r) => JSON.parse(String(r.data)) as { ts: string; event_id: string });
    expect(parsed.map((r) => Date.parse(r.ts))).toEqual(stamps);
    expect(stamps[0]).toBe(Date.UTC(2026, 11, 3, 3, 0, 0, 1));
    expect(stamps[399]! - stamps[0]!).toBe(199);
    expect(new Set(parsed.map((r) => r.event_id)).size).toBe(400);
  });
});

describe('Function: simulateFleet() output text', () => {
  it('writes the same bytes as ever for a seed (the lake, search and alerts of a run follow from them)', () => {
    // Prepare
    const hash = createHash('sha256');

    // Act: 20 seed cars and 2,000 grown ones, 60,000 readings
    const records = [...simulateFleet({ cars: growFleet(cars, 2_020), seed: 7, startMs: START, events: 60_000 })];
    for (const record of records) hash.update(`${record.partitionKey}\t${record.arrivalMs}\t${String(record.data)}\n`);

    // Assess
    expect(records[0]).toEqual({
      partitionKey: '1452650',
      arrivalMs: 1_795_507_200_000,
      data: '{"type":"car_sensor","event_id":"car-1452650-1795507200000","ts":"2026-11-24T08:00:00.000Z","car_id":1452650,"speed":5.2,"rpm":1491,"gear":1,"location":{"lat":51.690262,"lon":-0.224721}}',
    });
    expect(hash.digest('hex')).toBe('e62274de803f3eb30e0f0f654536f493f068a9ae927e62c1d2041f12c77a4f68');
  });

  it('writes the same bytes as readings of bytes, each valid until the next reading is asked for', () => {
    // Prepare
    const hash = createHash('sha256');
    const readings = simulateFleetBytes({ cars: growFleet(cars, 2_020), seed: 7, startMs: START, events: 60_000 });

    // Act: each reading read as it comes, the first kept as it was handed out
    const first = readings.next().value!;
    const firstText = Buffer.from(first.data).toString('utf8');
    hash.update(`${first.partitionKey}\t${first.arrivalMs}\t${firstText}\n`);
    for (const reading of readings)
      hash.update(`${reading.partitionKey}\t${reading.arrivalMs}\t${Buffer.from(reading.data).toString('utf8')}\n`);

    // Assess: the golden hash of the text readings above; the first reading's bytes were written over
    expect(hash.digest('hex')).toBe('e62274de803f3eb30e0f0f654536f493f068a9ae927e62c1d2041f12c77a4f68');
    expect(Buffer.from(first.data).toString('utf8')).not.toBe(firstText);
  });
});
