import { packRecords, unpackRecords } from '#local/esm/mapping-thread.js';
import type { StoredRecord } from '#local/stream/local-stream.js';

describe('Function: packRecords()', () => {
  it('given keys holding newlines, commas and any character, unpacks to the same records in order', () => {
    // Prepare: partition keys may hold any character; data is base64; sequence numbers are digits
    const keys = ['car-1', 'a\nb', 'x,y', 'é🚗', '', '\u2028', 'k'.repeat(256)];
    const records: StoredRecord[] = keys.map((partitionKey, i) => ({
      kinesisSchemaVersion: '1.0',
      partitionKey,
      data: Buffer.from(`{"n":${i},"text":"line\\nbreak"}`).toString('base64'),
      sequenceNumber: `4965${String(i).padStart(52, '0')}`,
      approximateArrivalTimestamp: 1_764_000_000.123 + i,
    }));

    // Act
    const packed = packRecords(2, records);
    const unpacked = unpackRecords(structuredClone(packed));

    // Assess
    expect(packed).toMatchObject({ shard: 2, count: keys.length });
    expect(unpacked).toEqual(records);
  });

  it('given no records, unpacks to none', () => {
    // Act
    const unpacked = unpackRecords(packRecords(0, []));

    // Assess
    expect(unpacked).toEqual([]);
  });
});
