import { createFirehoseSink, type FirehoseApi } from '#src/adapters/aws/firehose-sink.js';
import { createSnsAlertSink, type SnsApi } from '#src/adapters/aws/sns-alert-sink.js';
import { createBulkSink } from '#src/adapters/opensearch/bulk-sink.js';
import type { EventType, TableName } from '#src/schema/registry.js';
import { INDEX_FAMILIES, type IndexFamilyName } from '#src/search/index-templates.js';
import { deliveryStreamName } from '#src/sinks/delivery-streams.js';
import { createRoutingSink } from '#src/sinks/routing-sink.js';
import { serializeEvent, serializerFor } from '#src/sinks/serialize-event.js';
import type { IngestSinks, Sink } from '#src/sinks/sink.js';
import type { Alert, Duplicate, Reject, TelemetryEvent } from '#src/telemetry/event.js';

/** The stand-ins answer at once and time is simulated: retries back off without waiting. */
const noWait = async () => {};

/** A lake table's sink: the same Firehose sink as on AWS (packing, call limits, retries of failed records). */
export function createLakeTableSink<T extends object>(
  firehose: FirehoseApi,
  lakeStreamPrefix: string,
  table: TableName,
  serialise: (row: T) => string = serializerFor(table),
): Sink<T> {
  return createFirehoseSink<T>({
    client: firehose,
    deliveryStreamName: deliveryStreamName(lakeStreamPrefix, table),
    name: `lake:${table}`,
    serialise,
    sleep: noWait,
  });
}

/**
 * The `_bulk` sink of an index family whose request bodies go to `writeBody` (a file, or the main
 * thread), every action answered as indexed: what `search/<family>.ndjson` holds without a node.
 */
export function createBulkBodySink<T extends object>(
  family: IndexFamilyName,
  serialize: (row: T) => string,
  writeBody: (body: string) => Promise<void> | void,
): Sink<T> {
  return createBulkSink<T>({
    name: `search:${family}`,
    family: INDEX_FAMILIES[family],
    serialize,
    transport: async (body) => {
      await writeBody(body);
      return { errors: false };
    },
    failed: { name: 'search-failed', write: async () => {} },
  });
}

/** What ingest's sinks are built over. */
export interface IngestSinkParts {
  /** The Firehose stand-in (API side) the lake tables' sinks call. */
  firehose: FirehoseApi;
  lakeStreamPrefix: string;
  /** The alerts topic stand-in the SNS sink publishes to. */
  topic: SnsApi;
  alertsTopicArn: string;
  /** The search sink of an index family (files, a node, or the main thread). */
  search: <T extends object>(family: IndexFamilyName, serialize: (row: T) => string) => Sink<T>;
  rejects: Sink<Reject>;
  duplicates: Sink<Duplicate>;
  /** Called with each batch of events a lake table stored (the live dashboard). */
  onEvents?: (type: EventType, written: readonly TelemetryEvent[]) => void;
  /** Test seam: wraps the lake sink of the event tables (fault injection). */
  wrapLakeSink?: (sink: Sink<TelemetryEvent>) => Sink<TelemetryEvent>;
}

/** A sink that runs `onWritten` with the items once `sink` stored them all. */
export function afterWrite<T>(sink: Sink<T>, onWritten: (items: readonly T[]) => void): Sink<T> {
  return {
    name: sink.name,
    async write(items) {
      await sink.write(items);
      onWritten(items);
    },
  };
}

/** `sink`, calling `onWritten` after each stored batch when there is one (else `sink` itself, untouched). */
export function observed<T>(sink: Sink<T>, onWritten: ((items: readonly T[]) => void) | undefined): Sink<T> {
  return onWritten ? afterWrite(sink, onWritten) : sink;
}

/**
 * Ingest's destinations as the functions have them on AWS: events routed per type to the lake's
 * Firehose streams (the domain's routing sink), search documents, alerts to the topic, the alerts
 * table and index, rejects and duplicates. Built the same way on the main thread and in an ingest
 * worker thread (local/run/ingest-worker.ts).
 */
export function createIngestSinks(parts: IngestSinkParts): IngestSinks {
  const { firehose, lakeStreamPrefix, onEvents } = parts;
  let events: Sink<TelemetryEvent> = createRoutingSink<TelemetryEvent>(
    'lake',
    (event) => event.type,
    (type) =>
      observed(
        createLakeTableSink<TelemetryEvent>(firehose, lakeStreamPrefix, type as TableName, serializeEvent),
        onEvents && ((items) => onEvents(type as EventType, items)),
      ),
  );
  if (parts.wrapLakeSink) events = parts.wrapLakeSink(events);
  const notifications = createSnsAlertSink({
    client: parts.topic,
    topicArn: parts.alertsTopicArn,
    name: 'alerts',
    sleep: noWait,
  });
  return {
    lake: events,
    search: parts.search<TelemetryEvent>('events', serializeEvent),
    alerts: [
      notifications,
      createLakeTableSink<Alert>(firehose, lakeStreamPrefix, 'alerts'),
      parts.search<Alert>('alerts', serializerFor('alerts')),
    ],
    rejects: parts.rejects,
    duplicates: parts.duplicates,
  };
}
