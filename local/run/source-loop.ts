import { MAX_RECORD_BYTES } from '#src/ingest/decode-record.js';
import { type ProducedRecord, producedBase64 } from '#src/simulate/produced-record.js';
import type { Reject } from '#src/telemetry/event.js';
import type { KinesisEndpointStream } from '../stream/kinesis-endpoint-stream.js';
import type { LocalStream } from '../stream/local-stream.js';
import type { NamedMapping } from './run-mappings.js';
import type { RunOutputs } from './run-outputs.js';

/** A source item: a record for the stream, or a line the source itself could not turn into one. */
export type SourceItem = { kind: 'record'; record: ProducedRecord } | { kind: 'reject'; reject: Reject };

/** Progress of a run. */
export interface RunProgress {
  produced: number;
  processed: number;
  lag: number;
  alerts: number;
  elapsedSeconds: number;
}

/**
 * The run's clock: the records' own arrival times. Record age is measured on it, so a replay of old
 * data is not "too old"; a real stream stamps arrival with its own wall clock instead.
 */
export class ArrivalClock {
  firstMs: number | undefined;
  lastMs = 0;

  /** Advances with a record's arrival time (a record without one arrives with the newest seen). */
  observe(arrivalMs: number | undefined): number {
    const arrival = arrivalMs ?? this.lastMs;
    this.firstMs ??= arrival;
    this.lastMs = Math.max(this.lastMs, arrival);
    return arrival;
  }
}

/** Options of pumpSource. */
export interface SourceLoopOptions {
  source: Iterable<SourceItem> | AsyncIterable<SourceItem>;
  stream: LocalStream;
  /** A real Kinesis stream the records go through instead; `stream` then buffers what it returns. */
  remote: KinesisEndpointStream | undefined;
  mappings: NamedMapping[];
  outputs: RunOutputs;
  clock: ArrivalClock;
  /** Records put on the stream between two drains of the mappings. */
  chunkSize: number;
  /** Pace the source: simulated time runs this many times faster than the wall clock. */
  speedup: number | undefined;
  startedAt: number;
  onProgress: ((progress: RunProgress) => void) | undefined;
}

/** What the source loop put on the stream and what the source itself rejected. */
export interface SourceLoopResult {
  produced: number;
  sourceRejects: number;
}

/**
 * Puts the source's records on the stream, and after every `chunkSize` records lets each mapping
 * deliver what is due on every shard, trimming what all of them have checkpointed; at the end
 * delivers everything. Lines the source could not read are rejects straight away.
 *
 * @example const { produced } = await pumpSource({ source, stream, remote: undefined, mappings, outputs, clock, chunkSize: 20_000, ... });
 */
export async function pumpSource(options: SourceLoopOptions): Promise<SourceLoopResult> {
  const { stream, remote, mappings, outputs, clock } = options;
  let produced = 0;
  let sourceRejects = 0;
  const drain = async (final: boolean) => {
    if (remote) {
      if (final) await remote.drainAll();
      else {
        await remote.flush();
        await remote.fetch();
      }
    }
    for (let shard = 0; shard < stream.shards.length; shard++) {
      for (const { mapping } of mappings) await mapping.drain(shard, final);
      stream.trim(shard, Math.min(...mappings.map(({ mapping }) => mapping.checkpoints[shard]!)));
    }
    options.onProgress?.({
      produced,
      processed: outputs.counters.accepted + outputs.rejects.count + outputs.duplicates.count,
      lag: stream.shards.reduce((sum, _shard, i) => sum + stream.end(i) - mappings[0]!.mapping.checkpoints[i]!, 0),
      alerts: outputs.alertsFile.count,
      elapsedSeconds: (performance.now() - options.startedAt) / 1000,
    });
  };

  let pending = 0;
  try {
    for await (const item of options.source) {
      if (item.kind === 'reject') {
        sourceRejects++;
        await outputs.rejects.write([item.reject]);
        continue;
      }
      const arrival = clock.observe(item.record.arrivalMs);
      if (remote) {
        // A real stream refuses the whole PutRecords call for one record over 1 MiB: judge it here.
        const bytes = Buffer.byteLength(item.record.data) + Buffer.byteLength(item.record.partitionKey);
        if (bytes > MAX_RECORD_BYTES) {
          sourceRejects++;
          await outputs.rejects.write([oversizedReject(stream.name, item.record, bytes, sourceRejects)]);
          continue;
        }
        remote.enqueue(item.record.partitionKey, item.record.data, item.record.explicitHashKey);
      } else
        stream.put(item.record.partitionKey, producedBase64(item.record.data), arrival, item.record.explicitHashKey);
      produced++;
      if (++pending >= options.chunkSize) {
        pending = 0;
        await pace(options.speedup, clock, options.startedAt);
        await drain(false);
      }
    }
    await drain(true);
  } finally {
    remote?.close();
  }
  return { produced, sourceRejects };
}

/** A record a real stream would refuse (over 1 MiB with its partition key), as a reject before PutRecords. */
function oversizedReject(stream: string, record: ProducedRecord, bytes: number, nth: number): Reject {
  return {
    reject_id: `${stream}/${record.partitionKey}/unsent-${nth}`,
    reason: 'size:max_bytes',
    message: `${bytes} bytes with the partition key > ${MAX_RECORD_BYTES}: PutRecords would refuse it`,
    source: { stream, shard_id: '', partition_key: record.partitionKey, sequence_number: '' },
    event_id: null,
    type: null,
    payload_preview:
      typeof record.data === 'string'
        ? record.data.slice(0, 1024)
        : Buffer.from(record.data.subarray(0, 1024)).toString(),
  };
}

/** With --speedup, waits until the wall clock catches up with simulated time / speedup. */
async function pace(speedup: number | undefined, clock: ArrivalClock, startedAt: number): Promise<void> {
  if (!speedup || clock.firstMs === undefined) return;
  const due = (clock.lastMs - clock.firstMs) / speedup - (performance.now() - startedAt);
  if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
}
