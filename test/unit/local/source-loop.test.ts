import type { RunAccounting } from '#local/run/run-accounting.js';
import type { RunOutputs } from '#local/run/run-outputs.js';
import { recordOf, type SourceEntry } from '#local/run/source-entry.js';
import { LocalStream } from '#local/stream/local-stream.js';
import type { Reject } from '#src/telemetry/event.js';
import { pumpIntoIdleStream } from '#test/helpers/pump-idle.js';

const reject = { reject_id: 'r-1', reason: 'input:base64' } as Reject;

describe('Function: recordOf()', () => {
  it.each<[string, SourceEntry, unknown]>([
    ['a bare record', { partitionKey: 'k', data: 'a' }, { partitionKey: 'k', data: 'a' }],
    [
      'a wrapped record',
      { kind: 'record', record: { partitionKey: 'k', data: 'b' } },
      { partitionKey: 'k', data: 'b' },
    ],
    ['a reject', { kind: 'reject', reject }, undefined],
  ])('given %s, gives its record', (_name, entry, record) => {
    expect(recordOf(entry)).toEqual(record);
  });
});

describe('Function: pumpSource()', () => {
  it('puts bare and wrapped records on the stream in order, and rejects what the source rejected', async () => {
    // Prepare
    const stream = new LocalStream('telemetry', 1);
    const written: Reject[] = [];
    const reasons: string[] = [];
    function* entries(): Generator<SourceEntry> {
      yield { partitionKey: 'k', data: 'one', arrivalMs: 1_000 };
      yield { kind: 'record', record: { partitionKey: 'k', data: 'two', arrivalMs: 1_001 } };
      yield { kind: 'reject', reject };
      yield { partitionKey: 'k', data: new Uint8Array([0xff]), arrivalMs: 1_002 };
    }

    // Act
    const result = await pumpIntoIdleStream(stream, entries(), {
      outputs: { rejects: { write: async (items: Reject[]) => void written.push(...items) } } as unknown as RunOutputs,
      accounting: { sourceReject: (reason: string) => void reasons.push(reason) } as unknown as RunAccounting,
    });

    // Assess
    expect(result).toMatchObject({ produced: 3, sourceRejects: 1 });
    expect(stream.read(0, 0, 10).map((r) => Buffer.from(r.data, 'base64').toString('latin1'))).toEqual([
      'one',
      'two',
      '\u00ff',
    ]);
    expect(written).toEqual([reject]);
    expect(reasons).toEqual(['input:base64']);
  });

  it('given records whose bytes the source writes over for the next (the fleet simulator), puts each as it was', async () => {
    // Prepare: one buffer for every record, and one PutRecords call for them all (one arrival time)
    const stream = new LocalStream('telemetry', 1);
    const scratch = new Uint8Array(8);
    function* entries(): Generator<SourceEntry> {
      for (const text of ['alpha', 'beta', 'gamma', 'é']) {
        const length = Buffer.from(text).copy(scratch);
        yield { partitionKey: 'k', data: scratch.subarray(0, length), arrivalMs: 1_000 };
      }
      yield { partitionKey: 'k', data: 'text', arrivalMs: 1_000 };
    }

    // Act
    const result = await pumpIntoIdleStream(stream, entries());

    // Assess
    expect(result).toMatchObject({ produced: 5, kinesis: { put_records_calls: 1, records: 5 } });
    expect(stream.read(0, 0, 10).map((r) => Buffer.from(r.data, 'base64').toString('utf8'))).toEqual([
      'alpha',
      'beta',
      'gamma',
      'é',
      'text',
    ]);
  });
});
