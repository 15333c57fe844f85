// Worker thread entry: the ingest function's event-source mapping over some of the stream's shards,
// fed by the main thread (local/run/ingest-threads.ts). Built to dist/ingest-worker.js next to the CLI.
import { parentPort, workerData } from 'node:worker_threads';
import { createIngestHandler } from '#functions/ingest/create-ingest-handler.js';
import { buildIngestDeps } from '#functions/shared/deps.js';
import type { BatchResult } from '#src/ingest/process-batch.js';
import { TABLES } from '#src/schema/registry.js';
import { deliveryStreamName } from '#src/sinks/delivery-streams.js';
import type { Sink } from '#src/sinks/sink.js';
import type { Duplicate, Reject } from '#src/telemetry/event.js';
import { Chaos } from '../chaos/chaos.js';
import { EventSourceMapping, type MappedHandler } from '../esm/event-source-mapping.js';
import { serveMapping } from '../esm/mapping-thread.js';
import { LocalFirehose } from '../firehose/local-firehose.js';
import { LocalFifoTopic } from '../sns/local-fifo-topic.js';
import { LocalStream } from '../stream/local-stream.js';
import { createBulkBodySink, createIngestSinks } from './ingest-sinks.js';
import type { IngestWorkerDone, IngestWorkerInit } from './ingest-threads.js';
import { formatIdLines } from './run-accounting.js';
import { StoredOutputs } from './stored-outputs.js';

const init = workerData as IngestWorkerInit;
const port = parentPort!;
// What the stand-ins store goes to the main thread in one message per drain (or per 256 KB).
const stored = new StoredOutputs((message, transfer) => port.postMessage(message, transfer));
const chaos = init.chaos ? new Chaos(init.chaos) : undefined;
const faulty = <T>(sink: Sink<T>): Sink<T> => (chaos ? chaos.wrapSink(sink) : sink);
// One mapping reads this copy: a batch's records go once it is delivered (LocalStream keepReadRecords).
const stream = new LocalStream(init.streamName, init.shards.length, init.shards, { keepReadRecords: false });
let nowMs = 0;

// The stand-ins' API side runs here, enforcing the same limits call by call (Firehose's
// PutRecordBatch and de-aggregation, the topic's PublishBatch and deduplication); what they store
// goes to the main thread, which owns the files and the lake. Shards are split between workers by
// shard, so a partition key, and the alerts of its events (a deduplication id), stay in one worker.
const firehose = new LocalFirehose({
  lake: {
    async append(table, data, rows) {
      stored.lakeRecord(table, data, rows);
    },
  },
  streams: new Map(TABLES.map((table) => [deliveryStreamName(init.lakeStreamPrefix, table), table])),
  errorDir: init.lakeErrorDir,
  ...(chaos ? { failRecord: chaos.throttle } : {}),
});
const topic = new LocalFifoTopic({
  topicArn: init.alertsTopicArn,
  deliver: async (message) => stored.alert(message),
  now: () => nowMs,
  ...(chaos ? { failEntry: chaos.throttle } : {}),
});
const sinks = createIngestSinks({
  firehose,
  lakeStreamPrefix: init.lakeStreamPrefix,
  topic,
  alertsTopicArn: init.alertsTopicArn,
  search: (family, serialize) => createBulkBodySink(family, serialize, async (body) => stored.searchBody(family, body)),
  rejects: { name: 'rejects', write: async (items: readonly Reject[]) => stored.reject(items) },
  duplicates: { name: 'duplicates', write: async (items: readonly Duplicate[]) => stored.duplicate(items) },
});
const ingestSinks = {
  lake: faulty(sinks.lake),
  search: faulty(sinks.search),
  alerts: sinks.alerts.map(faulty),
  rejects: faulty(sinks.rejects),
  duplicates: faulty(sinks.duplicates),
};

// Each execution environment builds its own dependencies; its last batch result is counted only
// once the mapping acts on the invocation (not on a crash), as on the main thread.
const lastResult = new WeakMap<MappedHandler, BatchResult>();
const mapping = new EventSourceMapping({
  settings: init.settings,
  propagationMs: init.propagationMs,
  ...(chaos ? { faults: chaos.mappingFaults() } : {}),
  createHandler: () => {
    const handler = createIngestHandler(
      buildIngestDeps({
        sinks: ingestSinks,
        dimensionsDir: init.dimensionsDir,
        config: init.ruleConfig,
        logLevel: 'SILENT',
        onBatch: (result) => lastResult.set(handler, result),
      }),
    ) as unknown as MappedHandler;
    return handler;
  },
  stream,
  region: init.region,
  dlqPath: init.dlqPath,
  now: () => nowMs,
  onInvoked: ({ container }) => {
    const result = lastResult.get(container.handler);
    lastResult.delete(container.handler);
    if (!result) return;
    const effects = result.counts.accepted === 0 ? undefined : result.effects();
    stored.invocation(
      result.counts,
      effects ? formatIdLines(effects.events) : '',
      effects ? formatIdLines(effects.alertIds) : '',
    );
  },
});
serveMapping(port, stream, mapping, {
  setNow: (ms) => {
    nowMs = ms;
  },
  flush: () => stored.flush(),
  extra: (): IngestWorkerDone => ({
    firehose: firehose.stats,
    topic: topic.stats,
    ...(chaos ? { chaos: chaos.stats } : {}),
  }),
});
