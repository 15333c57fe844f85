import { join, resolve } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createFirehoseSink } from '#src/adapters/aws/firehose-sink.js';
import { regionOfEndpoint, resolveDomainEndpoint } from '#src/adapters/aws/opensearch-domain.js';
import { createS3JsonlSink } from '#src/adapters/aws/s3-jsonl-sink.js';
import { createSnsAlertSink } from '#src/adapters/aws/sns-alert-sink.js';
import { createJsonlFileSink } from '#src/adapters/file/jsonl-file-sink.js';
import { type BulkTransport, createBulkSink, type FailedDocument } from '#src/adapters/opensearch/bulk-sink.js';
import { createHttpBulkTransport } from '#src/adapters/opensearch/bulk-transport.js';
import { INDEX_FAMILIES, type IndexFamilyName } from '#src/search/index-templates.js';
import { deliveryStreamName } from '#src/sinks/delivery-streams.js';
import { createFanOutSink, createRoutingSink } from '#src/sinks/routing-sink.js';
import { serializeEvent, serializerFor } from '#src/sinks/serialize-event.js';
import type { AggregateSinks, IngestSinks, Sink, WindowAggregateRow } from '#src/sinks/sink.js';
import type { Alert, TelemetryEvent } from '#src/telemetry/event.js';
import type { AwsClients } from './clients.js';
import type { FleetstreamConfig } from './config.js';

/** Builds the sinks of one function from its configuration: AWS destinations where set, files otherwise. */
class SinkBuilder {
  constructor(
    private readonly config: FleetstreamConfig,
    private readonly logger: Logger,
    private readonly clients: AwsClients,
  ) {}

  /** JSONL under FLEETSTREAM_LOCAL_OUT, and the log says where. */
  file<T>(name: string): Sink<T> {
    const path = resolve(join(this.config.localOut, `${name}.jsonl`));
    this.logger.info(`sink ${name}: no AWS destination configured, writing to ${path}`, { sink: name, path });
    return createJsonlFileSink<T>(name, path);
  }

  /** JSONL objects in the rejects bucket under `<name>/`, else a file. */
  rejectsBucketOrFile<T>(name: string): Sink<T> {
    const bucket = this.config.rejectsBucket;
    if (!bucket) return this.file<T>(name);
    return createS3JsonlSink<T>({ client: this.clients.s3, bucket, prefix: name, name, now: Date.now });
  }

  /**
   * A table's rows without a delivery stream: JSONL objects in the lake bucket under `<name>/` when
   * FLEETSTREAM_LAKE_BUCKET is set (the stage deployed to an emulator, which has no Firehose format
   * conversion), else a file.
   */
  lakeBucketOrFile<T>(name: string, serialise?: (item: T) => string): Sink<T> {
    const bucket = this.config.lakeBucket;
    if (!bucket) return this.file<T>(name);
    this.logger.info(`sink ${name}: no delivery stream configured, writing JSONL to s3://${bucket}/${name}/`);
    return createS3JsonlSink<T>({
      client: this.clients.s3,
      bucket,
      prefix: name,
      name,
      now: Date.now,
      ...(serialise ? { serialise } : {}),
    });
  }

  /** A Firehose sink for the stream `<prefix><name>`, each row one JSON object of its table's columns. */
  firehose<T extends object>(prefix: string, name: string, serialise: (row: T) => string): Sink<T> {
    const deliveryStream = deliveryStreamName(prefix, name);
    return createFirehoseSink<T>({
      client: this.clients.firehose,
      deliveryStreamName: deliveryStream,
      name: deliveryStream,
      serialise,
    });
  }

  /**
   * An index family in OpenSearch with signed `_bulk` requests, `_id` the row's id, so a row written
   * again overwrites itself; documents the index refuses go to the lake bucket under
   * `search-failed/<family>/` (or a file). Without FLEETSTREAM_SEARCH_DOMAIN: `fallback`.
   */
  search<T extends object>(family: IndexFamilyName, serialize: (row: T) => string, fallback: () => Sink<T>): Sink<T> {
    if (!this.config.searchDomain) return fallback();
    return createBulkSink<T>({
      name: `search:${family}`,
      family: INDEX_FAMILIES[family],
      serialize,
      transport: this.searchTransport(this.config.searchDomain),
      failed: this.lakeBucketOrFile<FailedDocument>(`search-failed/${family}`),
    });
  }

