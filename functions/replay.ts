import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { putRecords } from '../src/adapters/aws/kinesis-producer.js';
import { sleep } from '../src/adapters/aws/retry.js';
import { createS3JsonlSink } from '../src/adapters/aws/s3-jsonl-sink.js';
import { readS3Text } from '../src/adapters/aws/s3-objects.js';
import { createShardBudget } from '../src/replay/shard-budget.js';
import { createReplayHandler } from './commons/replay-handler.js';

const streamName = process.env.FLEETSTREAM_STREAM_NAME;
const rejectsBucket = process.env.FLEETSTREAM_REJECTS_BUCKET;
if (!streamName || !rejectsBucket)
  throw new Error('FLEETSTREAM_STREAM_NAME and FLEETSTREAM_REJECTS_BUCKET must be set');
/** statemachines/replay.asl.json `MaxConcurrency`. */
const REPLAY_CONCURRENCY = 4;
const s3 = new S3Client({});
const kinesis = new KinesisClient({});

/** The Lambda entry point (serverless.yml `functions.replay`), one object per call from the replay state machine's Map. */
export const handler = createReplayHandler({
  readObject: async (bucket, key) => {
    const text = await readS3Text(s3, bucket, key);
    if (text === undefined) throw new Error(`s3://${bucket}/${key} disappeared before it was replayed`);
    return text;
  },
  put: (entries) => putRecords({ client: kinesis, streamName }, entries),
  // Up to REPLAY_CONCURRENCY objects replay at once (the Map's MaxConcurrency): each takes its share.
  budget: createShardBudget({
    shards: Number(process.env.FLEETSTREAM_STREAM_SHARDS ?? 1) / REPLAY_CONCURRENCY,
    now: Date.now,
    sleep,
  }),
  rejects: createS3JsonlSink({
    client: s3,
    bucket: rejectsBucket,
    prefix: 'replay-rejects',
    name: 'replay-rejects',
    now: Date.now,
  }),
});
