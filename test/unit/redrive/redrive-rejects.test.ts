import { reasonMatches, selectRejects } from '#src/redrive/redrive-rejects.js';
import type { Reject } from '#src/telemetry/event.js';

const reject = (reason: string, fields: Partial<Reject>): Reject => ({
  reject_id: `s/k/${reason}`,
  reason,
  message: reason,
  source: { stream: 's', shard_id: 'shardId-0', partition_key: '', sequence_number: '1' },
  event_id: null,
  type: null,
  ...fields,
});

describe('Function: selectRejects()', () => {
  it.each([
    ['schema', 'schema:/speed:minimum', true],
    ['schema:/speed:minimum', 'schema:/speed:minimum', true],
    ['schema:/speed', 'schema:/speed:minimum', true],
    ['schem', 'schema:/speed:minimum', false],
    ['json', 'schema:/speed:minimum', false],
  ])('reason %s matches %s: %s', (wanted, reason, matches) => {
    expect(reasonMatches(reason, wanted)).toBe(matches);
  });

  it('turns matching rejects back into their payload bytes and key, and lists the ones it cannot send', () => {
    // Prepare
    const rejects = [
      reject('schema:/speed:type', {
        payload: '{"car_id":"C7","speed":"fast"}',
        source: { stream: 's', shard_id: 'shardId-0', partition_key: 'C7', sequence_number: '1' },
      }),
      reject('schema:/rpm:minimum', { payload: '{"car_id":"C9","rpm":-1}' }),
      reject('schema:/gear:type', { payload_base64: Buffer.from([0xff, 0x00]).toString('base64') }),
      reject('schema:/ts:format', { payload: '{"x":1', payload_truncated: true }),
      reject('json:syntax', { payload: 'not json' }),
    ];

    // Act
    const selection = selectRejects(rejects, 'schema');

    // Assess
    expect(selection).toMatchObject({ read: 5, matched: 4 });
    expect(selection.records.map((r) => [r.partitionKey, Buffer.from(r.data).toString('hex')])).toEqual([
      ['C7', Buffer.from('{"car_id":"C7","speed":"fast"}').toString('hex')],
      ['C9', Buffer.from('{"car_id":"C9","rpm":-1}').toString('hex')],
      ['reject-3', 'ff00'],
    ]);
    expect(selection.skipped).toEqual([
      {
        reject_id: 's/k/schema:/ts:format',
        reason: 'schema:/ts:format',
        why: 'only the first 1 MiB of the payload was kept',
      },
    ]);
    expect(selection.byReason).toEqual({
      'schema:/speed:type': 1,
      'schema:/rpm:minimum': 1,
      'schema:/gear:type': 1,
      'schema:/ts:format': 1,
    });
  });
});
