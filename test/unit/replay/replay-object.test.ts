import fc from 'fast-check';
import {
  keyMatchesPrefix,
  type ReplayedObject,
  replayEventIdPrefix,
  replayObject,
  withEventId,
} from '#src/replay/replay-object.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const hex = (data: string | Uint8Array) => Buffer.from(data as Uint8Array).toString('hex');
const object = (body: Uint8Array | string, overrides: Partial<ReplayedObject> = {}): ReplayedObject => ({
  bucket: 'raw',
  key: 'incoming/cars.jsonl',
  body: typeof body === 'string' ? bytes(body) : body,
  etag: '"0f343b0931126a20f133d67c2b018a3b"',
  ...overrides,
});

describe('Function: keyMatchesPrefix()', () => {
  it.each([
    ['incoming/a.json', 'incoming/a.json', true],
    ['incoming/a.jsonl', 'incoming/a.json', false],
    ['incoming/a.json.bak', 'incoming/a.json', false],
    ['incoming/day/a.jsonl', 'incoming/day', true],
    ['incoming-old/a.jsonl', 'incoming', false],
    ['incoming/a.jsonl', 'incoming/', true],
    ['incoming/a.jsonl', '', true],
  ])('key %s under prefix "%s": %s', (key, prefix, expected) => {
    // Act / Assess
    expect(keyMatchesPrefix(key, prefix)).toBe(expected);
  });
});

describe('Function: withEventId()', () => {
  it('puts the id right after the opening brace and changes no other byte', () => {
    // Prepare
    const line = bytes(' {"type" : "gps",\t"speed":1.50, "note":"\u00e9\u2028"} ');

    // Act
    const out = withEventId(line, 's3:abc:7');

    // Assess
    expect(Buffer.from(out).toString()).toBe(
      ' {"event_id":"s3:abc:7","type" : "gps",\t"speed":1.50, "note":"\u00e9\u2028"} ',
    );
  });

  it('gives an empty object the id without a trailing comma', () => {
    // Act
    const out = withEventId(bytes('{ }'), 'id');

    // Assess
    expect(JSON.parse(Buffer.from(out).toString())).toEqual({ event_id: 'id' });
  });

  it.each([
    ['an object with an event_id', '{"event_id":"mine","type":"gps"}'],
    ['an object with a null event_id', '{"event_id":null}'],
    ['an array', '[{"type":"gps"}]'],
    ['not JSON', '{"type":"gps"'],
    ['a string', '"{}"'],
    ['a BOM before the object', '\ufeff{"type":"gps"}'],
  ])('leaves %s exactly as it is', (_case, text) => {
    // Prepare
    const line = bytes(text);

    // Act / Assess
    expect(withEventId(line, 'id')).toBe(line);
  });

  it('leaves a line that is not UTF-8 exactly as it is', () => {
    // Prepare
    const line = Uint8Array.from([...bytes('{"type":"gps","x":"'), 0xff, 0x22, 0x7d]);

    // Act / Assess
    expect(withEventId(line, 'id')).toBe(line);
  });

  it('for any JSON object without event_id, adds exactly the id: removing it gives back the producer’s bytes', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string().filter((k) => k !== 'event_id'),
          fc.jsonValue(),
        ),
        fc.constantFrom('', ' ', '\t', '\r'),
        (value, padding) => {
          // Prepare
          const text = `${padding}${JSON.stringify(value)}${padding}`;

          // Act
          const out = Buffer.from(withEventId(bytes(text), 's3:x:1')).toString();

          // Assess
          expect(JSON.parse(out)).toEqual({ event_id: 's3:x:1', ...JSON.parse(text) });
          const inserted = Object.keys(value).length > 0 ? '"event_id":"s3:x:1",' : '"event_id":"s3:x:1"';
          expect(out.replace(inserted, '')).toBe(text);
        },
      ),
    );
  });
});

describe('Function: replayObject()', () => {
  const JSONL = [
    '{"type":"car_sensor","car_id":1452650,"speed":50}',
    '{"type":"car_sensor","event_id":"mine","car_id":1452650,"speed":51}',
    'not json',
    '',
    '{"type":"gps","vehicle_id":"v-1","note":"raw\rreturn"}',
  ].join('\r\n');

  it('gives lines without an event_id the id of the object version and line; others stay byte for byte', () => {
    // Prepare
    const prefix = replayEventIdPrefix(object(JSONL));

    // Act
    const { records, rejects } = replayObject(object(JSONL));

    // Assess
    expect(prefix).toMatch(/^s3:[0-9a-f]{32}$/);
    expect(records.map((r) => Buffer.from(r.data as Uint8Array).toString())).toEqual([
      `{"event_id":"${prefix}:1","type":"car_sensor","car_id":1452650,"speed":50}`,
      '{"type":"car_sensor","event_id":"mine","car_id":1452650,"speed":51}',
      'not json',
      // A raw \r inside a string is not JSON: the line stays whole and as it was, for ingest to reject.
      '{"type":"gps","vehicle_id":"v-1","note":"raw\rreturn"}',
    ]);
    expect(records.map((r) => r.partitionKey)).toEqual(['1452650', '1452650', `${prefix}:3`, 'v-1']);
    expect(records).toHaveLength(4);
    expect(rejects.map((r) => [r.reason, r.reject_id])).toEqual([['jsonl:empty_line', 'incoming/cars.jsonl:4']]);
  });

  it('gives the same records when the same object version is replayed again (a retry, a second execution)', () => {
    // Act
    const first = replayObject(object(JSONL));
    const again = replayObject(object(JSONL));

    // Assess
    expect(first.records.length).toBeGreaterThan(0);
    expect(again.records.map((r) => hex(r.data))).toEqual(first.records.map((r) => hex(r.data)));
  });

  it.each([
    ['another ETag', { etag: '"5d41402abc4b2a76b9719d911017c592"' }],
    ['another version', { versionId: '3HL4kqtJlcpXroDTDmJ' }],
    ['another key', { key: 'incoming/cars-2.jsonl' }],
    ['another bucket', { bucket: 'raw-eu' }],
  ])('derives other ids from %s', (_case, overrides) => {
    // Act
    const [base] = replayObject(object(JSONL)).records;
    const [other] = replayObject(object(JSONL, overrides)).records;

    // Assess
    expect(hex(other!.data)).not.toBe(hex(base!.data));
  });

  it('passes a line that is not UTF-8 through untouched, for ingest to reject', () => {
    // Prepare
    const line = [...bytes('{"type":"car_sensor","note":"'), 0xc3, 0x28, 0x22, 0x7d];

    // Act
    const { records } = replayObject(object(Uint8Array.from([...line, 0x0a])));

    // Assess
    expect(records.map((r) => hex(r.data))).toEqual([hex(Uint8Array.from(line))]);
  });

  it('gives a Geolife point the same stable id from any bucket and object version', () => {
    // Prepare
    const plt = [
      'Geolife trajectory',
      'WGS 84',
      'Altitude is in Feet',
      'Reserved 3',
      '0,2,255,My Track,0,0,2,8421376',
      '0',
      '39.984702,116.318417,0,492,39744.1201851852,2008-10-23,02:53:04',
    ].join('\r\n');
    const key = 'incoming/Data/000/Trajectory/20081023025304.plt';

    // Act
    const ids = [object(plt, { key }), object(plt, { key, bucket: 'other', etag: '"x"' })].map(
      (o) => JSON.parse(replayObject(o).records[0]!.data as string).event_id,
    );

    // Assess
    expect(ids).toEqual(['geolife-000-20081023025304-7', 'geolife-000-20081023025304-7']);
  });
});