  private transport: BulkTransport | undefined;

  /**
   * The `_bulk` transport of the domain, its endpoint looked up with DescribeDomain on first use and
   * kept for the container (the CloudFormation attribute cannot reach `sls invoke local`), requests
   * signed for the endpoint's region. A failed look-up is tried again on the next write.
   */
  private searchTransport(domain: string): BulkTransport {
    let endpoint: Promise<BulkTransport> | undefined;
    const lookUp = () =>
      resolveDomainEndpoint(this.clients.opensearch, domain).then(({ opensearchUrl }) =>
        createHttpBulkTransport(opensearchUrl, this.clients.signedFetch(regionOfEndpoint(opensearchUrl)!)),
      );
    this.transport ??= async (body) => {
      endpoint ??= lookUp().catch((error: unknown) => {
        endpoint = undefined;
        throw error;
      });
      return (await endpoint)(body);
    };
    return this.transport;
  }

  /** SNS when FLEETSTREAM_ALERTS_TOPIC_ARN is set, else a file. */
  notifications(): Sink<Alert> {
    const topicArn = this.config.alertsTopicArn;
    return topicArn ? createSnsAlertSink({ client: this.clients.sns, topicArn, name: 'alerts' }) : this.file('alerts');
  }
}

/**
 * The ingest sinks for this environment: Firehose streams (one per lake table, one per index
 * family), SNS and S3 where FLEETSTREAM_* names them, else JSONL in the lake bucket or files under
 * FLEETSTREAM_LOCAL_OUT (and the log says where).
 *
 * @example const sinks = ingestSinksFromConfig(readConfig(process.env), logger, new AwsClients());
 */
export function ingestSinksFromConfig(config: FleetstreamConfig, logger: Logger, clients: AwsClients): IngestSinks {
  const { lakeStreamPrefix: lake, searchDomain } = config;
  const build = new SinkBuilder(config, logger, clients);
  return {
    lake: lake
      ? createRoutingSink<TelemetryEvent>(
          'lake',
          (event) => event.type,
          (type) => build.firehose(lake, type, serializeEvent),
        )
      : build.lakeBucketOrFile('events', serializeEvent),
    search: build.search('events', serializeEvent, () => build.lakeBucketOrFile('search', serializeEvent)),
    // Alerts notify (SNS) and land in the lake and the search index where those exist.
    alerts: [
      build.notifications(),
      ...(lake ? [build.firehose<Alert>(lake, 'alerts', serializerFor('alerts'))] : []),
      ...(searchDomain
        ? [build.search<Alert>('alerts', serializerFor('alerts'), () => build.file('alerts-search'))]
        : []),
    ],
    rejects: build.rejectsBucketOrFile('rejects'),
    duplicates: build.rejectsBucketOrFile('duplicates'),
  };
}

/** The aggregate sinks for this environment (see ingestSinksFromConfig). */
export function aggregateSinksFromConfig(
  config: FleetstreamConfig,
  logger: Logger,
  clients: AwsClients,
): AggregateSinks {
  const { lakeStreamPrefix: lake, searchDomain } = config;
  const build = new SinkBuilder(config, logger, clients);
  return {
    windows: lake
      ? createFanOutSink('windows', [
          build.firehose<WindowAggregateRow>(lake, 'window_aggregates', serializerFor('window_aggregates')),
          ...(searchDomain
            ? [
                build.search<WindowAggregateRow>('window_aggregates', serializerFor('window_aggregates'), () =>
                  build.file('window-aggregates-search'),
                ),
              ]
            : []),
        ])
      : build.lakeBucketOrFile('window_aggregates'),
    late: build.rejectsBucketOrFile('late'),
  };
}
