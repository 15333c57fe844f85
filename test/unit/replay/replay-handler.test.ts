import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createReplayHandler } from '#functions/replay/create-replay-handler.js';
import type { ProducerEntry } from '#src/adapters/aws/kinesis-producer.js';
import type { Reject } from '#src/telemetry/event.js';

const PLT = join('test', 'fixtures', 'geolife', 'Data', '000', 'Trajectory', '20081024020959.plt');

function fakes() {
  const calls: ProducerEntry[][] = [];
  const taken: [number, number][] = [];
  const rejects: Reject[] = [];
  const read: string[] = [];
  const handler = createReplayHandler({
    readObject: async (_bucket, key) => {
      read.push(key);
      const body = key.endsWith('.plt')
        ? readFileSync(PLT)
        : key.endsWith('.jsonl')
          ? Buffer.from(
              Array.from(
                { length: 1200 },
                (_, i) => `{"type":"car_sensor","car_id":${1000000 + (i % 3)},"n":${i}}`,
              ).join('\n'),
            )
          : Buffer.from('Start Time\tEnd Time\tTransportation Mode\n');
      return { body, etag: '"e3b0c44298fc1c149afbf4c8996fb924"' };
    },
    put: async (entries) => {
      calls.push(entries);
      return { put: entries.length, calls: 1, retriedEntries: 0 };
    },
    budget: { take: async (records, bytes) => void taken.push([records, bytes]) },
    rejects: { name: 'rejects', write: async (items) => void rejects.push(...items) },
  });
  return { handler, calls, taken, rejects, read };
}

describe('Function: createReplayHandler()', () => {
  it('given a Geolife .plt, puts its points keyed by user and reports the malformed lines with their position', async () => {
    // Prepare
    const { handler, calls, rejects } = fakes();

    // Act
    const result = await handler({ bucket: 'raw', key: 'incoming/Data/000/Trajectory/20081024020959.plt' });

    // Assess
    expect(result).toMatchObject({ records: 4, put: 4, rejected: 3 });
    expect(calls.flat().every((entry) => entry.partitionKey === '000')).toBe(true);
    expect(rejects.map((r) => r.reject_id)).toEqual([
      'incoming/Data/000/Trajectory/20081024020959.plt:9',
      'incoming/Data/000/Trajectory/20081024020959.plt:11',
      'incoming/Data/000/Trajectory/20081024020959.plt:13',
    ]);
  });

  it('given a JSONL object, puts every line in calls of at most 500 records, each within the budget', async () => {
    // Prepare
    const { handler, calls, taken } = fakes();

    // Act
    const result = await handler({ bucket: 'raw', key: 'incoming/cars.jsonl' });

    // Assess
    expect(result).toMatchObject({ records: 1200, put: 1200, rejected: 0 });
    expect(calls.map((c) => c.length)).toEqual([500, 500, 200]);
    expect(taken.map(([records]) => records)).toEqual([500, 500, 200]);
    expect(new Set(calls.flat().map((e) => e.partitionKey))).toEqual(new Set(['1000000', '1000001', '1000002']));
  });

  it('given an object that is neither, skips it and says why', async () => {
    // Act
    const result = await fakes().handler({ bucket: 'raw', key: 'incoming/Data/010/labels.txt' });

    // Assess
    expect(result).toMatchObject({ records: 0, put: 0, skipped: expect.stringContaining('not a Geolife .plt') });
  });
});

describe('Function: createReplayHandler() — retries and prefixes', () => {
  it('puts the same records, ids included, when Step Functions retries the same object', async () => {
    // Prepare
    const { handler, calls } = fakes();

    // Act
    await handler({ bucket: 'raw', key: 'incoming/cars.jsonl', prefix: 'incoming/' });
    const first = calls.flat();
    calls.length = 0;
    await handler({ bucket: 'raw', key: 'incoming/cars.jsonl', prefix: 'incoming/' });
    const retried = calls.flat();

    // Assess
    expect(first).toHaveLength(1200);
    expect(retried.map((e) => Buffer.from(e.data).toString())).toEqual(
      first.map((e) => Buffer.from(e.data).toString()),
    );
    const ids = first.map((e) => JSON.parse(Buffer.from(e.data).toString()).event_id);
    expect(new Set(ids).size).toBe(1200);
  });

  it('skips, unread, a key listed only because it starts with the prefix (a.jsonl for a.json)', async () => {
    // Prepare
    const { handler, calls, read } = fakes();

    // Act
    const sibling = await handler({ bucket: 'raw', key: 'incoming/cars.jsonl', prefix: 'incoming/cars.json' });
    const exact = await handler({ bucket: 'raw', key: 'incoming/cars.jsonl', prefix: 'incoming/cars.jsonl' });

    // Assess
    expect(sibling).toMatchObject({ records: 0, put: 0, skipped: expect.stringContaining('incoming/cars.json') });
    expect(exact).toMatchObject({ records: 1200, put: 1200 });
    expect(exact.skipped).toBeUndefined();
    expect(read).toEqual(['incoming/cars.jsonl']);
    expect(calls.flat()).toHaveLength(1200);
  });
});
