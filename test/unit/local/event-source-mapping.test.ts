import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import {
  EventSourceMapping,
  MAX_PAYLOAD_BYTES,
  type MappedHandler,
  type MappingFaults,
  PROPAGATION_MS,
  propagationMsOf,
  spoolPathOf,
} from '#local/esm/event-source-mapping.js';
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

function setup(
  handler: MappedHandler,
  overrides: Partial<StreamMappingSettings> = {},
  records = 25,
  options: { keys?: (i: number) => string; data?: (i: number) => string; faults?: MappingFaults } = {},
) {
  const stream = new LocalStream('telemetry', 1);
  for (let i = 0; i < records; i++)
    stream.put(
      options.keys?.(i) ?? 'key',
      Buffer.from(options.data?.(i) ?? `r${i}`).toString('base64'),
      1_795_507_200_000 + i * 1000,
    );
  const dlqPath = join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl');
  const mapping = new EventSourceMapping({
    settings: { ...settings, ...overrides },
    createHandler: () => handler,
    stream,
    region: 'eu-west-1',
    dlqPath,
    now: () => 1_795_507_200_000,
    ...(options.faults ? { faults: options.faults } : {}),
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

  it.each([
    [false, [0, 0, 1]],
    [true, [0, 1, 1]],
  ])(
    'with enhancedFanOut %s, reads a shard it found empty again a second later when polling, at once when pushed',
    async (enhancedFanOut, delivered) => {
      // Prepare: an empty shard, then a record arriving half a second after the empty read
      let now = 1_795_507_200_000;
      const stream = new LocalStream('telemetry', 1);
      let records = 0;
      const mapping = new EventSourceMapping({
        settings: { ...settings, enhancedFanOut },
        createHandler: () => async (event) => {
          records += event.Records.length;
          return undefined;
        },
        stream,
        region: 'eu-west-1',
        dlqPath: join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl'),
        now: () => now,
      });

      // Act
      const seen: number[] = [];
      await mapping.drain(0);
      seen.push(records);
      now += 500;
      stream.put('key', Buffer.from('r0').toString('base64'), now);
      await mapping.drain(0);
      seen.push(records);
      now += 500;
      await mapping.drain(0);
      seen.push(records);

      // Assess
      expect(seen).toEqual(delivered);
    },
  );

  it.each([
    [false, PROPAGATION_MS.polling],
    [true, PROPAGATION_MS.enhancedFanOut],
  ])(
    'with enhancedFanOut %s, reads a record only %s ms after it arrived (Kinesis put-to-get delay), all of them at the end',
    async (enhancedFanOut, delayMs) => {
      // Prepare: two records, 50 ms apart; the mapping polls at their arrival and then as the delay passes
      const arrived = 1_795_507_200_000;
      let now = arrived;
      const stream = new LocalStream('telemetry', 1);
      stream.put('key', Buffer.from('r0').toString('base64'), arrived);
      stream.put('key', Buffer.from('r1').toString('base64'), arrived + 50);
      const mapping = new EventSourceMapping({
        settings: { ...settings, enhancedFanOut, batchSize: 1 },
        createHandler: () => async () => undefined,
        stream,
        region: 'eu-west-1',
        dlqPath: join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl'),
        now: () => now,
        propagationMs: propagationMsOf({ enhancedFanOut }),
      });

      // Act
      const delivered: number[] = [];
      for (const at of [0, delayMs - 1, delayMs, delayMs + 50]) {
        now = arrived + at;
        // Polling waits a second after a shard it found empty: this test is about the delay alone.
        (mapping as unknown as { idleUntil: number[] }).idleUntil.length = 0;
        await mapping.drain(0);
        delivered.push(mapping.checkpoints[0]!);
      }
      now = arrived;
      await mapping.drain(0, true);

      // Assess
      expect(delivered).toEqual([0, 0, 1, 2]);
      expect(mapping.checkpoints[0]).toBe(2);
    },
  );

  it("reads a batch's records when the batch goes out, not a whole drain's at once (they would outlive the young generation)", async () => {
    // Prepare: a worker's copy of a shard, which does not keep the records it made
    const stream = new LocalStream('telemetry', 1, undefined, { keepReadRecords: false });
    for (let i = 0; i < 25; i++) stream.putBytes(0, 'key', Buffer.from(`r${i}`), 1_795_507_200_000 + i * 1000);
    let made = 0;
    const recordAt = stream.recordAt.bind(stream);
    stream.recordAt = (shardIndex, position) => {
      made++;
      return recordAt(shardIndex, position);
    };
    const madeAtInvoke: number[] = [];
    const mapping = new EventSourceMapping({
      settings,
      createHandler: () => async () => {
        madeAtInvoke.push(made);
        return { batchItemFailures: [] };
      },
      stream,
      region: 'eu-west-1',
      dlqPath: join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl'),
      now: () => 1_795_507_200_000,
    });

    // Act
    await mapping.drain(0);

    // Assess: by each invocation, its own batch and the ones before, never the rest of the drain
    expect(madeAtInvoke).toEqual([10, 20, 25]);
    expect(mapping.checkpoints[0]).toBe(25);
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
    // The spool beside it keeps the dead-lettered record, for `fleetstream redrive --dlq`.
    const spool = readFileSync(spoolPathOf(dlqPath), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(spool).toEqual([
      expect.objectContaining({
        shardId: 'shardId-000000000000',
        sequenceNumber: dlq[0].KinesisBatchInfo.startSequenceNumber,
        data: Buffer.from('r7').toString('base64'),
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

  it('with a parallelization factor, keeps several batches of one shard in flight and order per partition key only', async () => {
    // Prepare: 40 records of 8 keys, factor 4, batches of 3
    const seen: string[][] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const { mapping } = setup(
      async (event) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(decode(event));
        inFlight--;
        return { batchItemFailures: [] };
      },
      { parallelizationFactor: 4, batchSize: 3 },
      40,
      { keys: (i) => `k${i % 8}`, data: (i) => `k${i % 8}:${i}` },
    );

    // Act
    await mapping.drain(0, true);

    // Assess
    const delivered = seen.flat();
    expect(delivered).toHaveLength(40);
    expect(new Set(delivered).size).toBe(40);
    expect(maxInFlight).toBeGreaterThan(1);
    for (let key = 0; key < 8; key++) {
      const order = delivered.filter((d) => d.startsWith(`k${key}:`)).map((d) => Number(d.split(':')[1]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(mapping.checkpoints[0]).toBe(40);
  });

  it('hands concurrent batches to different execution environments, each built by the factory', async () => {
    // Prepare
    const built: number[] = [];
    const stream = new LocalStream('telemetry', 1);
    for (let i = 0; i < 40; i++) stream.put(`k${i % 8}`, Buffer.from(`r${i}`).toString('base64'), 1_795_507_200_000);
    const mapping = new EventSourceMapping({
      settings: { ...settings, parallelizationFactor: 4, batchSize: 3 },
      createHandler: () => {
        built.push(built.length);
        return async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return undefined;
        };
      },
      stream,
      region: 'eu-west-1',
      dlqPath: join(mkdtempSync(join(tmpdir(), 'esm-')), 'dlq.jsonl'),
    });

    // Act
    await mapping.drain(0, true);

    // Assess
    expect(built.length).toBeGreaterThan(1);
    expect(mapping.stats.coldStarts).toBe(built.length);
    expect(built.length).toBeLessThanOrEqual(4);
  });

  it('cuts a batch at the 6 MB invocation payload limit', async () => {
    // Prepare: 10 records of about 1 MiB of base64 each, batchSize 100
    const sizes: number[] = [];
    const { mapping } = setup(
      async (event) => {
        sizes.push(event.Records.length);
        const bytes = event.Records.reduce((sum, r) => sum + r.kinesis.data.length, 0);
        expect(bytes).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
        return undefined;
      },
      { batchSize: 100 },
      10,
      { data: () => 'x'.repeat(750 * 1024) },
    );

    // Act
    await mapping.drain(0, true);

    // Assess
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThan(10);
  });

  it('runs each invocation in a fresh environment when a cold start is forced', async () => {
    // Prepare
    const faults: MappingFaults = { coldStart: () => true };
    const { mapping } = setup(async () => undefined, {}, 25, { faults });

    // Act
    await mapping.drain(0, true);

    // Assess
    expect(mapping.stats.invocations).toBe(3);
    expect(mapping.stats.coldStarts).toBe(3);
  });

  it('retries a batch whose environment crashed in a fresh environment, even though the handler returned', async () => {
    // Prepare
    const delivered: string[] = [];
    let crashes = 1;
    const faults: MappingFaults = { crash: () => (crashes-- > 0 ? 0 : undefined) };
    const { mapping } = setup(
      async (event) => {
        delivered.push(...decode(event));
        return { batchItemFailures: [] };
      },
      {},
      10,
      { faults },
    );

    // Act
    await mapping.drain(0, true);

    // Assess: the crashed attempt's effects happened, and the whole batch came again
    expect(mapping.stats.crashes).toBe(1);
    expect(mapping.stats.coldStarts).toBe(2);
    expect(delivered.filter((d) => d === 'r0')).toHaveLength(2);
  });

  it('retries a failing final invoke of a window until it succeeds', async () => {
    // Prepare
    let finals = 0;
    const { mapping } = setup(
      async (event) => {
        if (event.isFinalInvokeForWindow && finals++ < 2) throw new Error('sink down');
        return { state: {} };
      },
      { tumblingWindowInSeconds: 900, batchSize: 100 },
      5,
    );

    // Act
    await mapping.drain(0, true);
    await mapping.closeWindows();

    // Assess
    expect(finals).toBe(3);
    expect(mapping.stats.windowsFinalised).toBe(1);
  });

  it('ends a window early when the returned state passes 1 MB, and goes on with a fresh state', async () => {
    // Prepare
    const calls: { records: number; early: unknown; final: unknown; stateBytes: number }[] = [];
    const { mapping } = setup(
      async (event) => {
        calls.push({
          records: event.Records.length,
          early: event.isWindowTerminatedEarly,
          final: event.isFinalInvokeForWindow,
          stateBytes: JSON.stringify(event.state).length,
        });
        return { state: { blob: event.Records.length > 0 && calls.length === 1 ? 'x'.repeat(1024 * 1024) : '' } };
      },
      { tumblingWindowInSeconds: 900, batchSize: 5 },
      10,
    );

    // Act
    await mapping.drain(0, true);
    await mapping.closeWindows();

    // Assess
    expect(calls.map((c) => [c.records, c.early, c.final])).toEqual([
      [5, false, false],
      [0, true, false],
      [5, false, false],
      [0, false, true],
    ]);
    expect(calls[2]!.stateBytes).toBeLessThan(10);
    expect(mapping.stats.windowsTerminatedEarly).toBe(1);
  });

  it('counts the escapes of a returned state: under 1 MB of characters but over 1 MB as JSON ends the window early', async () => {
    // Prepare
    const blob = `${'x'.repeat(1024 * 1024 - 200)}${'"'.repeat(150)}`;
    const { mapping } = setup(
      async (event) => ({ state: { blob: event.Records.length > 0 ? blob : '' } }),
      { tumblingWindowInSeconds: 900, batchSize: 5 },
      5,
    );

    // Act
    await mapping.drain(0, true);

    // Assess
    expect(blob.length).toBeLessThan(1024 * 1024);
    expect(mapping.stats.windowsTerminatedEarly).toBe(1);
  });

  it('refuses tumbling windows with a parallelization factor above 1', () => {
    // Act
    const build = () => setup(async () => undefined, { tumblingWindowInSeconds: 900, parallelizationFactor: 2 });

    // Assess
    expect(build).toThrow(/parallelizationFactor 1/);
  });
});
