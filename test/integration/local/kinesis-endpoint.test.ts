import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readJsonlRecords } from '#local/inputs/read-jsonl.js';
import { runQuery } from '#local/query.js';
import { loadCars, type RunReport, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { type MiniStack, startMiniStack } from '#test/helpers/ministack.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);
const sortedLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).sort();

async function* mixed(): AsyncGenerator<SourceItem> {
  for (const record of simulateFleet({ cars: loadCars(repoRoot), seed: 5, startMs: START, events: 6000 }))
    yield { kind: 'record', record };
  for await (const record of readJsonlRecords(join('test', 'fixtures', 'jsonl', 'hostile.jsonl'), START))
    yield { kind: 'record', record };
  // Over Kinesis's 1 MiB per record: PutRecords would refuse the whole call.
  yield { kind: 'record', record: { partitionKey: 'huge', data: `{"pad":"${'x'.repeat(1024 * 1024)}"}` } };
}

describe('Function: runPipeline() with a Kinesis endpoint (MiniStack)', () => {
  let emulator: MiniStack;
  beforeAll(async () => {
    emulator = await startMiniStack(['kinesis']);
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  }, 30_000);

  it('given mixed and hostile records, puts and reads them through the real API with the same outcome as in process', async () => {
    // Prepare
    const viaEndpoint = tempOut('kinesis-endpoint');
    const inProcess = tempOut('kinesis-in-process');
    const streamName = 'fleetstream-it-telemetry';

    // Act
    const remote: RunReport = await runPipeline({
      source: mixed(),
      scenario: 'mixed',
      outDir: viaEndpoint,
      repoRoot,
      shards: 3,
      seed: 5,
      chunkSize: 2500,
      kinesisEndpoint: emulator.endpoint,
      streamName,
    });
    const local = await runPipeline({
      source: mixed(),
      scenario: 'mixed',
      outDir: inProcess,
      repoRoot,
      shards: 3,
      seed: 5,
    });

    // Assess: the stream exists with the requested shards and the records came back through it
    const client = new KinesisClient({
      endpoint: emulator.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: new NodeHttpHandler(),
    });
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    const shards = (await client.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
    client.destroy();
    expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(3);
    expect(remote.stream).toMatchObject({ kind: 'kinesis', stream_name: streamName, created: true });
    if (remote.stream.kind !== 'kinesis') throw new Error('unreachable');
    expect(remote.stream.put_records_calls).toBeGreaterThanOrEqual(Math.ceil(6011 / 500));
    expect(remote.stream.get_records_calls).toBeGreaterThan(0);

    // Assess: same counts as in process, and they add up
    const counts = (r: RunReport) => ({
      in: r.in,
      accepted: r.accepted,
      rejected: r.rejected,
      duplicates: r.duplicates,
      by_type: r.by_type,
      by_rule: r.by_rule,
      by_reason: r.by_reason,
    });
    expect(counts(remote)).toEqual(counts(local));
    expect(remote).toMatchObject({ in: 6012, accepted: 6003, duplicates: 1, dead_lettered: 0 });
    expect(remote.accepted + remote.rejected + remote.duplicates).toBe(remote.in);
    expect(sortedLines(join(viaEndpoint, 'alerts.jsonl'))).toEqual(sortedLines(join(inProcess, 'alerts.jsonl')));

    // Assess: rejects carry the real stream's positions; the oversized record is judged before PutRecords
    const rejects = readJsonl(join(viaEndpoint, 'rejects.jsonl.gz'));
    const shardIds = new Set(shards.map((shard) => shard.ShardId));
    const streamed = rejects.filter((r) => r.source.sequence_number !== '');
    expect(streamed.length).toBe(remote.rejected - 1);
    for (const reject of streamed) expect(shardIds.has(reject.source.shard_id)).toBe(true);
    expect(rejects.find((r) => r.source.partition_key === 'huge')).toMatchObject({
      reason: 'size:max_bytes',
      source: { stream: streamName, sequence_number: '' },
    });
    const distinct = 'SELECT COUNT(DISTINCT event_id) FROM car_sensor';
    const [{ rows }, { rows: localRows }] = [
      await runQuery(viaEndpoint, distinct),
      await runQuery(inProcess, distinct),
    ];
    expect(rows).toEqual(localRows);
    expect(rows).toEqual([[String(remote.by_type.car_sensor)]]);
  });
});
