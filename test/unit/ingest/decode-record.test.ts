import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodePayload, decodeRecord, MAX_JSON_DEPTH, viewAcceptedRecord } from '#src/ingest/decode-record.js';
import { parseKnownShape } from '#src/ingest/known-shape-parser.js';
import { createEventValidator } from '#src/schema/validate-event.js';

const validate = createEventValidator();
/** An object's entries in key order, nested objects too (toEqual alone ignores key order). */
const keysInOrder = (value: unknown): unknown =>
  typeof value === 'object' && value !== null
    ? Object.entries(value).map(([key, inner]) => [key, keysInOrder(inner)])
    : value;
const position = { stream: 'telemetry', shardId: 'shardId-000000000000', partitionKey: 'k', sequenceNumber: '1' };
const reading = (extra = '') =>
  `{"type":"car_sensor","event_id":"e1","ts":"2026-11-24T08:00:00.000Z","car_id":1452650,"speed":50,"rpm":2000,"gear":3${extra}}`;
const gps = (location: string) =>
  `{"type":"gps","event_id":"g1","ts":"2026-11-24T08:00:00.000Z","vehicle_id":"v","location":${location},"speed":40,"direction":90,"vehicle_type":"private"}`;
const asRecord = (bytes: Uint8Array | string) => ({
  data: Buffer.from(bytes).toString('base64'),
  partitionKey: 'k',
  sequenceNumber: '1',
});
const reasonOf = (bytes: Uint8Array | string) => {
  const decoded = decodeRecord(asRecord(bytes), 'telemetry', 'shardId-000000000000', validate);
  return decoded.ok ? 'accepted' : decoded.reject.reason;
};

describe('Function: decodeRecord() is strict and names what it found', () => {
  it.each([
    [
      'invalid UTF-8 bytes',
      Buffer.concat([Buffer.from(reading().slice(0, 30)), Buffer.from([0xc3, 0x28]), Buffer.from(reading().slice(30))]),
      'encoding:utf8',
    ],
    ['a lone surrogate escape in a value', reading(',"note":"\\ud800"'), 'encoding:utf8'],
    ['a lone surrogate escape in a key', reading(',"\\udbff":1'), 'encoding:utf8'],
    ['a duplicated key', reading(',"speed":130'), 'json:duplicate_key'],
    ['a gzip payload', gzipSync(reading()), 'encoding:gzip'],
    ['a payload encoded in base64 once more', Buffer.from(reading()).toString('base64'), 'encoding:base64'],
    [
      'an array nested 20,000 deep inside location',
      gps(`{"lat":51.5,"lon":-0.1,"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}`),
      'json:depth',
    ],
    ['text that is not JSON', 'speed=130', 'json:parse'],
  ])('rejects %s', (_case, bytes, reason) => {
    // Act, Assess
    expect(reasonOf(bytes)).toBe(reason);
  });

  it.each([
    ['a valid surrogate pair', reading(',"note":"\\ud83d\\ude97"')],
    ['a string holding a colon, a quote and a backslash', reading(',"note":"a:\\"b\\\\:"')],
    ['nesting at the limit', reading(`,"deep":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`)],
    ['non-ASCII UTF-8', reading(',"note":"Zürich – 東京"')],
  ])('accepts %s', (_case, text) => {
    // Act, Assess
    expect(reasonOf(text)).toBe('accepted');
  });

  it('reads any UTF-8 id of a record in the exact shape as its characters, never as its bytes', () => {
    // Prepare: atob gives one character per byte, which only plain ASCII may be read as
    const exact = (id: string) =>
      `{"type":"car_sensor","event_id":${JSON.stringify(id)},"ts":"2026-11-24T08:00:00.000Z","car_id":1452650,"speed":50,"rpm":2000,"gear":3,"location":{"lat":51.5,"lon":-0.1}}`;
    // Act, Assess
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (id) => {
        const decoded = decodeRecord(asRecord(exact(id)), 'telemetry', 'shard', validate);
        expect(decoded.ok ? decoded.event.event_id : decoded.reject.reason).toBe(id);
      }),
      { numRuns: 500 },
    );
    const zurich = decodeRecord(asRecord(exact('Zürich-1')), 'telemetry', 'shard', validate);
    expect(zurich.ok && zurich.event.event_id).toBe('Zürich-1');
  });

  it('keeps two events whose ids differ only in a lone surrogate apart: both are rejected, neither merges into U+FFFD', () => {
    // Act
    const a = decodePayload({ text: reading().replace('"e1"', '"ls\\ud800"') }, position, validate);
    const b = decodePayload({ text: reading().replace('"e1"', '"ls\\udbff"') }, position, validate);

    // Assess
    expect([a.ok, b.ok]).toEqual([false, false]);
  });

  it('keeps the whole payload of a reject: text as text, other bytes as base64', () => {
    // Prepare
    const long = reading(`,"speed":1,"pad":"${'x'.repeat(5000)}"`);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x41]);

    // Act
    const text = decodeRecord(asRecord(long), 'telemetry', 'shard', validate);
    const bytes = decodeRecord(asRecord(binary), 'telemetry', 'shard', validate);

    // Assess
    expect(text.ok ? undefined : text.reject).toMatchObject({ reason: 'json:duplicate_key', payload: long });
    expect(bytes.ok ? undefined : bytes.reject).toMatchObject({
      reason: 'encoding:utf8',
      payload_base64: binary.toString('base64'),
    });
  });

  it('never throws and never accepts a payload with a duplicated key, whatever the keys and values', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), (key, value) => {
        const text = reading(`,${JSON.stringify(key)}:${JSON.stringify(value)},${JSON.stringify(key)}:0`);
        const decoded = decodePayload({ text }, position, validate);
        expect(decoded.ok).toBe(false);
      }),
    );
  });
});

