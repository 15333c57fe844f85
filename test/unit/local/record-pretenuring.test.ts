import { join } from 'node:path';
import { toEvent } from '#local/esm/event-source-mapping.js';
import { packRecords, unpackRecords } from '#local/esm/mapping-thread.js';
import { LocalStream } from '#local/stream/local-stream.js';
import { pretenuringDecisions, repoRoot } from '../../helpers/pretenuring.js';

/**
 * Builds a batch's records many times over, keeping every batch alive across young collections
 * (as a batch's records live while it runs).
 */
const probe = `import { toEvent } from ${JSON.stringify(join(repoRoot, 'local/esm/event-source-mapping.ts'))};
import { packRecords, unpackRecords } from ${JSON.stringify(join(repoRoot, 'local/esm/mapping-thread.ts'))};
import { LocalStream } from ${JSON.stringify(join(repoRoot, 'local/stream/local-stream.ts'))};
const stream = new LocalStream('probe', 1, undefined, { keepReadRecords: false });
const bytes = Buffer.from('{"type":"car_sensor","event_id":"e"}');
for (let i = 0; i < 5000; i++) stream.putBytes(0, 'car-' + (i % 20), bytes, 1000);
const kept = [];
for (let round = 0; round < 4; round++) {
  for (let at = 0; at < 5000; at += 25) {
    const records = stream.read(0, at, 25);
    kept.push(toEvent(unpackRecords(packRecords(0, records)), 'shardId-000000000000', 'arn', 'eu-west-1', 'role'));
  }
  globalThis.gc({ type: 'minor' });
}
console.log('batches kept', kept.length);`;

describe('Records a mapping hands its function', () => {
  it('come from constructors, which V8 does not pretenure: no allocation site is tenured while batches live', () => {
    // Act
    const decisions = pretenuringDecisions(probe, 'batches kept 800');

    // Assess: with object literals, the sites of the stored records and the event records were
    // marked "maybe tenure" (every object found alive) by the first young collection
    expect(decisions).toEqual([]);
  });

  it('are plain objects with the keys of the Kinesis event, in its order', () => {
    // Prepare
    const stream = new LocalStream('plain', 1, undefined, { keepReadRecords: false });
    stream.putBytes(0, 'car-1', Buffer.from('{}'), 1_000);
    stream.put('car-2', Buffer.from('[]').toString('base64'), 2_000);

    // Act
    const stored = stream.read(0, 0, 2);
    const event = toEvent(unpackRecords(packRecords(0, stored)), 'shardId-000000000000', 'arn', 'eu-west-1', 'role');

    // Assess
    for (const record of [...stored, ...event.Records.map((r) => r.kinesis)]) {
      expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
      expect(Object.keys(record)).toEqual([
        'kinesisSchemaVersion',
        'partitionKey',
        'sequenceNumber',
        'data',
        'approximateArrivalTimestamp',
      ]);
    }
    expect(JSON.parse(JSON.stringify(event.Records[1]))).toEqual({
      kinesis: { ...stored[1] },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${stored[1]!.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'role',
      awsRegion: 'eu-west-1',
      eventSourceARN: 'arn',
    });
    expect(Object.getPrototypeOf(event.Records[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(Object.keys(event)).toEqual(['Records']);
  });
});
