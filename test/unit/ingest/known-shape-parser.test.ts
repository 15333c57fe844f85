import fc from 'fast-check';
import { decodePayload } from '#src/ingest/decode-record.js';
import { knownShapeMeetsSchema, parseKnownShape, viewKnownShape } from '#src/ingest/known-shape-parser.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import { LINE_BODY, serializeEvent, serializerFor } from '#src/sinks/serialize-event.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';

const validate = createEventValidator();
const position = { stream: 'telemetry', shardId: 'shardId-000000000000', partitionKey: 'k', sequenceNumber: '1' };
const car = (speed = '53.7', lat = '51.31743', lon = '-0.434581', id = 'car-1452650-1795507200000') =>
  `{"type":"car_sensor","event_id":"${id}","ts":"2026-11-24T08:00:00.000Z","car_id":1452650,"speed":${speed},"rpm":3325,"gear":3,"location":{"lat":${lat},"lon":${lon}}}`;
const weather = (temperature: string) =>
  `{"type":"weather","event_id":"w1","ts":1795507200000,"vehicle_id":"v","location":{"lat":52.1,"lon":-1.2},"temperature":${temperature},"weather_condition":"Rain","precipitation":0,"wind_speed":12.5,"humidity":80,"air_quality_index":42}`;

/** The object as JSON.parse builds it, compared key order and all (-0 included, via Object.is in toEqual). */
const keysInOrder = (value: unknown): unknown =>
  typeof value === 'object' && value !== null
    ? Object.entries(value).map(([key, inner]) => [key, keysInOrder(inner)])
    : value;

