// Worker thread entry: the aggregate function's event-source mapping, fed by the main thread (see
// local/esm/mapping-thread.ts). Built to dist/aggregate-worker.js next to the CLI.
import { parentPort, workerData } from 'node:worker_threads';
import { createAggregateHandler } from '#functions/aggregate/create-aggregate-handler.js';
import { buildAggregateDeps } from '#functions/shared/deps.js';
import type { LateRecord, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import { Chaos } from '../chaos/chaos.js';
import { EventSourceMapping, type MappedHandler } from '../esm/event-source-mapping.js';
import { type AggregateOutput, type AggregateWorkerInit, serveMapping } from '../esm/mapping-thread.js';
import { LocalStream } from '../stream/local-stream.js';

const init = workerData as AggregateWorkerInit;
const chaos = init.chaos ? new Chaos(init.chaos) : undefined;
const faulty = <T>(sink: Sink<T>): Sink<T> => (chaos ? chaos.wrapSink(sink) : sink);
const port = parentPort!;
const post = (message: AggregateOutput) => port.postMessage(message);
// One mapping reads this copy: a batch's records go once it is delivered (LocalStream keepReadRecords).
const stream = new LocalStream(init.streamName, init.shards.length, init.shards, { keepReadRecords: false });
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
  propagationMs: init.propagationMs,
  createHandler,
  ...(chaos ? { faults: chaos.mappingFaults() } : {}),
  stream,
  region: init.region,
  dlqPath: init.dlqPath,
  now: () => nowMs,
});
serveMapping(port, stream, mapping, {
  setNow: (ms) => {
    nowMs = ms;
  },
});
