import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { EventSourceMapping, type MappedHandler } from '#local/esm/event-source-mapping.js';
import type { StreamMappingSettings } from '#local/serverless-config.js';
import { LocalStream } from '#local/stream/local-stream.js';

const settings: StreamMappingSettings = {
  functionName: 'fleetstream-test-fn',
  batchSize: 10,
  batchWindow: 0,
  bisectBatchOnFunctionError: true,
  maximumRetryAttempts: 2,
  maximumRecordAgeInSeconds: 3600,
  reportBatchItemFailures: true,
  parallelizationFactor: 1,
  startingPosition: 'TRIM_HORIZON',
  tumblingWindowInSeconds: undefined,
};

const decode = (event: KinesisStreamEvent) =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

function setup(handler: MappedHandler, overrides: Partial<StreamMappingSettings> = {}, records = 25) {
  const stream = new LocalStream('telemetry', 1);
  for (let i = 0; i < records; i++)
    stream.put('key', Buffer.from(`r${i}`).toString('base64'), 1_795_507_200_000 + i * 1000);
  const dlqPath = join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl');
  const mapping = new EventSourceMapping({
    settings: { ...settings, ...overrides },
    handler,
    stream,
    region: 'eu-west-1',
    dlqPath,
    now: () => 1_795_507_200_000,
  });
  return { mapping, dlqPath };
}

describe('Class: EventSourceMapping', () => {
  it('delivers batches of batchSize in order, as real Kinesis events', async () => {
    // Prepare
    const seen: KinesisStreamEvent[] = [];
    const { mapping } = setup(async (event) => {
      seen.push(event);
      return { batchItemFailures: [] };
    });

    // Act
    await mapping.drain(0);

    // Assess
    expect(seen.map((e) => e.Records.length)).toEqual([10, 10, 5]);
    expect(seen.flatMap(decode)).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(seen[0]!.Records[0]).toMatchObject({
      eventSource: 'aws:kinesis',
      eventID: expect.stringMatching(/^shardId-000000000000:\d{56}$/),
      eventSourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/telemetry',
      kinesis: { partitionKey: 'key', approximateArrivalTimestamp: 1_795_507_200 },
    });
  });

  it('holds a partial batch until batchWindow has passed, and sends it at the end of the input', async () => {
    // Prepare: records arrive one second apart; batchWindow 5 s, batchSize 10
    const sizes: number[] = [];
    const { mapping } = setup(
      async (event) => {
        sizes.push(event.Records.length);
        return undefined;
      },
      { batchWindow: 5 },
      25,
    );

    // Act
    await mapping.drain(0);
    const beforeEnd = [...sizes];
    await mapping.drain(0, true);

    // Assess: 20 in full batches, then 5 records spanning 4 s wait for more until the input ends
    expect(beforeEnd).toEqual([10, 10]);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('resumes at the lowest reported failure and never redelivers the records before it', async () => {
    // Prepare
    const delivered: string[] = [];
    let failed = false;
    const { mapping } = setup(async (event) => {
      const data = decode(event);
      const at = data.indexOf('r13');
      if (at >= 0 && !failed) {
        failed = true;
        delivered.push(...data.slice(0, at));
        return {
          batchItemFailures: [
            { itemIdentifier: event.Records[at + 2]!.kinesis.sequenceNumber },
            { itemIdentifier: event.Records[at]!.kinesis.sequenceNumber },
          ],
        };
      }
      delivered.push(...data);
      return { batchItemFailures: [] };
    });

    // Act
    await mapping.drain(0);

    // Assess
    expect(delivered).toEqual(Array.from({ length: 25 }, (_, i) => `r${i}`));
    expect(mapping.stats.retries).toBe(1);
  });

  it('isolates a poison record by bisection, processes every other record exactly once, and dead-letters the poison', async () => {
    // Prepare
    const processed: string[] = [];
    const { mapping, dlqPath } = setup(async (event) => {
      const data = decode(event);
      if (data.includes('r7')) throw new Error('poison');
      processed.push(...data);
      return undefined;
    });

    // Act
    await mapping.drain(0);

    // Assess
    expect([...processed].sort()).toEqual(
      Array.from({ length: 25 }, (_, i) => `r${i}`)
        .filter((r) => r !== 'r7')
        .sort(),
    );
    expect(new Set(processed).size).toBe(processed.length);
    expect(mapping.stats.bisections).toBeGreaterThan(0);
    const dlq = readFileSync(dlqPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(dlq).toEqual([
      expect.objectContaining({
        requestContext: expect.objectContaining({ condition: 'RetryAttemptsExhausted' }),
        KinesisBatchInfo: expect.objectContaining({ batchSize: 1, shardId: 'shardId-000000000000' }),
      }),
    ]);
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    let calls = 0;
    const { mapping, dlqPath } = setup(
      async () => {
        calls++;
        return { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] };
      },
      { bisectBatchOnFunctionError: false, maximumRetryAttempts: 1 },
      5,
    );
    await mapping.drain(0);
    expect(calls).toBe(2);
    expect(existsSync(dlqPath)).toBe(true);
  });

  it('threads tumbling-window state, never spans a window, and sends a final invoke per window', async () => {
    // Prepare
    const calls: { records: number; state: unknown; final: unknown; start: unknown }[] = [];
    const { mapping } = setup(
      async (event) => {
        calls.push({
          records: event.Records.length,
          state: event.state,
          final: event.isFinalInvokeForWindow,
          start: (event.window as { start: string }).start,
        });
        return { state: { seen: ((event.state as { seen?: number }).seen ?? 0) + event.Records.length } };
      },
      { tumblingWindowInSeconds: 15, batchSize: 100 },
    );

    // Act
    await mapping.drain(0);
    await mapping.closeWindows();

    // Assess
    expect(calls.map((c) => [c.records, c.final])).toEqual([
      [15, false],
      [0, true],
      [10, false],
      [0, true],
    ]);
    expect(calls[1]!.state).toEqual({ seen: 15 });
    expect(calls[2]!.state).toEqual({});
    expect(calls[0]!.start).toBe('2026-11-24T08:00:00.000Z');
  });
});
