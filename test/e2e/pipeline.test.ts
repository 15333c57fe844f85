import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { aggregate } from '#src/ingest/kpl-aggregation.js';
import {
  clients,
  destroyClients,
  FunctionFailedError,
  invokeFunction,
  readJsonlObjects,
  stackOutputs,
  waitFor,
} from './emulator.js';

const FIXTURES = join('test', 'fixtures', 'events', 'kinesis');
const FUNCTIONS = ['fleetstream-local-ingest', 'fleetstream-local-aggregate'];

/** One record per input type plus every hostile one: the payloads of the Kinesis fixtures, in order. */
function fixtureRecords(): { partitionKey: string; data: string }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json') && file !== 'tumbling-window.json')
    .sort()
    .flatMap((file) =>
      (JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as KinesisStreamEvent).Records.map((record) => ({
        partitionKey: record.kinesis.partitionKey,
        data: Buffer.from(record.kinesis.data, 'base64').toString('utf8'),
      })),
    );
}

describe('The local stage deployed to the emulator', () => {
  let outputs: Record<string, string>;
  let queueUrl: string;
  const records = fixtureRecords();

  beforeAll(async () => {
    outputs = await stackOutputs();
    // Alerts are published to an SNS FIFO topic: a FIFO queue subscribed to it lets the test read them.
    queueUrl = (
      await clients.sqs.send(
        new CreateQueueCommand({
          QueueName: `fleetstream-e2e-alerts-${Date.now()}.fifo`,
          Attributes: { FifoQueue: 'true' },
        }),
      )
    ).QueueUrl!;
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await clients.sns.send(
      new SubscribeCommand({
        TopicArn: outputs.AlertsTopicArn,
        Protocol: 'sqs',
        Endpoint: Attributes!.QueueArn!,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
  });
  afterAll(async () => {
    if (queueUrl) await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    destroyClients();
  });

  it('given mixed valid and hostile records on the stream, ingest ends each one as the local runtime does', async () => {
    // Prepare: what the in-process pipeline makes of the same records
    const expected: RunReport = await runPipeline({
      source: (function* (): Generator<SourceItem> {
        for (const record of records) yield { kind: 'record', record };
      })(),
      scenario: 'e2e',
      outDir: join(mkdtempSync(join(tmpdir(), 'fleetstream-e2e-')), 'out'),
      repoRoot: process.cwd(),
      shards: 1,
      seed: 1,
    });
    const expectedAlerts = Object.values(expected.by_rule).reduce((a, b) => a + b, 0);

    // Act: one PutRecords call, as a producer would
    const put = await clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.TelemetryStreamName,
        Records: records.map((r) => ({ PartitionKey: r.partitionKey, Data: Buffer.from(r.data) })),
      }),
    );

    // Assess: every record ends accepted (lake bucket), rejected or a duplicate (rejects bucket).
    // Other suites share the stack: only this call's records count (its sequence numbers, and
    // the event ids its payloads carry or ingest derives from them).
    expect(put.FailedRecordCount).toBe(0);
    const sequenceNumbers = new Set(put.Records!.map((r) => r.SequenceNumber!));
    const ours = new Set<string>();
    records.forEach((record, i) => {
      ours.add(`${outputs.TelemetryStreamName}/${record.partitionKey}/${put.Records![i]!.SequenceNumber}`);
      try {
        const id = (JSON.parse(record.data) as { event_id?: unknown }).event_id;
        if (typeof id === 'string') ours.add(id);
      } catch {
        // not JSON: ingest rejects it, and the reject carries the sequence number
      }
    });
    let seen = '';
    const outcome = await waitFor(
      `${records.length} records to be accepted, rejected or counted as duplicates`,
      async () => {
        const [allEvents, allRejects, allDuplicates] = await Promise.all([
          readJsonlObjects(outputs.LakeBucketName!, 'events/'),
          readJsonlObjects(outputs.RejectsBucketName!, 'rejects/'),
          readJsonlObjects(outputs.RejectsBucketName!, 'duplicates/'),
        ]);
        const events = allEvents.filter((e) => ours.has(String(e.event_id)));
        const rejects = allRejects.filter((r) =>
          sequenceNumbers.has((r.source as { sequence_number: string }).sequence_number),
        );
        const duplicates = allDuplicates.filter((d) =>
          sequenceNumbers.has((d.source as { sequence_number: string }).sequence_number),
        );
        seen = `${events.length} accepted, ${rejects.length} rejected, ${duplicates.length} duplicates`;
        return events.length + rejects.length + duplicates.length >= records.length
          ? { events, rejects, duplicates }
          : undefined;
      },
      { functions: FUNCTIONS, lastSeen: () => seen },
    );
    expect(outcome.events.length + outcome.rejects.length + outcome.duplicates.length).toBe(records.length);
    expect(outcome.events).toHaveLength(expected.accepted);
    expect(outcome.rejects).toHaveLength(expected.rejected);
    expect(outcome.duplicates).toHaveLength(expected.duplicates);
    const byType: Record<string, number> = {};
    for (const event of outcome.events) byType[String(event.type)] = (byType[String(event.type)] ?? 0) + 1;
    expect(byType).toEqual(expected.by_type);
    const byReason: Record<string, number> = {};
    for (const reject of outcome.rejects) byReason[String(reject.reason)] = (byReason[String(reject.reason)] ?? 0) + 1;
    expect(byReason).toEqual(expected.by_reason);
    for (const reject of outcome.rejects)
      expect(reject.source).toMatchObject({ stream: outputs.TelemetryStreamName, sequence_number: expect.any(String) });

    // Assess: the alerts reached the SNS topic
    const alerts: Record<string, unknown>[] = [];
    await waitFor(
      `${expectedAlerts} alerts on the topic`,
      async () => {
        const { Messages } = await clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const message of Messages ?? []) alerts.push(JSON.parse(message.Body!));
        // A FIFO queue holds a group's next message until the one in flight is deleted.
        if (Messages?.length)
          await clients.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        return alerts.length >= expectedAlerts ? alerts : undefined;
      },
      { functions: FUNCTIONS, timeoutMs: 60_000, lastSeen: () => `${alerts.length} alerts` },
    );
    const byRule: Record<string, number> = {};
    for (const alert of alerts) byRule[String(alert.rule)] = (byRule[String(alert.rule)] ?? 0) + 1;
    expect(expectedAlerts).toBeGreaterThan(0);
    expect(byRule).toEqual(expected.by_rule);

    // Assess: aggregate wrote window rows for the car readings (no tumbling window here: partial rows)
    const windows = await waitFor(
      'window aggregate rows',
      async () => {
        const rows = await readJsonlObjects(outputs.LakeBucketName!, 'window_aggregates/');
        return rows.length > 0 ? rows : undefined;
      },
      { functions: FUNCTIONS, timeoutMs: 60_000 },
    );
    const carReadings = windows
      .filter((row) => row.dimension === 'color')
      .reduce((sum, row) => sum + Number(row.count), 0);
    expect(carReadings).toBeGreaterThanOrEqual(expected.by_type.car_sensor ?? 0);
  });

  it('given one KPL-aggregated record, ingest de-aggregates it and each user record ends accepted or rejected', async () => {
    // Prepare: user records as a KPL producer packs them (src/ingest/kpl-aggregation.ts), ids unique
    // to this run, so earlier records on the shared stack cannot be mistaken for them
    const run = `kpl-e2e-${Date.now()}`;
    const reading = (n: number, speed: number | string) =>
      JSON.stringify({
        type: 'car_sensor',
        event_id: `${run}-${n}`,
        ts: `2026-11-24T08:00:1${n}.000Z`,
        car_id: 1452650,
        speed,
        rpm: 2100,
        gear: 3,
      });
    const users = [reading(0, 52.4), reading(1, 61), reading(2, 'fast'), reading(3, 48.5)];
    const blob = aggregate(users.map((data) => ({ partitionKey: '1452650', data: Buffer.from(data) })));

    // Act: one Kinesis record, keyed `a` as the KPL keys its aggregates
    const put = await clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.TelemetryStreamName,
        Records: [{ PartitionKey: 'a', Data: blob }],
      }),
    );

    // Assess: three user records in the lake, the one with a speed that is no number rejected
    expect(put.FailedRecordCount).toBe(0);
    const sequenceNumber = put.Records![0]!.SequenceNumber!;
    let seen = '';
    const outcome = await waitFor(
      'the KPL user records to be accepted or rejected',
      async () => {
        const [events, rejects] = await Promise.all([
          readJsonlObjects(outputs.LakeBucketName!, 'events/'),
          readJsonlObjects(outputs.RejectsBucketName!, 'rejects/'),
        ]);
        const ours = events.filter((e) => String(e.event_id).startsWith(`${run}-`));
        // A user record's position is the aggregate's sequence number and its sub-sequence number.
        const rejected = rejects.filter((r) =>
          (r.source as { sequence_number: string }).sequence_number.startsWith(`${sequenceNumber}:`),
        );
        seen = `${ours.length} accepted, ${rejected.length} rejected`;
        return ours.length + rejected.length >= users.length ? { ours, rejected } : undefined;
      },
      { functions: FUNCTIONS, lastSeen: () => seen },
    );
    expect(outcome.ours.map((e) => e.event_id).sort()).toEqual([`${run}-0`, `${run}-1`, `${run}-3`]);
    expect(outcome.ours.map((e) => e.speed)).toEqual(expect.arrayContaining([52.4, 61, 48.5]));
    expect(outcome.rejected).toHaveLength(1);
    expect(outcome.rejected[0]).toMatchObject({
      reason: expect.stringMatching(/^schema:\/speed/),
      event_id: `${run}-2`,
    });
  });

  it('given a poison event, shows the function’s own error and log, not a timeout', async () => {
    // Act: not a Kinesis event at all; the handler throws on it
    const invoke = invokeFunction('fleetstream-local-ingest', { Records: [{ kinesis: null }] });

    // Assess
    await expect(invoke).rejects.toThrow(FunctionFailedError);
    await expect(invoke).rejects.toThrow(
      /fleetstream-local-ingest failed[\s\S]*Cannot read properties of undefined[\s\S]*--- its log:[\s\S]*TypeError[\s\S]*at ingest/,
    );
  });
});