describe('Function: parseKnownShape() gives what JSON.parse gives, or nothing', () => {
  it.each([
    ['a fleet reading', car()],
    ['a weather reading with an epoch-ms ts', weather('-3.5')],
    ['negative zero', car('-0')],
    ['a fraction with trailing zeros', car('53.70')],
    ['a value below 1e-6', car('53.7', '0.0000001')],
    ['15 digits', car('53.7', '12.3456789012345')],
  ])('parses %s as JSON.parse does', (_case, text) => {
    // Act
    const parsed = parseKnownShape(text);
    // Assess
    expect(parsed).toBeDefined();
    expect(keysInOrder(parsed)).toEqual(keysInOrder(JSON.parse(text)));
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed!.location)).toBe(Object.prototype);
  });

  it.each([
    [
      'traffic_camera',
      '{"type":"traffic_camera","event_id":"cam-1","ts":"2026-11-24T08:00:00.000Z","vehicle_id":"V-1","camera_id":"Cam-1","location":{"lat":51.5074,"lon":-0.1278},"snapshot":"s3://raw/snapshots/cam-1.jpg"}',
    ],
    [
      'trajectory_point',
      '{"type":"trajectory_point","event_id":"geolife-000-7","ts":"2008-10-23T02:53:04Z","user_id":"000","trajectory_id":"20081023025304","location":{"lat":39.984702,"lon":116.318417},"altitude_ft":492}',
    ],
  ])("parses a %s with its own type's parser (two types start with the same letter)", (type, text) => {
    // Act
    const parsed = parseKnownShape(text);
    const viewed = viewKnownShape(text);

    // Assess
    expect(parsed?.type).toBe(type);
    expect(keysInOrder(parsed)).toEqual(keysInOrder(JSON.parse(text)));
    expect(viewed?.type).toBe(type);
  });

  it.each([
    ['whitespace', car().replace(',"rpm"', ', "rpm"')],
    ['an escape in a string', car('53.7', '51.3', '-0.4', 'car\\u0031')],
    ['a non-ASCII string', car('53.7', '51.3', '-0.4', 'Zürich')],
    ['keys in another order', car().replace('"rpm":3325,"gear":3', '"gear":3,"rpm":3325')],
    ['a missing key', car().replace('"rpm":3325,', '')],
    ['a duplicated key', car().replace('"rpm":3325,', '"rpm":3325,"rpm":3326,')],
    ['an extra key', car().replace('}}', '},"note":1}')],
    ['an extra key inside location', car().replace('}}', ',"alt":1}}')],
    ['an exponent', car('5.37e1')],
    ['16 digits', car('53.7', '12.34567890123456')],
    ['a leading zero', car('053.7')],
    ['a bare dot', car('53.')],
    ['trailing text', `${car()} `],
    ['an unknown type', car().replace('car_sensor', 'boat')],
    ['a number where the schema wants a string', car().replace('"car-1452650-1795507200000"', '5')],
    ['a string where the schema wants a number', car('"53.7"')],
  ])('leaves %s to the general path', (_case, text) => {
    // Act, Assess
    expect(parseKnownShape(text)).toBeUndefined();
  });

  it('agrees with JSON.parse on any number a producer may write', () => {
    // Prepare
    const literal = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.integer().map(String),
      fc.tuple(fc.integer({ min: -999, max: 999 }), fc.stringMatching(/^[0-9]{1,14}$/)).map(([i, f]) => `${i}.${f}`),
    );
    // Act, Assess
    fc.assert(
      fc.property(literal, (speed) => {
        const text = car(speed);
        const parsed = parseKnownShape(text);
        if (parsed !== undefined) expect(keysInOrder(parsed)).toEqual(keysInOrder(JSON.parse(text)));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Function: serializeEvent() of a known-shape event writes what the compiled serialiser writes', () => {
  const accept = (text: string): TelemetryEvent => {
    const decoded = decodePayload({ text }, position, validate);
    if (!decoded.ok) throw new Error(decoded.reject.message);
    Object.assign(decoded.event, {
      driver_id: 7,
      model_id: 2,
      make: 'BMW',
      model: 'C"500',
      color_id: 1,
      color: 'red',
      enriched: true,
    });
    return decoded.event;
  };

  it.each([
    ['plain values', car(), true],
    ['a trailing fraction zero (written as JavaScript writes it)', car('53.70'), false],
    ['negative zero', car('-0'), false],
    ['a value below 1e-6', car('53.7', '0.0000001'), false],
    ['a value of exactly 1e-6', car('53.7', '0.000001'), true],
  ])('%s', (_case, text, keepsText) => {
    // Prepare
    const event = accept(text);
    // Act
    const line = serializeEvent(event);
    // Assess
    expect((event as { [LINE_BODY]?: string })[LINE_BODY] !== undefined).toBe(keepsText);
    expect(line).toBe(serializerFor('car_sensor')(event));
  });

  it('agrees for any valid speed and location a producer may write', () => {
    // Prepare
    const number = (min: number, max: number) =>
      fc.oneof(
        fc.double({ min, max, noNaN: true }).map(String),
        fc
          .tuple(fc.integer({ min: Math.ceil(min), max: Math.floor(max) - 1 }), fc.stringMatching(/^[0-9]{1,12}$/))
          .map(([i, f]) => `${i}.${f}`),
      );
    // Act, Assess
    fc.assert(
      fc.property(number(0, 500), number(-90, 90), number(-180, 180), (speed, lat, lon) => {
        const decoded = decodePayload({ text: car(speed, lat, lon) }, position, validate);
        if (!decoded.ok) return;
        decoded.event.enriched = false;
        expect(serializeEvent(decoded.event)).toBe(serializerFor('car_sensor')(decoded.event));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Function: parseKnownShape() over a stream of texts whose strings repeat', () => {
  it('gives what JSON.parse gives for each, whatever the previous text held', () => {
    // Prepare: strings that repeat, extend, shorten or share a prefix with the one before
    const strings = fc.constantFrom('v', 'v-1', 'v-12', 'v-1"', 'w-1', '', 'Rain', 'Rai', 'Rains');
    const ts = fc.constantFrom(
      '"2026-11-24T08:00:00.000Z"',
      '"2026-11-24T08:00:00.000Z0"',
      '"2026-11-24T08:00:01.000Z"',
      '"2026-11-24T08:00:00Z"',
      '1795507200000',
    );
    const weatherText = fc
      .tuple(ts, strings, strings)
      .map(
        ([at, vehicle, condition]) =>
          `{"type":"weather","event_id":"w1","ts":${at},"vehicle_id":${JSON.stringify(vehicle)},"location":{"lat":52.1,"lon":-1.2},"temperature":3,"weather_condition":${JSON.stringify(condition)},"precipitation":0,"wind_speed":12.5,"humidity":80,"air_quality_index":42}`,
      );
    // Act, Assess
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            weatherText,
            ts.map((at) => car().replace('"2026-11-24T08:00:00.000Z"', at)),
          ),
          { maxLength: 12 },
        ),
        (texts) => {
          for (const text of texts) {
            const parsed = parseKnownShape(text);
            if (parsed !== undefined) expect(keysInOrder(parsed)).toEqual(keysInOrder(JSON.parse(text)));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("reads a ts equal to the previous reading's without cutting a new string from the text", () => {
    // Prepare: two readings of one second (a fleet reports each second), the first parsed already
    parseKnownShape(car('53.7', '51.31743', '-0.434581', 'car-1-1'));
    const { slice } = String.prototype;
    const cut: string[] = [];
    String.prototype.slice = function (this: string, start?: number, end?: number) {
      const piece = slice.call(this, start, end);
      cut.push(piece);
      return piece;
    };
    // Act
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = parseKnownShape(car('54.1', '51.31743', '-0.434581', 'car-2-1'));
    } finally {
      String.prototype.slice = slice;
    }
    // Assess: the id and the line body are cut; the ts is the one read before
    expect(parsed?.ts).toBe('2026-11-24T08:00:00.000Z');
    expect(cut).not.toContain('2026-11-24T08:00:00.000Z');
    expect(cut).toContain('car-2-1');
  });
});

describe('Function: viewKnownShape() reads what parseKnownShape reads, into one reused object per type', () => {
  it('gives the keys and values parseKnownShape gives and the same schema verdict, or nothing when it gives nothing', () => {
    // Prepare: texts of the exact shape and not, in and out of the schema, strings that repeat or not
    const strings = fc.constantFrom('v', 'v-1', 'v-12', 'v-1"', '', 'Rain', 'Rai');
    const ts = fc.constantFrom(
      '"2026-11-24T08:00:00.000Z"',
      '"2026-11-24T08:00:01.000Z"',
      '"2026-11-24T08:00:00Z0"',
      '"2026-11-24T08:00:00Z"',
      '1795507200000',
      '5',
    );
    const number = fc.constantFrom('53.7', '-1', '0', '600', '91', '-0', '1e2', '"x"');
    const text = fc.oneof(
      fc
        .tuple(ts, strings, number, number, number)
        .map(([at, id, speed, lat, lon]) => car(speed, lat, lon, id).replace('"2026-11-24T08:00:00.000Z"', at)),
      fc
        .tuple(ts, strings, strings, number)
        .map(
          ([at, vehicle, condition, temperature]) =>
            `{"type":"weather","event_id":"w1","ts":${at},"vehicle_id":${JSON.stringify(vehicle)},"location":{"lat":52.1,"lon":-1.2},"temperature":${temperature},"weather_condition":${JSON.stringify(condition)},"precipitation":0,"wind_speed":12.5,"humidity":80,"air_quality_index":42}`,
        ),
    );
    // Act, Assess
    fc.assert(
      fc.property(fc.array(text, { maxLength: 12 }), (texts) => {
        for (const payload of texts) {
          const parsed = parseKnownShape(payload);
          const parsedMeets = knownShapeMeetsSchema();
          const view = viewKnownShape(payload);
          if (parsed === undefined) {
            expect(view).toBeUndefined();
            continue;
          }
          expect(keysInOrder(view)).toEqual(keysInOrder(parsed));
          expect(knownShapeMeetsSchema()).toBe(parsedMeets);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refills the same object and the same location at every call', () => {
    // Act
    const first = viewKnownShape(car('50', '51.1', '-0.1', 'e1'));
    const firstLocation = first?.location;
    const second = viewKnownShape(car('60', '52.2', '-0.2', 'e2'));
    // Assess
    expect(second).toBe(first);
    expect(second?.location).toBe(firstLocation);
    expect(second).toMatchObject({ event_id: 'e2', speed: 60, location: { lat: 52.2, lon: -0.2 } });
    expect(Object.getOwnPropertySymbols(second)).not.toContain(LINE_BODY);
  });
});
