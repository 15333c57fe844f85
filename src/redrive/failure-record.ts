/**
 * The batch metadata of a Kinesis on-failure invocation record: which shard, which sequence range,
 * how many records. To an SQS or SNS destination Lambda sends only this metadata; only an S3
 * destination also gets the records (https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md).
 * The shape is the invocation record example of the Lambda guide's Kinesis page (awsdocs/aws-lambda-developer-guide
 * `doc_source/with-kinesis.md` @03f7fcb0b771: "The actual records aren't included"), and as Lambda
 * sent it to SQS in https://gist.github.com/Tirke/82b962bb571e34af78f15037f39c4d63.
 */
export interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  /** ISO-8601 arrival time of the first and last record of the failed batch. */
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** One on-failure invocation record, the fields redrive reads. */
export interface FailureRecord {
  /** `RetryAttemptsExhausted` or `RecordAgeExceeded`. */
  condition: string;
  /** The function whose mapping gave up on the batch. */
  functionArn: string;
  KinesisBatchInfo: KinesisBatchInfo;
}

/** Thrown for a message that is not a Kinesis on-failure invocation record; says what is missing. */
export class FailureRecordError extends Error {
  override readonly name = 'FailureRecordError';
}

const SEQUENCE_NUMBER = /^\d{1,128}$/;

/**
 * Parses an on-failure destination message body. A message of another kind (an SQS test message, a
 * DynamoDB batch, a truncated body) throws FailureRecordError, so redrive reports it instead of
 * guessing a range.
 *
 * @example const { KinesisBatchInfo } = parseFailureRecord(message.Body);
 */
export function parseFailureRecord(body: string): FailureRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new FailureRecordError(`not JSON: ${(error as Error).message}`);
  }
  const record = parsed as Partial<{ requestContext: Record<string, unknown>; KinesisBatchInfo: unknown }>;
  const info = record?.KinesisBatchInfo as Partial<KinesisBatchInfo> | undefined;
  if (!info || typeof info !== 'object') throw new FailureRecordError('no KinesisBatchInfo: not a Kinesis batch');
  for (const field of ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'] as const)
    if (typeof info[field] !== 'string' || info[field] === '')
      throw new FailureRecordError(`KinesisBatchInfo.${field} is missing`);
  if (!SEQUENCE_NUMBER.test(info.startSequenceNumber!) || !SEQUENCE_NUMBER.test(info.endSequenceNumber!))
    throw new FailureRecordError('KinesisBatchInfo sequence numbers must be decimal digits');
  if (BigInt(info.startSequenceNumber!) > BigInt(info.endSequenceNumber!))
    throw new FailureRecordError('KinesisBatchInfo.startSequenceNumber is after endSequenceNumber');
  if (!Number.isInteger(info.batchSize) || info.batchSize! < 1)
    throw new FailureRecordError('KinesisBatchInfo.batchSize must be a positive integer');
  return {
    condition: String(record.requestContext?.condition ?? ''),
    functionArn: String(record.requestContext?.functionArn ?? ''),
    KinesisBatchInfo: {
      shardId: info.shardId!,
      startSequenceNumber: info.startSequenceNumber!,
      endSequenceNumber: info.endSequenceNumber!,
      approximateArrivalOfFirstRecord: String(info.approximateArrivalOfFirstRecord ?? ''),
      approximateArrivalOfLastRecord: String(info.approximateArrivalOfLastRecord ?? ''),
      batchSize: info.batchSize!,
      streamArn: info.streamArn!,
    },
  };
}

/** The stream's name from its ARN (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameOfArn(streamArn: string): string {
  const name = streamArn.split(':stream/')[1];
  if (!name) throw new FailureRecordError(`not a Kinesis stream ARN: ${streamArn}`);
  return name;
}

/** Whether sequence number `a` comes before `b` on a shard (they are decimal integers of up to 128 digits). */
export function sequenceBefore(a: string, b: string): boolean {
  return BigInt(a) < BigInt(b);
}
