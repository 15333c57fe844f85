import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  type Shard,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type ProducerEntry, putRecords } from '#src/adapters/aws/kinesis-producer.js';
import { sleep } from '#src/adapters/aws/retry.js';
import { LocalStream } from './local-stream.js';

/** Options of KinesisEndpointStream.open. */
export interface KinesisEndpointOptions {
  /** AWS, LocalStack or MiniStack endpoint, e.g. http://127.0.0.1:4566. */
  endpoint: string;
  streamName: string;
  /** Shards to create the stream with when it does not exist yet. */
  shardCount: number;
  region: string;
}

/** What went over the wire, for the run report. */
export interface KinesisEndpointStats {
  endpoint: string;
  stream_name: string;
  created: boolean;
  put_records_calls: number;
  put_retried_entries: number;
  get_records_calls: number;
  throttled_reads: number;
}

const LOOPBACK = /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/;

/**
 * A real Kinesis stream behind an endpoint, produced to with PutRecords and consumed with
 * GetRecords from LATEST iterators taken before the first put, so the run reads exactly what it
 * wrote. What GetRecords returns (real shard ids, sequence numbers and arrival times) is appended to
 * `buffer`, a LocalStream the event-source mappings read, so the handlers see the stream's own records.
 */
export class KinesisEndpointStream {
  /** Records put and acknowledged by Kinesis. */
  produced = 0;
  /** Records read back. */
  received = 0;
  readonly stats: KinesisEndpointStats;
  private pending: ProducerEntry[] = [];
  private readonly encoder = new TextEncoder();

  private constructor(
    readonly buffer: LocalStream,
    private readonly client: KinesisClient,
    private readonly iterators: (string | undefined)[],
    stats: KinesisEndpointStats,
  ) {
    this.stats = stats;
  }

  /**
   * Connects to the endpoint, creates the stream (provisioned, `shardCount` shards) when it does
   * not exist, waits until it is active and takes a LATEST iterator on each open shard.
   */
  static async open(options: KinesisEndpointOptions): Promise<KinesisEndpointStream> {
    const client = new KinesisClient({
      endpoint: options.endpoint,
      region: options.region,
      // The Kinesis client speaks HTTP/2 by default, which emulators on plain http:// do not.
      ...(options.endpoint.startsWith('http:') ? { requestHandler: new NodeHttpHandler() } : {}),
      // Emulators accept any key; real endpoints use the default credential chain.
      ...(LOOPBACK.test(options.endpoint) && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE
        ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
        : {}),
    });
    const StreamName = options.streamName;
    let created = false;
    try {
      await client.send(new DescribeStreamSummaryCommand({ StreamName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw describeFailure(options, error);
      await client.send(new CreateStreamCommand({ StreamName, ShardCount: options.shardCount }));
      created = true;
    }
    await waitUntilStreamExists({ client, maxWaitTime: 120, minDelay: 1 }, { StreamName });
    const shards: Shard[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListShardsCommand(NextToken ? { NextToken } : { StreamName }));
      shards.push(...(page.Shards ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    // Closed parents of a reshard take no new records.
    const open = shards.filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined);
    const buffer = new LocalStream(
      StreamName,
      open.length,
      open.map((shard) => ({
        shardId: shard.ShardId!,
        startingHashKey: BigInt(shard.HashKeyRange!.StartingHashKey!),
        endingHashKey: BigInt(shard.HashKeyRange!.EndingHashKey!),
      })),
    );
    const iterators = await Promise.all(
      open.map(async (shard) => {
        const answer = await client.send(
          new GetShardIteratorCommand({ StreamName, ShardId: shard.ShardId!, ShardIteratorType: 'LATEST' }),
        );
        return answer.ShardIterator;
      }),
    );
    return new KinesisEndpointStream(buffer, client, iterators, {
      endpoint: options.endpoint,
      stream_name: StreamName,
      created,
      put_records_calls: 0,
      put_retried_entries: 0,
      get_records_calls: 0,
      throttled_reads: 0,
    });
  }

  /** Queues a record (text as UTF-8, bytes as they are); `flush` puts the queue. */
  enqueue(partitionKey: string, data: string | Uint8Array, explicitHashKey?: string): void {
    const bytes = typeof data === 'string' ? this.encoder.encode(data) : data;
    this.pending.push(
      explicitHashKey === undefined ? { partitionKey, data: bytes } : { partitionKey, data: bytes, explicitHashKey },
    );
  }

  /** Puts every queued record, retrying failed entries of partial responses. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    const result = await putRecords({ client: this.client, streamName: this.stats.stream_name }, entries);
    this.produced += result.put;
    this.stats.put_records_calls += result.calls;
    this.stats.put_retried_entries += result.retriedEntries;
  }

  /** Reads every shard until it has nothing new; returns the number of records read. */
  async fetch(): Promise<number> {
    let read = 0;
    for (let shard = 0; shard < this.iterators.length; shard++) {
      for (;;) {
        const ShardIterator = this.iterators[shard];
        if (!ShardIterator) break;
        this.stats.get_records_calls++;
        let answer: GetRecordsCommandOutput;
        try {
          answer = await this.client.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
        } catch (error) {
          // Five GetRecords calls per second per shard: back off and read again.
          if (!(error instanceof ProvisionedThroughputExceededException)) throw error;
          this.stats.throttled_reads++;
          await sleep(250);
          continue;
        }
        this.iterators[shard] = answer.NextShardIterator;
        const records = answer.Records ?? [];
        for (const record of records) {
          this.buffer.append(shard, {
            kinesisSchemaVersion: '1.0',
            partitionKey: record.PartitionKey!,
            data: Buffer.from(record.Data!).toString('base64'),
            sequenceNumber: record.SequenceNumber!,
            approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
          });
        }
        read += records.length;
        if (records.length === 0 || !answer.MillisBehindLatest) break;
      }
    }
    this.received += read;
    return read;
  }

  /**
   * Puts what is queued and reads until every record put has come back, or fails after
   * `timeoutMs` naming how many are missing.
   */
  async drainAll(timeoutMs = 60_000): Promise<void> {
    await this.flush();
    const deadline = Date.now() + timeoutMs;
    while (this.received < this.produced) {
      if ((await this.fetch()) > 0) continue;
      if (Date.now() > deadline)
        throw new Error(
          `${this.stats.stream_name} at ${this.stats.endpoint}: ${this.produced - this.received} of ${this.produced} records put never came back within ${timeoutMs / 1000} s`,
        );
      await sleep(200);
    }
  }

  /** Closes the SDK client's sockets. */
  close(): void {
    this.client.destroy();
  }
}

function describeFailure(options: KinesisEndpointOptions, error: unknown): Error {
  return new Error(
    `cannot reach Kinesis at ${options.endpoint} (stream ${options.streamName}): ${(error as Error).message}`,
    { cause: error },
  );
}
