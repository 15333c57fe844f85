import { type StoredMessage, StoredOutputs } from '#local/run/stored-outputs.js';
import { emptyBatchCounts } from '#src/ingest/process-batch.js';

const countsOf = (accepted: number, byType: Record<string, number>, byRule: Record<string, number> = {}) => ({
  ...emptyBatchCounts(),
  records: accepted,
  accepted,
  alerts: Object.values(byRule).reduce((sum, n) => sum + n, 0),
  byType,
  byRule,
});

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

    // Assess: one message; the lake bytes are a copy of the view, moved (not cloned) with the message
    expect(posted).toHaveLength(1);
    const [message, transfer] = posted[0]!;
    expect(message.lake).toEqual([{ table: 'car_sensor', data: new Uint8Array([2, 3]), rows: 1 }]);
    expect(transfer).toEqual([message.lake[0]!.data.buffer]);
    expect(message.search).toEqual([
      { family: 'events', body: 'a\n' },
      { family: 'alerts', body: 'b\n' },
      { family: 'events', body: 'c\n' },
    ]);
    expect(message.alerts).toEqual(['{"n":1}', '{"n":2}']);
    expect(message.commit).toEqual({
      counts: countsOf(3, { car_sensor: 3 }, { speeding: 3 }),
      accepted: '{"id":"e1"}\n{"id":"e2"}\n',
      alerts: '{"id":"e1:speeding"}\n',
    });
  });

  it('given more than 256 KB of lake records and bodies, hands them over before the drain ends', () => {
    // Prepare
    const posted: StoredMessage[] = [];
    const stored = new StoredOutputs((message) => posted.push(message));
    const body = 'x'.repeat(100 * 1024);

    // Act
    stored.searchBody('events', body);
    stored.searchBody('events', body);
    const beforeLimit = posted.length;
    stored.lakeRecord('car_sensor', new Uint8Array(60 * 1024), 1);
    stored.searchBody('events', 'y');
    stored.flush();

    // Assess: the third item crossed 256 KB; what came after went in the drain's own message
    expect(beforeLimit).toBe(0);
    expect(posted.map((message) => message.search.length)).toEqual([2, 1]);
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
