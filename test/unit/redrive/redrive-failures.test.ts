import type { KinesisBatchInfo } from '#src/redrive/failure-record.js';
import {
  type FailureQueue,
  type QueuedMessage,
  type RangeRead,
  redriveFailures,
  type SendResult,
  type StreamRecord,
} from '#src/redrive/redrive-failures.js';

const info = (shardId: string, start: string, end: string, batchSize: number) => ({
  KinesisBatchInfo: {
    shardId,
    startSequenceNumber: start,
    endSequenceNumber: end,
    approximateArrivalOfFirstRecord: '2026-12-03T01:00:00.000Z',
    approximateArrivalOfLastRecord: '2026-12-03T01:00:01.000Z',
    batchSize,
    streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s',
  },
});

const recordsOf = (from: number, to: number): StreamRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    partitionKey: 'car-1',
    data: Buffer.from(`{"n":${from + i}}`).toString('base64'),
    sequenceNumber: String(from + i),
    approximateArrivalTimestamp: 1_764_723_600,
  }));

/** A queue that, like SQS within a visibility timeout, hands out each message once, then shows it again. */
function queueOf(bodies: string[]): FailureQueue & { removed: string[] } {
  const messages: QueuedMessage[] = bodies.map((body, i) => ({ id: `m${i}`, body }));
  let calls = 0;
  const removed: string[] = [];
  return {
    removed,
    async receive() {
      calls++;
      // The second page repeats a message: the redrive must not handle it twice.
      if (calls === 1) return messages.slice(0, 2);
      if (calls === 2) return [messages[0]!, ...messages.slice(2)];
      return [];
    },
    async remove(message) {
      removed.push(message.id);
    },
  };
}

describe('Function: redriveFailures()', () => {
  it('redrives readable ranges, reports expired, failed and invalid ones and removes only the redriven', async () => {
    // Prepare
    const queue = queueOf([
      JSON.stringify(info('shardId-0', '10', '12', 3)),
      JSON.stringify(info('shardId-0', '1', '2', 2)),
      JSON.stringify(info('shardId-1', '20', '23', 4)),
      'not a failure record',
    ]);
    const sent: { shard: string; sequences: string[] }[] = [];
    const reader = {
      async read(batch: KinesisBatchInfo): Promise<RangeRead> {
        if (batch.startSequenceNumber === '1') return { kind: 'expired', reason: 'trimmed' };
        return {
          kind: 'records',
          records: recordsOf(Number(batch.startSequenceNumber), Number(batch.endSequenceNumber)),
        };
      },
    };
    const target = {
      async send(batch: KinesisBatchInfo, records: readonly StreamRecord[]): Promise<SendResult> {
        sent.push({ shard: batch.shardId, sequences: records.map((r) => r.sequenceNumber) });
        return batch.shardId === 'shardId-1'
          ? { ok: false, failedFrom: 1, error: 'sink down' }
          : { ok: true, outcomes: { accepted: 1, rejected: 1, duplicates: 0, redelivered: 1 } };
      },
    };

    // Act
    const result = await redriveFailures({ queue, reader, target });

    // Assess
    expect(result.messages).toEqual({ redriven: 1, expired: 1, failed: 1, invalid: 1 });
    expect(result.records).toEqual({ redriven: 3, expired: 2, failed: 3 });
    expect(result.ended).toEqual({ accepted: 1, rejected: 1, duplicates: 0, redelivered: 1, unreported: 0 });
    expect(sent).toEqual([
      { shard: 'shardId-0', sequences: ['10', '11', '12'] },
      { shard: 'shardId-1', sequences: ['20', '21', '22', '23'] },
    ]);
    expect(queue.removed).toEqual(['m0']);
    expect(result.outcomes.map((o) => [o.id, o.kind, o.detail])).toEqual([
      ['m0', 'redriven', undefined],
      ['m1', 'expired', 'trimmed'],
      ['m2', 'failed', 'sink down'],
      ['m3', 'invalid', 'not JSON: Unexpected token \'o\', "not a failure record" is not valid JSON'],
    ]);
  });

  it('given an empty queue, sends nothing', async () => {
    // Prepare
    let calls = 0;
    const count = async (): Promise<never> => {
      calls++;
      throw new Error('not expected');
    };

    // Act
    const result = await redriveFailures({
      queue: { receive: async () => [], remove: count },
      reader: { read: count },
      target: { send: count },
    });

    // Assess
    expect(result.messages).toEqual({ redriven: 0, expired: 0, failed: 0, invalid: 0 });
    expect(calls).toBe(0);
  });
});
