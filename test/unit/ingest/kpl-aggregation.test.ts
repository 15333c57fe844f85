import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { KinesisStreamEvent } from 'aws-lambda';
import fc from 'fast-check';
import { aggregate, deaggregate, isKplAggregate, KPL_MAGIC, type KplRecordInput } from '#src/ingest/kpl-aggregation.js';

const text = (s: string) => new TextEncoder().encode(s);
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Magic + body + MD5(body): a well-formed envelope around any protobuf bytes. */
function envelope(body: Uint8Array): Uint8Array {
  return Uint8Array.from([...KPL_MAGIC, ...body, ...createHash('md5').update(body).digest()]);
}

// Written by ExKpl, an Elixir KPL aggregator, for ("partition_key", "data"), as its documentation
// shows it (https://hex.pm/packages/ex_kpl/0.2.0/files/lib/ex_kpl.ex): an encoder other than ours.
const EX_KPL_VECTOR = Uint8Array.from([
  ...hex('f3 89 9a c2  0a 0d'),
  ...text('partition_key'),
  ...hex('1a 08  08 00  1a 04'),
  ...text('data'),
  ...hex('d0 36 99 da 5a 22 2f a3 21 08 ad 1b d9 55 a1 4e'),
]);

const userRecord = fc.record(
  {
    partitionKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    explicitHashKey: fc.stringMatching(/^[0-9]{1,39}$/),
    data: fc.uint8Array({ maxLength: 300 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('Function: deaggregate()', () => {
  it('reads an aggregate written by another KPL encoder (a hand-checked vector)', () => {
    // Act
    const result = deaggregate(EX_KPL_VECTOR);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.records).toHaveLength(1);
    const [record] = result.records;
    expect(record!.partitionKey).toBe('partition_key');
    expect(record!.explicitHashKey).toBeUndefined();
    expect(Buffer.from(record!.data).toString()).toBe('data');
    expect(record!.subSequenceNumber).toBe(0);
  });

  it('resolves both key tables, even when they follow the records, skips tags and numbers sub-records from 0', () => {
    // Prepare: records first, then the tables; record 1 has an explicit hash key and a tag
    const body = hex(`
      1a 05  08 01  1a 01 61
      1a 0f  08 00  10 00  1a 01 62  22 06  0a 01 6b  12 01 76
      0a 02 70 30   0a 02 70 31
      12 02 39 39
    `);

    // Act
    const result = deaggregate(envelope(body));

    // Assess
    expect(result).toEqual({
      ok: true,
      records: [
        { partitionKey: 'p1', data: text('a'), subSequenceNumber: 0 },
        { partitionKey: 'p0', explicitHashKey: '99', data: text('b'), subSequenceNumber: 1 },
      ],
    });
  });

  it('returns views into the aggregate, not copies, and keeps a BOM in a partition key', () => {
    // Prepare
    const blob = aggregate([{ partitionKey: '\ufeffk', data: text('{"a":1}') }]);

    // Act
    const result = deaggregate(blob);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.records[0]!.partitionKey).toBe('\ufeffk');
    expect(result.records[0]!.data.buffer).toBe(blob.buffer);
  });

  it.each([
    ['a truncated varint', '0a', 'varint truncated'],
    ['a varint longer than 64 bits', '1a 0b 08 ff ff ff ff ff ff ff ff ff 7f', 'longer than 64 bits'],
    ['a partition key index past its table', '0a 01 6b  1a 05 08 01 1a 01 61', 'partition_key_index 1 out of range'],
    [
      'an explicit hash key index with no table',
      '0a 01 6b  1a 07 08 00 10 00 1a 01 61',
      'explicit_hash_key_index 0 out of range',
    ],
    ['a huge partition key index', '0a 01 6b  1a 0d 08 ff ff ff ff ff ff ff ff 01 1a 01 61', 'out of range'],
    ['a string where the index varint belongs', '0a 01 6b  1a 06 0a 01 00 1a 01 61', 'wire type 2, expected 0'],
    ['a varint where the key table belongs', '08 00', 'partition_key_table: wire type 0, expected 2'],
    ['a length past the end', '0a 05 6b', 'runs past the end'],
    ['a data length past its record', '0a 01 6b  1a 05 08 00 1a 09 61', 'runs past the end'],
    ['no partition key index', '0a 01 6b  1a 03 1a 01 61', 'required partition_key_index missing'],
    ['no data', '0a 01 6b  1a 02 08 00', 'required data missing'],
    ['invalid UTF-8 in a partition key', '0a 02 c3 28  1a 05 08 00 1a 01 61', 'invalid UTF-8'],
    ['a lone surrogate (CESU) in a partition key', '0a 03 ed a0 80  1a 05 08 00 1a 01 61', 'invalid UTF-8'],
    ['an unknown top-level field', '0a 01 6b  1a 05 08 00 1a 01 61  20 01', 'unknown field 4'],
    ['an unknown record field', '0a 01 6b  1a 07 08 00 1a 01 61 28 00', 'unknown field 5'],
    ['a group (wire type 3)', '0b', 'wire type 3, expected 2'],
    ['a repeated singular field', '0a 01 6b  1a 07 08 00 08 00 1a 01 61', 'appears twice'],
    ['two data fields', '0a 01 6b  1a 08 08 00 1a 01 61 1a 01 62', 'data appears twice'],
    ['a tag without its key', '0a 01 6b  1a 09 08 00 1a 01 61 22 02 12 00', 'tag: required key missing'],
    ['no user records', '0a 01 6b', 'no user records'],
    ['an empty message', '', 'no user records'],
  ])('rejects %s as kpl:format, naming it', (_case, body, message) => {
    // Act
    const result = deaggregate(envelope(hex(body)));

    // Assess
    expect(result).toEqual({ ok: false, reason: 'kpl:format', message: expect.stringContaining(message) });
  });

  it('rejects a record without the magic number, or too short for a trailer, as kpl:format', () => {
    // Act
    const results = [text('{"type":"car_sensor"}'), Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2, 0, 1)].map(deaggregate);

    // Assess
    expect(results.map((r) => !r.ok && r.reason)).toEqual(['kpl:format', 'kpl:format']);
  });

  it('rejects a wrong MD5 trailer as kpl:checksum', () => {
    // Prepare
    const blob = aggregate([{ partitionKey: 'k', data: text('x') }]);
    blob[blob.length - 1]! ^= 1;

    // Act
    const result = deaggregate(blob);

    // Assess
    expect(result).toEqual({ ok: false, reason: 'kpl:checksum', message: expect.stringContaining('MD5') });
  });

  it('round-trips any user records through aggregate()', () => {
    fc.assert(
      fc.property(fc.array(userRecord, { minLength: 1, maxLength: 20 }), (records) => {
        // Act
        const result = deaggregate(aggregate(records));

        // Assess
        expect(result).toEqual({
          ok: true,
          records: records.map((r, subSequenceNumber) => ({ ...r, subSequenceNumber })),
        });
      }),
    );
  });

  it('rejects any aggregate with one byte changed (checksum, or format in the magic), never throws', () => {
    fc.assert(
      fc.property(
        fc.array(userRecord, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (records, position, flip) => {
          // Prepare
          const blob = aggregate(records);
          const at = position % blob.length;
          blob[at]! ^= flip;

          // Act
          const result = deaggregate(blob);

          // Assess
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).toBe(at < 4 ? 'kpl:format' : 'kpl:checksum');
        },
      ),
    );
  });

  it('rejects any truncated aggregate', () => {
    fc.assert(
      fc.property(fc.array(userRecord, { minLength: 1, maxLength: 5 }), fc.nat(), (records, cut) => {
        // Prepare
        const blob = aggregate(records);

        // Act
        const result = deaggregate(blob.subarray(0, cut % blob.length));

        // Assess
        expect(result.ok).toBe(false);
      }),
    );
  });

  it('never throws on any protobuf body with a valid checksum: user records, or kpl:format', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (body) => {
        // Act
        const result = deaggregate(envelope(body));

        // Assess
        if (result.ok) expect(result.records.length).toBeGreaterThan(0);
        else expect(result.reason).toBe('kpl:format');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('Function: aggregate()', () => {
  it('writes byte for byte what another KPL encoder writes for the same record', () => {
    // Act
    const blob = aggregate([{ partitionKey: 'partition_key', data: text('data') }]);

    // Assess
    expect(Buffer.from(blob).toString('hex')).toBe(Buffer.from(EX_KPL_VECTOR).toString('hex'));
  });

  it('stores each partition key and explicit hash key once', () => {
    // Prepare
    const records: KplRecordInput[] = ['a', 'b', 'a', 'a'].map((partitionKey) => ({
      partitionKey,
      explicitHashKey: '42',
      data: text('x'),
    }));

    // Act
    const blob = aggregate(records);

    // Assess: 4 magic + 2 × (0a 01 k) + (12 02 "42") + 4 × (1a 07: 08 i 10 0 1a 01 x) + 16 MD5
    expect(blob.length).toBe(4 + 6 + 4 + 4 * 9 + 16);
    expect(deaggregate(blob).ok).toBe(true);
  });
});

describe('Function: isKplAggregate()', () => {
  it.each([
    ['the magic number', true, Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2)],
    ['JSON', false, text('{"a":1}')],
    ['three bytes of the magic', false, Uint8Array.of(0xf3, 0x89, 0x9a)],
    ['nothing', false, new Uint8Array(0)],
  ])('given %s, says %s', (_case, expected, bytes) => {
    // Act / Assess
    expect(isKplAggregate(bytes)).toBe(expected);
  });
});

describe('Fixture: test/fixtures/events/kinesis/kpl-aggregated.json', () => {
  it('holds one aggregate of five user records of three types, one speeding, and one aggregate with a broken MD5', () => {
    // Prepare
    const event = JSON.parse(
      readFileSync('test/fixtures/events/kinesis/kpl-aggregated.json', 'utf8'),
    ) as KinesisStreamEvent;

    // Act
    const [good, corrupt] = event.Records.map((r) => deaggregate(Buffer.from(r.kinesis.data, 'base64')));

    // Assess
    expect(good?.ok).toBe(true);
    if (!good?.ok) return;
    const payloads = good.records.map((r) => JSON.parse(Buffer.from(r.data).toString()));
    expect(payloads.map((p) => p.type)).toEqual(['car_sensor', 'car_sensor', 'gps', 'weather', 'car_sensor']);
    expect(payloads.filter((p) => p.speed > 120)).toHaveLength(1);
    expect(payloads.filter((p) => p.event_id === undefined)).toHaveLength(1);
    expect(corrupt).toMatchObject({ ok: false, reason: 'kpl:checksum' });
  });
});
