import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { LocalFifoTopic } from '#local/sns/local-fifo-topic.js';
import { createS3JsonlSink } from '#src/adapters/aws/s3-jsonl-sink.js';
import { createSnsAlertSink, deduplicationId } from '#src/adapters/aws/sns-alert-sink.js';
import { SinkWriteError } from '#src/sinks/sink.js';
import type { Alert } from '#src/telemetry/event.js';

const sns = mockClient(SNSClient);
const s3 = mockClient(S3Client);
const noSleep = async () => {};
const alert = (i: number): Alert => ({
  alert_id: `e${i}:speeding`,
  event_id: `e${i}`,
  rule: 'speeding',
  source_type: 'car_sensor',
  subject_id: '1452650',
  ts: 1_795_507_200_000,
  values: { speed: 130, threshold_kmh: 120 },
});

describe('Function: createSnsAlertSink()', () => {
  beforeEach(() => sns.reset());

  it('publishes in batches of 10 to the FIFO topic, deduplicated by alert_id, grouped by subject, filterable by rule', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({ Failed: [] });
    const sink = createSnsAlertSink({
      client: new SNSClient({}),
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      sleep: noSleep,
    });

    // Act
    await sink.write(Array.from({ length: 23 }, (_, i) => alert(i)));

    // Assess
    const calls = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input.PublishBatchRequestEntries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 10, 3]);
    expect(calls[0]![0]).toMatchObject({
      MessageGroupId: '1452650',
      MessageDeduplicationId: 'e0:speeding',
      MessageAttributes: { rule: { DataType: 'String', StringValue: 'speeding' } },
    });
    expect(JSON.parse(calls[2]![2]!.Message!)).toEqual(alert(22));
  });

  it('retries failed entries, then names the first alert not published', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({ Failed: [{ Id: '4', Code: 'Throttled', SenderFault: false }] });
    const sink = createSnsAlertSink({ client: new SNSClient({}), topicArn: 'arn', sleep: noSleep, maxAttempts: 2 });

    // Act
    const write = sink.write(Array.from({ length: 8 }, (_, i) => alert(i)));

    // Assess
    await expect(write).rejects.toBeInstanceOf(SinkWriteError);
    await expect(sink.write(Array.from({ length: 8 }, (_, i) => alert(i)))).rejects.toMatchObject({
      firstFailedIndex: 4,
    });
    expect(
      sns.commandCalls(PublishBatchCommand)[1]!.args[0].input.PublishBatchRequestEntries!.map((e) => e.Id),
    ).toEqual(['4']);
  });
});

describe('Function: deduplicationId()', () => {
  it.each([
    ['an alert_id SNS takes as is', 'car-1-1795507200000:speeding', 'car-1-1795507200000:speeding'],
    ['one over 128 characters', `${'x'.repeat(130)}:speeding`, expect.stringMatching(/^[0-9a-f]{64}$/)],
    ['one with a space', 'id with space:speeding', expect.stringMatching(/^[0-9a-f]{64}$/)],
  ])('of %s is stable and valid', (_case, id, expected) => {
    // Act
    const first = deduplicationId({ ...alert(0), alert_id: id });

    // Assess
    expect(first).toEqual(expected);
    expect(deduplicationId({ ...alert(0), alert_id: id })).toBe(first);
    expect(first.length).toBeLessThanOrEqual(128);
  });
});

describe('Function: createSnsAlertSink() against the FIFO topic stand-in', () => {
  it('splits batches at 256 KiB, which the topic would refuse, and the subscriber gets every alert once', async () => {
    // Prepare
    const delivered: string[] = [];
    const topic = new LocalFifoTopic({
      topicArn: 'arn:t.fifo',
      deliver: async (m) => void delivered.push(m),
      now: () => 0,
    });
    const sink = createSnsAlertSink({ client: topic, topicArn: 'arn:t.fifo', sleep: noSleep });
    const big = Array.from({ length: 10 }, (_, i) => ({ ...alert(i), values: { [`v${'x'.repeat(40_000)}`]: i } }));

    // Act
    await sink.write(big);
    await sink.write(big);

    // Assess
    expect(delivered).toHaveLength(10);
    expect(topic.stats).toMatchObject({ published: 20, delivered: 10, deduplicated: 10 });
    expect(topic.stats.publish_batch_calls).toBeGreaterThan(2);
  });
});

describe('Function: createS3JsonlSink()', () => {
  beforeEach(() => s3.reset());

  it('writes one KMS-encrypted NDJSON object per write under a dt/hour prefix', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const sink = createS3JsonlSink({
      client: new S3Client({}),
      bucket: 'rejects-bucket',
      prefix: 'rejects',
      name: 'rejects',
      now: () => Date.UTC(2026, 10, 24, 8, 30, 5),
      randomId: () => 'id1',
    });

    // Act
    await sink.write([{ a: 1 }, { a: 2 }]);

    // Assess
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'rejects-bucket',
      Key: 'rejects/dt=2026-11-24/hour=08/20261124T083005-id1.jsonl',
      Body: '{"a":1}\n{"a":2}\n',
    });
    // Encryption is the bucket's default (see resources/streaming.yml), not a per-request header.
    expect(input.ServerSideEncryption).toBeUndefined();
  });

  it('turns a failed PutObject into a SinkWriteError for the whole write', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
    const sink = createS3JsonlSink({
      client: new S3Client({}),
      bucket: 'b',
      prefix: 'p',
      name: 'rejects',
      now: () => 0,
    });
    await expect(sink.write([{ a: 1 }])).rejects.toMatchObject({ name: 'SinkWriteError', firstFailedIndex: 0 });
  });
});
