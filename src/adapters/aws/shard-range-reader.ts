import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  InvalidArgumentException,
  type KinesisClient,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { type KinesisBatchInfo, sequenceBefore } from '#src/redrive/failure-record.js';
import type { RangeRead, RangeReader, StreamRecord } from '#src/redrive/redrive-failures.js';
import { sleep as realSleep, type Sleep } from './retry.js';

/** Options of createShardRangeReader. */
export interface ShardRangeReaderOptions {
  client: Pick<KinesisClient, 'send'>;
  /** The clock (epoch ms), to tell a range past the stream's retention without reading it. */
  now: () => number;
  sleep?: Sleep;
  /** GetRecords answers with no records past which the range counts as unreadable (default 20). */
  maxEmptyReads?: number;
}

/**
 * "Each shard can support up to five read transactions per second" (Kinesis quotas,
 * https://docs.amazonaws.cn/en_us/streams/latest/dev/service-sizes-and-limits.md): a throttled
 * GetRecords waits this long and reads again.
 */
const THROTTLE_WAIT_MS = 250;

/**
 * Re-reads a failed batch's range from Kinesis: `GetShardIterator` AT_SEQUENCE_NUMBER at its start
 * ("Start reading exactly from the position denoted by a specific sequence number",
 * https://docs.amazonaws.cn/goto/WebAPI/kinesis-2013-12-02/GetShardIterator), then `GetRecords`
 * until a record past its end. The range is expired, and nothing is sent, when:
 * - its first record arrived longer ago than the stream's retention (`RetentionPeriodHours`: "A
 *   Kinesis data stream stores records from 24 hours by default",
 *   https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention);
 * - Kinesis refuses the iterator, or the first record read is not the range's start (Kinesis
 *   documents no error for a trimmed sequence number, so the start record itself must come back);
 * - the shard ends, or reads keep coming back empty, before the range's end.
 * With ParallelizationFactor above 1 a failed batch holds some partition keys only, so the range
 * can hold records of other batches that succeeded: they are sent again and end as duplicates.
 *
 * @example const reader = createShardRangeReader({ client: new KinesisClient({}), now: Date.now });
 */
export function createShardRangeReader(options: ShardRangeReaderOptions): RangeReader {
  const sleep = options.sleep ?? realSleep;
  const maxEmptyReads = options.maxEmptyReads ?? 20;
  const retention = new Map<string, Promise<number>>();
  const retentionHours = (streamArn: string) => {
    let hours = retention.get(streamArn);
    if (!hours) {
      hours = options.client
        .send(new DescribeStreamSummaryCommand({ StreamARN: streamArn }))
        .then((answer) => answer.StreamDescriptionSummary?.RetentionPeriodHours ?? 24);
      retention.set(streamArn, hours);
    }
    return hours;
  };
  return {
    async read(info: KinesisBatchInfo): Promise<RangeRead> {
      const firstArrival = Date.parse(info.approximateArrivalOfFirstRecord);
      const hours = await retentionHours(info.streamArn);
      if (Number.isFinite(firstArrival) && options.now() - firstArrival > hours * 3600_000)
        return {
          kind: 'expired',
          reason: `first record arrived ${info.approximateArrivalOfFirstRecord}, beyond the stream's ${hours} h retention`,
        };
      let iterator: string | undefined;
      try {
        const answer = await options.client.send(
          new GetShardIteratorCommand({
            StreamARN: info.streamArn,
            ShardId: info.shardId,
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: info.startSequenceNumber,
          }),
        );
        iterator = answer.ShardIterator;
      } catch (error) {
        if (error instanceof InvalidArgumentException || error instanceof ResourceNotFoundException)
          return { kind: 'expired', reason: `GetShardIterator: ${error.name}: ${error.message}` };
        throw error;
      }
      const records: StreamRecord[] = [];
      let empty = 0;
      while (iterator) {
        let answer: GetRecordsCommandOutput;
        try {
          answer = await options.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        } catch (error) {
          if (!(error instanceof ProvisionedThroughputExceededException)) throw error;
          await sleep(THROTTLE_WAIT_MS);
          continue;
        }
        iterator = answer.NextShardIterator;
        const page = answer.Records ?? [];
        if (page.length === 0) {
          // Past the stream's tip the range's end will not come; short of it, Kinesis may answer empty pages.
          if (answer.MillisBehindLatest === 0 || ++empty >= maxEmptyReads) break;
          continue;
        }
        empty = 0;
        if (records.length === 0 && page[0]!.SequenceNumber !== info.startSequenceNumber)
          return {
            kind: 'expired',
            reason: `the shard no longer holds ${info.startSequenceNumber} (first record read: ${page[0]!.SequenceNumber})`,
          };
        for (const record of page) {
          if (sequenceBefore(info.endSequenceNumber, record.SequenceNumber!)) return { kind: 'records', records };
          records.push({
            partitionKey: record.PartitionKey!,
            data: Buffer.from(record.Data!).toString('base64'),
            sequenceNumber: record.SequenceNumber!,
            approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? options.now()) / 1000,
          });
          if (record.SequenceNumber === info.endSequenceNumber) return { kind: 'records', records };
        }
      }
      return {
        kind: 'expired',
        reason: `read ${records.length} records of the range but not its end ${info.endSequenceNumber}`,
      };
    },
  };
}
