import { HANDOVER_BYTES, type StoredMessage, StoredOutputs } from '#local/run/stored-outputs.js';
import { emptyBatchCounts } from '#src/ingest/process-batch.js';

const countsOf = (accepted: number, byType: Record<string, number>, byRule: Record<string, number> = {}) => ({
  ...emptyBatchCounts(),
  records: accepted,
  accepted,
  alerts: Object.values(byRule).reduce((sum, n) => sum + n, 0),
  byType,
  byRule,
});

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('Class: StoredOutputs', () => {
  it('given a drain of several invocations, hands them over as one message: counts summed, items in order', () => {
    // Prepare
    const posted: [StoredMessage, ArrayBuffer[]][] = [];
    const stored = new StoredOutputs((message, transfer) => posted.push([message, transfer]));
    const source = new Uint8Array([1, 2, 3, 4]);

    // Act
    stored.lakeRecord('car_sensor', source.subarray(1, 3), 1);
    stored.searchBody('events', 'a\n');
    stored.alert('{"n":1}');
    stored.invocation(countsOf(2, { car_sensor: 2 }, { speeding: 1 }), '{"id":"e1"}\n', '{"id":"e1:speeding"}\n');
    stored.searchBody('alerts', 'b\n');
    stored.searchBody('events', 'c\n');
    stored.alert('{"n":2}');
    stored.invocation(countsOf(1, { car_sensor: 1 }, { speeding: 2 }), '{"id":"e2"}\n', '');
    stored.flush();
    stored.flush();

    // Assess: one message; the lake bytes are a copy of the view, the bodies and id lines UTF-8 per
    // destination in order, all moved (not cloned) with the message
    expect(posted).toHaveLength(1);
    const [message, transfer] = posted[0]!;
    expect(message.lake).toEqual([{ table: 'car_sensor', data: new Uint8Array([2, 3]), rows: 1 }]);
    expect(message.search.map(({ family, bytes, bodies }) => ({ family, text: text(bytes), bodies }))).toEqual([
      { family: 'events', text: 'a\nc\n', bodies: 2 },
      { family: 'alerts', text: 'b\n', bodies: 1 },
    ]);
    expect(message.alerts).toEqual(['{"n":1}', '{"n":2}']);
    const commit = message.commit!;
    expect(commit.counts).toEqual(countsOf(3, { car_sensor: 3 }, { speeding: 3 }));
    expect(text(commit.accepted)).toBe('{"id":"e1"}\n{"id":"e2"}\n');
    expect(text(commit.alerts)).toBe('{"id":"e1:speeding"}\n');
    const moved = [message.lake[0]!.data, ...message.search.map(({ bytes }) => bytes), commit.accepted, commit.alerts];
    expect(new Set(transfer)).toEqual(new Set(moved.map((bytes) => bytes.buffer)));
    expect(transfer).toHaveLength(moved.length);
  });

  it('given several Firehose records of a table, hands them over back to back in one buffer per table', () => {
    // Prepare: records of two tables, the first a view of a larger buffer
    const posted: [StoredMessage, ArrayBuffer[]][] = [];
    const stored = new StoredOutputs((message, transfer) => posted.push([message, transfer]));
    const encode = (line: string) => new TextEncoder().encode(line);
    const shared = encode('skip{"a":1}\n{"a":2}\nskip');

    // Act
    stored.lakeRecord('car_sensor', shared.subarray(4, 20), 2);
    stored.lakeRecord('alerts', encode('{"r":1}\n'), 1);
    stored.lakeRecord('car_sensor', encode('{"a":3}\n'), 1);
    shared.fill(0);
    stored.flush();

    // Assess: one entry per table, its records in order and copied, each table's bytes moved
    const [message, transfer] = posted[0]!;
    expect(message.lake.map(({ table, data, rows }) => ({ table, text: text(data), rows }))).toEqual([
      { table: 'car_sensor', text: '{"a":1}\n{"a":2}\n{"a":3}\n', rows: 3 },
      { table: 'alerts', text: '{"r":1}\n', rows: 1 },
    ]);
    expect(transfer).toEqual(expect.arrayContaining(message.lake.map(({ data }) => data.buffer)));
    expect(new Set(message.lake.map(({ data }) => data.buffer)).size).toBe(2);
  });

  it('given bodies of any characters past the first buffer, hands over their exact UTF-8', () => {
    // Prepare: many bodies with characters of 2, 3 and 4 UTF-8 bytes, far past the initial capacity
    const posted: StoredMessage[] = [];
    const stored = new StoredOutputs((message) => posted.push(message));
    const bodies = Array.from({ length: 5000 }, (_, i) => `{"n":${i},"s":"é€😀\u2028"}\n`);

    // Act
    for (const body of bodies) stored.searchBody('events', body);
    stored.flush();

    // Assess
    const sent = posted.flatMap((message) => message.search);
    expect(sent.reduce((sum, { bodies: count }) => sum + count, 0)).toBe(bodies.length);
    expect(sent.map(({ bytes }) => text(bytes)).join('')).toBe(bodies.join(''));
  });

  it('given more than HANDOVER_BYTES of lake records and bodies, hands them over before the drain ends', () => {
    // Prepare
    const posted: StoredMessage[] = [];
    const stored = new StoredOutputs((message) => posted.push(message));
    const body = 'x'.repeat(0.4 * HANDOVER_BYTES);

    // Act
    stored.searchBody('events', body);
    stored.searchBody('events', body);
    const beforeLimit = posted.length;
    stored.lakeRecord('car_sensor', new Uint8Array(0.25 * HANDOVER_BYTES), 1);
    stored.searchBody('events', 'y');
    stored.flush();

    // Assess: the third item crossed HANDOVER_BYTES; what came after went in the drain's own message
    expect(beforeLimit).toBe(0);
    expect(posted.map((message) => message.search.map(({ bodies }) => bodies))).toEqual([[2], [1]]);
    expect(posted[0]!.lake).toHaveLength(1);
  });

  it('given nothing stored, posts nothing', () => {
    // Prepare
    const posted: StoredMessage[] = [];
    const stored = new StoredOutputs((message) => posted.push(message));

    // Act
    stored.flush();

    // Assess
    expect(posted).toEqual([]);
  });
});
