import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { KinesisProducerApi } from '#src/adapters/aws/kinesis-producer.js';
import type { LocalStream } from './local-stream.js';

/** An error as the Kinesis API raises it: `name` is the error code callers branch on. */
export class KinesisApiError extends Error {
  constructor(
    override readonly name: 'ValidationException' | 'InvalidArgumentException' | 'ResourceNotFoundException',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Kinesis Data Streams limits (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html,
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html): a PutRecords call
 * carries 1 to 500 records and at most 5 MiB with the partition keys; a record's data plus its
 * partition key at most 1 MiB; a partition key 1 to 256 characters; each shard takes at most 1,000
 * records and 1 MiB a second.
 */
export const MAX_CALL_RECORDS = 500;
export const MAX_CALL_BYTES = 5 * 1024 * 1024;
export const MAX_RECORD_BYTES = 1024 * 1024;
export const MAX_PARTITION_KEY_LENGTH = 256;
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = 1024 * 1024;
/** An ExplicitHashKey: a decimal of 0 to 2^128 - 1 (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecordsRequestEntry.html). */
const EXPLICIT_HASH_KEY = /^(0|[1-9]\d{0,38})$/;

/** What the stand-in took and refused, for the report. */
export interface LocalKinesisStats {
  put_records_calls: number;
  records: number;
  /** Entries refused with ProvisionedThroughputExceededException (the producer retries them). */
  throttled: number;
}

/**
 * The local stand-in for PutRecords on the in-process stream, never more lenient than Kinesis: a
 * call over the limits is refused whole; an entry past its shard's 1,000 records or 1 MiB in the
 * current second (of the run's clock) fails with ProvisionedThroughputExceededException in the
 * partial response, as on a hot shard, and the producer retries it. Accepted records get their
 * shard's next sequence number and the clock's time as arrival.
 *
 * @example await putRecords({ client: new LocalKinesis(stream, clock.now), streamName: stream.name }, entries);
 */
export class LocalKinesis implements KinesisProducerApi {
  readonly stats: LocalKinesisStats = { put_records_calls: 0, records: 0, throttled: 0 };
  /** Per shard: the second being counted, and the records and bytes written in it. */
  private readonly usage: { second: number; records: number; bytes: number }[];

  constructor(
    private readonly stream: LocalStream,
    private readonly now: () => number,
  ) {
    this.usage = stream.shards.map(() => ({ second: Number.NaN, records: 0, bytes: 0 }));
  }

  async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
    const { StreamName, Records: records = [] } = command.input;
    if (StreamName !== this.stream.name)
      throw new KinesisApiError('ResourceNotFoundException', `Stream ${StreamName} not found`);
    if (records.length < 1 || records.length > MAX_CALL_RECORDS)
      throw new KinesisApiError(
        'ValidationException',
        `${records.length} records: PutRecords takes 1 to ${MAX_CALL_RECORDS}`,
      );
    let callBytes = 0;
    for (const record of records) {
      const key = record.PartitionKey ?? '';
      if (key.length < 1 || key.length > MAX_PARTITION_KEY_LENGTH)
        throw new KinesisApiError('ValidationException', `a partition key of ${key.length} characters: 1 to 256`);
      if (record.ExplicitHashKey !== undefined && !EXPLICIT_HASH_KEY.test(record.ExplicitHashKey))
        throw new KinesisApiError(
          'ValidationException',
          `ExplicitHashKey ${record.ExplicitHashKey} is not a 128-bit decimal`,
        );
      const size = (record.Data?.byteLength ?? 0) + Buffer.byteLength(key);
      if (size > MAX_RECORD_BYTES)
        throw new KinesisApiError(
          'InvalidArgumentException',
          `a record of ${size} bytes with its key: at most ${MAX_RECORD_BYTES}`,
        );
      callBytes += size;
    }
    if (callBytes > MAX_CALL_BYTES)
      throw new KinesisApiError(
        'InvalidArgumentException',
        `${callBytes} bytes in one call: at most ${MAX_CALL_BYTES}`,
      );
    this.stats.put_records_calls++;
    const arrival = this.now();
    const second = Math.floor(arrival / 1000);
    let failed = 0;
    const answers = records.map((record) => {
      const key = record.PartitionKey!;
      const data = record.Data ?? new Uint8Array();
      const hashKey = record.ExplicitHashKey;
      const shard =
        hashKey === undefined ? this.stream.shardIndexFor(key) : this.stream.shardIndexForHash(BigInt(hashKey));
      const usage = this.usage[shard]!;
      if (usage.second !== second) Object.assign(usage, { second, records: 0, bytes: 0 });
      const bytes = data.byteLength + Buffer.byteLength(key);
      if (usage.records + 1 > SHARD_RECORDS_PER_SECOND || usage.bytes + bytes > SHARD_BYTES_PER_SECOND) {
        failed++;
        return {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard ${this.stream.shards[shard]!.shardId}`,
        };
      }
      usage.records++;
      usage.bytes += bytes;
      const sequenceNumber = this.stream.putBytes(shard, key, data, arrival);
      return { SequenceNumber: sequenceNumber, ShardId: this.stream.shards[shard]!.shardId };
    });
    this.stats.records += records.length - failed;
    this.stats.throttled += failed;
    return { FailedRecordCount: failed, Records: answers, $metadata: {} };
  }
}
