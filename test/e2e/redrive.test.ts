import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { clients, destroyClients, readJsonlObjects, stackOutputs, waitFor } from './emulator.js';

const FUNCTIONS = ['fleetstream-local-ingest'];

/** `fleetstream redrive …` with the built CLI, against the emulator the suite deployed to; never throws. */
async function redrive(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join('dist', 'cli.js'), 'redrive', ...args],
      {
        env: process.env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The counts ingest logged for each batch that started at a sequence number ("batch processed"). */
async function batchesOf(firstSequenceNumber: string) {
  const events = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await clients.logs.send(
      new FilterLogEventsCommand({ logGroupName: '/aws/lambda/fleetstream-local-ingest', nextToken }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken && ++pages < 100);
  return events
    .flatMap((event) => {
      try {
        return [JSON.parse(event.message ?? '')];
      } catch {
        return [];
      }
    })
    .filter((line) => line.message === 'batch processed' && line.firstSequenceNumber === firstSequenceNumber) as {
    records: number;
    accepted: number;
    duplicates: number;
    redelivered: number;
  }[];
}

/** An on-failure invocation record as Lambda sends it to SQS (test/helpers/failure-record.ts has the full example). */
const failureRecord = (shardId: string, start: string, end: string, batchSize: number, streamArn: string) =>
  JSON.stringify({
    requestContext: { condition: 'RetryAttemptsExhausted', functionArn: 'fleetstream-local-ingest' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: new Date().toISOString(),
      approximateArrivalOfLastRecord: new Date().toISOString(),
      batchSize,
      streamArn,
    },
  });

describe('fleetstream redrive against the stage deployed to the emulator', () => {
  let outputs: Record<string, string>;
  let queueUrl: string;

  beforeAll(async () => {
    outputs = await stackOutputs();
    ({ QueueUrl: queueUrl } = (await clients.sqs.send(
      new GetQueueUrlCommand({ QueueName: 'fleetstream-local-ingest-failures' }),
    )) as { QueueUrl: string });
  });
  afterAll(async () => {
    if (queueUrl) await clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    destroyClients();
  });

  it('given an on-failure message for records on the stream, re-reads the range, invokes ingest and deletes only that message', async () => {
    // Prepare: three readings ingest has taken once, and an on-failure message for their range, as
    // Lambda would send it after giving up (the emulator's poller never does); plus a message for a
    // range the stream does not hold
    const run = `redrive-e2e-${Date.now()}`;
    const readings = [0, 1, 2].map((n) =>
      JSON.stringify({
        type: 'car_sensor',
        event_id: `${run}-${n}`,
        ts: `2026-11-24T08:10:0${n}.000Z`,
        car_id: 1452650,
        speed: 50 + n,
        rpm: 2000,
        gear: 3,
      }),
    );
    const put = await clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.TelemetryStreamName,
        Records: readings.map((data) => ({ PartitionKey: '1452650', Data: Buffer.from(data) })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const answers = put.Records!;
    const ids = new Set(readings.map((_, n) => `${run}-${n}`));
    const lakeRows = async () =>
      (await readJsonlObjects(outputs.LakeBucketName!, 'events/')).filter((e) => ids.has(String(e.event_id)));
    await waitFor('the readings in the lake', async () => ((await lakeRows()).length >= 3 ? true : undefined), {
      functions: FUNCTIONS,
    });
    const { StreamDescriptionSummary } = await clients.kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: outputs.TelemetryStreamName }),
    );
    const streamArn = StreamDescriptionSummary!.StreamARN!;
    const shardId = answers[0]!.ShardId!;
    expect(answers.every((a) => a.ShardId === shardId)).toBe(true);
    const last = answers[2]!.SequenceNumber!;
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: failureRecord(shardId, answers[0]!.SequenceNumber!, last, 3, streamArn),
      }),
    );
    const beyond = String(BigInt(last) + 1_000_000n);
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failureRecord(shardId, beyond, beyond, 1, streamArn) }),
    );

    const before = await batchesOf(answers[0]!.SequenceNumber!);

    // Act
    const result = await redrive('--dlq', '--stage', 'local', '--function', 'ingest');

    // Assess: the readable range went to ingest again, the other was reported and kept (exit 1)
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(
      'ingest     messages 1 redriven, 1 expired, 0 failed again, 0 invalid; records 3 redriven, 1 expired, 0 failed again',
    );
    expect(result.stdout).toMatch(new RegExp(`ingest ${shardId} ${beyond}\\.\\.${beyond}: expired, 1 records`));
    expect(result.code).toBe(1);
    // How the three ended, from ingest's log tail (or counted as not said, if the emulator sends no tail).
    const ended =
      /outcomes {3}accepted (\d+), rejected (\d+), duplicates (\d+), redelivered (\d+) \(already delivered: skipped\); (\d+) records whose function did not say/.exec(
        result.stdout,
      );
    expect(ended?.slice(1).reduce((sum, n) => sum + Number(n), 0)).toBe(3);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(
      Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible),
    ).toBe(1);
    // Ingest got the range once more: a warm container's ledger knows the positions (redelivered,
    // no second effect), a cold one accepts them again (the lake's views show each once). Either
    // way its log has one more batch of exactly these three records, and none is lost.
    let seen = '';
    await waitFor(
      'ingest to log the redriven batch',
      async () => {
        const batches = await batchesOf(answers[0]!.SequenceNumber!);
        seen = `${batches.length} batches starting at the range, ${before.length} before the redrive`;
        return batches.length > before.length ? batches : undefined;
      },
      { functions: FUNCTIONS, timeoutMs: 60_000, lastSeen: () => seen },
    );
    const redriven = (await batchesOf(answers[0]!.SequenceNumber!)).at(-1)!;
    expect(redriven.records).toBe(3);
    expect(redriven.accepted + redriven.duplicates + redriven.redelivered).toBe(3);
    expect(new Set((await lakeRows()).map((e) => e.event_id))).toEqual(ids);
  });

  it('given a stored reject, puts its payload back on the stream and the deployed ingest judges it again', async () => {
    // Prepare: a reading whose speed is no number, rejected once by the deployed ingest
    const eventId = `redrive-reject-e2e-${Date.now()}`;
    const payload = JSON.stringify({
      type: 'car_sensor',
      event_id: eventId,
      ts: '2026-11-24T08:20:00.000Z',
      car_id: 1452650,
      speed: 'fast',
      rpm: 2000,
      gear: 3,
    });
    await clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: outputs.TelemetryStreamName,
        Records: [{ PartitionKey: '1452650', Data: Buffer.from(payload) }],
      }),
    );
    const ours = async () =>
      (await readJsonlObjects(outputs.RejectsBucketName!, 'rejects/')).filter((r) => r.event_id === eventId);
    await waitFor('the reading to be rejected', async () => ((await ours()).length >= 1 ? true : undefined), {
      functions: FUNCTIONS,
    });

    // Act
    const result = await redrive('--rejects', '--stage', 'local', '--reason', 'schema:/speed:type');

    // Assess: every matching reject was put back (ours among them), and ours was rejected again
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const line =
      /rejects {4}(\d+) read from s3:\/\/\S+, (\d+) matched, 0 skipped, (\d+) put on fleetstream-local-telemetry/.exec(
        result.stdout,
      );
    expect(line).not.toBeNull();
    expect(Number(line![2])).toBeGreaterThanOrEqual(1);
    expect(line![3]).toBe(line![2]);
    const again = await waitFor(
      'the reading to be rejected again',
      async () => {
        const rejects = await ours();
        return rejects.length >= 2 ? rejects : undefined;
      },
      { functions: FUNCTIONS },
    );
    expect(again.map((r) => r.reason)).toEqual(['schema:/speed:type', 'schema:/speed:type']);
    expect(again.map((r) => r.payload)).toEqual([payload, payload]);
  });
});
