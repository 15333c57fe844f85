import { putRecords } from '#src/adapters/aws/kinesis-producer.js';
import { sleep } from '#src/adapters/aws/retry.js';
import { createS3JsonlSink } from '#src/adapters/aws/s3-jsonl-sink.js';
import { readS3Object } from '#src/adapters/aws/s3-objects.js';
import { createShardBudget } from '#src/replay/shard-budget.js';
import { AwsClients } from '../shared/clients.js';
import { readConfig, requireSetting } from '../shared/config.js';
import { createReplayHandler } from './create-replay-handler.js';

const config = readConfig(process.env);
const streamName = requireSetting(config, 'streamName');
const rejectsBucket = requireSetting(config, 'rejectsBucket');
/** statemachines/replay.asl.json `MaxConcurrency`. */
const REPLAY_CONCURRENCY = 4;
const { s3, kinesis } = new AwsClients();

/** The Lambda entry point (serverless.yml `functions.replay`), one object per call from the replay state machine's Map. */
export const handler = createReplayHandler({
  readObject: async (bucket, key) => {
    const object = await readS3Object(s3, bucket, key);
    if (object === undefined) throw new Error(`s3://${bucket}/${key} disappeared before it was replayed`);
    return object;
  },
  put: (entries) => putRecords({ client: kinesis, streamName }, entries),
  // Up to REPLAY_CONCURRENCY objects replay at once (the Map's MaxConcurrency): each takes its share.
  budget: createShardBudget({ shards: config.streamShards / REPLAY_CONCURRENCY, now: Date.now, sleep }),
  rejects: createS3JsonlSink({
    client: s3,
    bucket: rejectsBucket,
    prefix: 'replay-rejects',
    name: 'replay-rejects',
    now: Date.now,
  }),
});
