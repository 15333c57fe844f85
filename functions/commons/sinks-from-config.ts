import { join, resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { createFirehoseSink } from '../../src/adapters/aws/firehose-sink.js';
import { createS3JsonlSink } from '../../src/adapters/aws/s3-jsonl-sink.js';
import { createSnsAlertSink } from '../../src/adapters/aws/sns-alert-sink.js';
import { createJsonlFileSink } from '../../src/adapters/file/jsonl-file-sink.js';
import { deliveryStreamName } from '../../src/sinks/delivery-streams.js';
import { createFanOutSink, createRoutingSink } from '../../src/sinks/routing-sink.js';
import { serializeEvent, serializerFor } from '../../src/sinks/serialize-event.js';
import type { AggregateSinks, IngestSinks, Sink, WindowAggregateRow } from '../../src/sinks/sink.js';
import type { Alert, TelemetryEvent } from '../../src/telemetry/event.js';
import type { FleetstreamConfig } from './config.js';

/** SDK clients, created lazily and once per container, only for the destinations that are configured. */
class Clients {
  private firehoseClient?: FirehoseClient;
  private s3Client?: S3Client;
  private snsClient?: SNSClient;
  get firehose(): FirehoseClient {
    this.firehoseClient ??= new FirehoseClient({});
    return this.firehoseClient;
  }
  get s3(): S3Client {
    this.s3Client ??= new S3Client({});
    return this.s3Client;
  }
  get sns(): SNSClient {
    this.snsClient ??= new SNSClient({});
    return this.snsClient;
  }
}

const clients = new Clients();

function fileFallback<T>(name: string, config: FleetstreamConfig, logger: Logger): Sink<T> {
  const path = resolve(join(config.localOut, `${name}.jsonl`));
  logger.info(`sink ${name}: no AWS destination configured, writing to ${path}`, { sink: name, path });
  return createJsonlFileSink<T>(name, path);
}

function s3OrFile<T>(name: string, config: FleetstreamConfig, logger: Logger): Sink<T> {
  if (!config.rejectsBucket) return fileFallback<T>(name, config, logger);
  return createS3JsonlSink<T>({ client: clients.s3, bucket: config.rejectsBucket, prefix: name, name, now: Date.now });
}

/**
 * A table's rows without a delivery stream: JSONL objects in the lake bucket under `<name>/` when
 * FLEETSTREAM_LAKE_BUCKET is set (the stage deployed to an emulator, which has no Firehose format
 * conversion), else local files.
 */
function lakeBucketOrFile<T>(
  name: string,
  config: FleetstreamConfig,
  logger: Logger,
  serialise?: (item: T) => string,
): Sink<T> {
  if (!config.lakeBucket) return fileFallback<T>(name, config, logger);
  logger.info(`sink ${name}: no delivery stream configured, writing JSONL to s3://${config.lakeBucket}/${name}/`);
  return createS3JsonlSink<T>({
    client: clients.s3,
    bucket: config.lakeBucket,
    prefix: name,
    name,
    now: Date.now,
    ...(serialise ? { serialise } : {}),
  });
}

/** A Firehose sink for the stream `<prefix><name>`, each row one JSON object of its table's columns. */
function firehose<T extends object>(prefix: string, name: string, serialise: (row: T) => string): Sink<T> {
  const deliveryStream = deliveryStreamName(prefix, name);
  return createFirehoseSink<T>({
    client: clients.firehose,
    deliveryStreamName: deliveryStream,
    name: deliveryStream,
    serialise,
  });
}

/**
 * The ingest sinks for this environment: Firehose streams (one per lake table, one per index
 * family), SNS and S3 where FLEETSTREAM_* names them, else JSONL in the lake bucket or files under
 * FLEETSTREAM_LOCAL_OUT (and the log says where).
 */
export function ingestSinksFromConfig(config: FleetstreamConfig, logger: Logger): IngestSinks {
  const { lakeStreamPrefix: lake, searchStreamPrefix: search } = config;
  const alerts = config.alertsTopicArn
    ? createSnsAlertSink({ client: clients.sns, topicArn: config.alertsTopicArn, name: 'alerts' })
    : fileFallback<Alert>('alerts', config, logger);
  return {
    lake: lake
      ? createRoutingSink<TelemetryEvent>(
          'lake',
          (event) => event.type,
          (type) => firehose(lake, type, serializeEvent),
        )
      : lakeBucketOrFile('events', config, logger, serializeEvent),
    search: search
      ? firehose(search, 'events', serializeEvent)
      : lakeBucketOrFile('search', config, logger, serializeEvent),
    // Alerts notify (SNS) and land in the lake and the search index where those exist.
    alerts: createFanOutSink('alerts', [
      alerts,
      ...(lake ? [firehose<Alert>(lake, 'alerts', serializerFor('alerts'))] : []),
      ...(search ? [firehose<Alert>(search, 'alerts', serializerFor('alerts'))] : []),
    ]),
    rejects: s3OrFile('rejects', config, logger),
    duplicates: s3OrFile('duplicates', config, logger),
  };
}

/** The aggregate sinks for this environment (see ingestSinksFromConfig). */
export function aggregateSinksFromConfig(config: FleetstreamConfig, logger: Logger): AggregateSinks {
  const { lakeStreamPrefix: lake, searchStreamPrefix: search } = config;
  return {
    windows: lake
      ? createFanOutSink('windows', [
          firehose<WindowAggregateRow>(lake, 'window_aggregates', serializerFor('window_aggregates')),
          ...(search
            ? [firehose<WindowAggregateRow>(search, 'window_aggregates', serializerFor('window_aggregates'))]
            : []),
        ])
      : lakeBucketOrFile('window_aggregates', config, logger),
    late: s3OrFile('late', config, logger),
  };
}
