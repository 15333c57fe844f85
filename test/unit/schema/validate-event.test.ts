import { Ajv } from 'ajv';
import { compileEventSchemas, createEventValidator } from '#src/schema/validate-event.js';

const validate = createEventValidator();
const TS = '2026-11-24T08:00:00.000Z';
const here = { lat: 51.5, lon: -0.12 };

/** One valid payload per event type: each test below breaks exactly one field of one of them. */
const VALID: Record<string, Record<string, unknown>> = {
  car_sensor: { type: 'car_sensor', ts: TS, car_id: 1452650, speed: 88.5, rpm: 2500, gear: 5 },
  vehicle: {
    type: 'vehicle',
    ts: TS,
    vehicle_id: 'v-1',
    location: here,
    speed: 60,
    direction: 270,
    make: 'BMW',
    model: 'C500',
    year: 2024,
    fuel_type: 'Hybrid',
  },
  gps: { type: 'gps', ts: TS, vehicle_id: 'v-1', location: here, speed: 60, direction: 90, vehicle_type: 'private' },
  traffic_camera: {
    type: 'traffic_camera',
    ts: TS,
    vehicle_id: 'v-1',
    camera_id: 'cam-7',
    location: here,
    snapshot: 's3://b/k.jpg',
  },
  weather: {
    type: 'weather',
    ts: TS,
    vehicle_id: 'v-1',
    location: here,
    temperature: 12.5,
    weather_condition: 'Rain',
    precipitation: 3.2,
    wind_speed: 20,
    humidity: 80,
    air_quality_index: 42,
  },
  emergency: {
    type: 'emergency',
    ts: TS,
    vehicle_id: 'v-1',
    incident_id: 'inc-1',
    incident_type: 'Accident',
    location: here,
    status: 'active',
    description: 'Two cars',
  },
  trajectory_point: {
    type: 'trajectory_point',
    ts: 1224730384000,
    user_id: '000',
    trajectory_id: '20081023025304',
    location: { lat: 39.984702, lon: 116.318417 },
    altitude_ft: null,
  },
};

describe('Function: createEventValidator()', () => {
  it.each(Object.entries(VALID))('accepts a valid %s event', (_type, payload) => {
    // Act
    const result = validate(payload);

    // Assess
    expect(result).toEqual({ ok: true, type: payload.type });
  });

  it('accepts a car_sensor reading with a location, and one without (the location is optional)', () => {
    // Prepare
    const withLocation = { ...VALID.car_sensor, location: here };

    // Act
    const results = [validate(withLocation), validate(VALID.car_sensor!)];

    // Assess
    expect(results).toEqual([
      { ok: true, type: 'car_sensor' },
      { ok: true, type: 'car_sensor' },
    ]);
  });

  it('judges each timestamp on its own when the same one comes several times in a row, valid or not', () => {
    // Prepare
    const bad = '2026-11-24 08:00:00';
    const sequence = [TS, TS, bad, bad, TS, bad, '2026-11-24T08:00:01Z', TS];

    // Act
    const results = sequence.map((ts) => validate({ ...VALID.car_sensor, ts }).ok);

    // Assess
    expect(results).toEqual([true, true, false, false, true, false, true, true]);
  });

  it('ignores unknown extra fields', () => {
    expect(validate({ ...VALID.car_sensor, firmware: '1.2.3', extra: { nested: true } }).ok).toBe(true);
  });

  it.each([
    ['negative speed', 'car_sensor', { speed: -1 }, 'schema:/speed:minimum'],
    ['rpm of 10^12', 'car_sensor', { rpm: 1e12 }, 'schema:/rpm:maximum'],
    ['a 6-digit car id', 'car_sensor', { car_id: 123456 }, 'schema:/car_id:minimum'],
    ['a fractional gear', 'car_sensor', { gear: 2.5 }, 'schema:/gear:type'],
    ['a missing car id', 'car_sensor', { car_id: undefined }, 'schema:/car_id:required'],
    ['latitude 91', 'gps', { location: { lat: 91, lon: 0 } }, 'schema:/location/lat:maximum'],
    ['a car at latitude -91', 'car_sensor', { location: { lat: -91, lon: 0 } }, 'schema:/location/lat:minimum'],
    ['a car location without lon', 'car_sensor', { location: { lat: 51 } }, 'schema:/location/lon:required'],
    ['longitude -181', 'vehicle', { location: { lat: 0, lon: -181 } }, 'schema:/location/lon:minimum'],
    ['a local-time ts', 'car_sensor', { ts: '2026-11-24 08:00:00' }, 'schema:/ts:format'],
    ['a ts before 2000', 'car_sensor', { ts: 1000 }, 'schema:/ts:format'],
    ['humidity 101', 'weather', { humidity: 101 }, 'schema:/humidity:maximum'],
    ['an unknown status', 'emergency', { status: 'maybe' }, 'schema:/status:enum'],
    ['an altitude of 10^6 ft', 'trajectory_point', { altitude_ft: 1e6 }, 'schema:/altitude_ft:maximum'],
    ['a numeric event_id', 'car_sensor', { event_id: 42 }, 'schema:/event_id:type'],
  ])('rejects %s with a reason naming the rule', (_case, type, change, reason) => {
    // Prepare
    const payload: Record<string, unknown> = { ...VALID[type], ...change };
    for (const [key, value] of Object.entries(change)) if (value === undefined) delete payload[key];

    // Act
    const result = validate(payload);

    // Assess
    expect(result).toMatchObject({ ok: false, reason });
  });

  it.each([
    ['an array', [1, 2], 'schema:/:type'],
    ['null', null, 'schema:/:type'],
    ['a number', 42, 'schema:/:type'],
    ['an object without type', { speed: 1 }, 'schema:/type:required'],
    ['an unknown type', { type: 'spaceship' }, 'type:unknown'],
    ['a type that is an object', { type: { a: 1 } }, 'type:unknown'],
  ])('rejects %s', (_case, payload, reason) => {
    expect(validate(payload)).toMatchObject({ ok: false, reason });
  });
});

describe('Function: createEventValidator(), compiling', () => {
  it('compiles no schema until a payload needs one, then each type once', () => {
    // Prepare: count ajv's compilations
    const original = Ajv.prototype.compile;
    let compiled = 0;
    Ajv.prototype.compile = function (this: Ajv, ...args: Parameters<Ajv['compile']>) {
      compiled++;
      return original.apply(this, args);
    } as Ajv['compile'];
    try {
      // Act
      const fresh = createEventValidator();
      const atStart = compiled;
      fresh(VALID.car_sensor);
      fresh({ ...VALID.car_sensor, speed: -1 });
      fresh(VALID.vehicle);

      // Assess
      expect(atStart).toBe(0);
      expect(compiled).toBe(2);
    } finally {
      Ajv.prototype.compile = original;
    }
  });

  it('given every schema, compiles each in strict mode (compileEventSchemas)', () => {
    // Act / Assess
    expect(() => compileEventSchemas()).not.toThrow();
  });
});