describe('Function: decodeRecord() takes the known-shape path without changing any outcome', () => {
  it('decides exactly what decodePayload decides, for accepted and rejected readings of the exact shape', () => {
    // Prepare: readings of car_sensor's exact shape, some out of the schema's range, some with a bad ts.
    const text = fc
      .record({
        id: fc.constantFrom('e1', 'car-C007-000000123456-abcdef'),
        ts: fc.constantFrom('"2026-11-24T08:00:00.000Z"', '"2026-02-30T08:00:00.000Z"', '1795000000000', '"soon"'),
        speed: fc.constantFrom('50', '-1', '12.5', '400', '0.0'),
        gear: fc.constantFrom('3', '-2', '11'),
      })
      .map(
        ({ id, ts, speed, gear }) =>
          `{"type":"car_sensor","event_id":"${id}","ts":${ts},"car_id":1452650,"speed":${speed},"rpm":2000,"gear":${gear},"location":{"lat":51.5,"lon":-0.1}}`,
      );
    // Act, Assess
    fc.assert(
      fc.property(text, (payload) => {
        // Every generated reading has the exact shape (what the fast path takes), accepted or not.
        expect(parseKnownShape(payload)).toBeDefined();
        const viaRecord = decodeRecord(
          { data: Buffer.from(payload).toString('base64'), partitionKey: 'k', sequenceNumber: '1' },
          'telemetry',
          'shardId-000000000000',
          validate,
        );
        expect(viaRecord).toEqual(decodePayload({ text: payload }, position, validate));
      }),
    );
  });

  it('rejects a reading of the exact shape that breaks the schema with the reason and position decodePayload gives', () => {
    // Prepare
    const text = `${reading().replace('"speed":50', '"speed":-1').slice(0, -1)},"location":{"lat":51.5,"lon":-0.1}}`;
    expect(parseKnownShape(text)).toBeDefined();
    // Act
    const decoded = decodeRecord(asRecord(text), 'telemetry', 'shard-1', validate);
    // Assess
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.reject.reason).toBe('schema:/speed:minimum');
    expect(decoded.reject.reject_id).toBe('telemetry/k/1');
    expect(decoded.reject.source).toEqual({
      stream: 'telemetry',
      shard_id: 'shard-1',
      partition_key: 'k',
      sequence_number: '1',
    });
  });
});

describe('Function: viewAcceptedRecord() accepts only what decodeRecord accepts, with the same values', () => {
  it('for any reading, accepted or not, in the exact shape or not, base64 strict or not', () => {
    // Prepare: readings in and out of the exact shape and the schema, some base64 that atob refuses
    const payload = fc
      .record({
        id: fc.constantFrom('"e1"', '"car-C007-000000123456-abcdef"', '""', '7'),
        ts: fc.constantFrom('"2026-11-24T08:00:00.000Z"', '"2026-02-30T08:00:00.000Z"', '1795000000000', '"soon"'),
        speed: fc.constantFrom('50', '-1', '12.5', '400', '0.0', '1e1'),
        gear: fc.constantFrom('3', '-2', '11'),
        location: fc.constantFrom(',"location":{"lat":51.5,"lon":-0.1}', ',"location":{"lat":95,"lon":-0.1}', ''),
        form: fc.constantFrom('exact', 'spaced', 'reordered', 'no id'),
      })
      .map(({ id, ts, speed, gear, location, form }) => {
        const body = `"ts":${ts},"car_id":1452650,"speed":${speed},"rpm":2000,"gear":${gear}${location}}`;
        if (form === 'no id') return `{"type":"car_sensor",${body}`;
        if (form === 'reordered') return `{"event_id":${id},"type":"car_sensor",${body}`;
        return `{"type":"car_sensor",${form === 'spaced' ? ' ' : ''}"event_id":${id},${body}`;
      });
    const record = fc.tuple(payload, fc.boolean()).map(([text, loose]) => ({
      data:
        Buffer.from(text)
          .toString('base64')
          .replace(/=+$/, loose ? '' : '$&') + (loose ? '!' : ''),
      partitionKey: 'k',
      sequenceNumber: '1',
    }));
    // Act, Assess
    let viewed = 0;
    fc.assert(
      fc.property(record, (kinesis) => {
        const view = viewAcceptedRecord(kinesis, validate);
        const viewedEvent = view === undefined ? undefined : { ...view };
        const decoded = decodeRecord(kinesis, 'telemetry', 'shardId-000000000000', validate);
        if (viewedEvent === undefined) return;
        viewed++;
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(keysInOrder(viewedEvent)).toEqual(keysInOrder({ ...decoded.event }));
      }),
      { numRuns: 2000 },
    );
    expect(viewed).toBeGreaterThan(0);
  });
});
