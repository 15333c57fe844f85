// Worker thread entry: the aggregate function's event-source mapping, fed by the main thread (see
// local/esm/mapping-thread.ts). Built to dist/aggregate-worker.js next to the CLI.
import { parentPort, workerData } from 'node:worker_threads';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { buildAggregateDeps } from '#functions/shared/deps.js';
import type { LateRecord, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import { Chaos } from '../chaos/chaos.js';
import { EventSourceMapping, type MappedHandler } from '../esm/event-source-mapping.js';
import type { AggregateWorkerInit, FromWorker, ToWorker } from '../esm/mapping-thread.js';
import { LocalStream } from '../stream/local-stream.js';

const init = workerData as AggregateWorkerInit;
const chaos = init.chaos ? new Chaos(init.chaos) : undefined;
const faulty = <T>(sink: Sink<T>): Sink<T> => (chaos ? chaos.wrapSink(sink) : sink);
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const stream = new LocalStream(init.streamName, init.shards.length, init.shards);
let nowMs = 0;
// The sinks post to the main thread, which writes the lake and search; a chaos run's faults apply here.
const sinks = {
  windows: faulty<WindowAggregateRow>({
    name: 'windows',
    async write(rows) {
      post({ kind: 'windows', rows: [...rows] });
    },
  }),
  late: faulty<LateRecord>({
    name: 'late',
    async write(records) {
      post({ kind: 'late', records: [...records] });
    },
  }),
};
const createHandler = () =>
  createAggregateHandler(
    buildAggregateDeps({ sinks, dimensionsDir: init.dimensionsDir, config: init.ruleConfig, logLevel: 'SILENT' }),
  ) as unknown as MappedHandler;
const mapping = new EventSourceMapping({
  settings: init.settings,
  createHandler,
  ...(chaos ? { faults: chaos.mappingFaults() } : {}),
  stream,
  region: init.region,
  dlqPath: init.dlqPath,
  now: () => nowMs,
});

// Messages are handled one at a time, in order: a drain must finish before the next records land.
let work = Promise.resolve();
port.on('message', (message: ToWorker) => {
  work = work.then(() => handle(message));
});

async function handle(message: ToWorker): Promise<void> {
  if (message.kind === 'records') {
    for (let i = 0; i < message.data.length; i++) {
      stream.append(message.shard, {
        kinesisSchemaVersion: '1.0',
        partitionKey: message.partitionKeys[i]!,
        data: message.data[i]!,
        sequenceNumber: message.sequenceNumbers[i]!,
        approximateArrivalTimestamp: message.arrivals[i]!,
      });
    }
  } else if (message.kind === 'drain') {
    nowMs = message.nowMs;
    await mapping.drain(message.shard, message.final);
    stream.trim(message.shard, mapping.checkpoints[message.shard]!);
    post({ kind: 'drained', shard: message.shard, checkpoint: mapping.checkpoints[message.shard]! });
  } else {
    await mapping.closeWindows();
    post({ kind: 'done', stats: mapping.stats });
  }
}
