import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readS3Text } from '#src/adapters/aws/s3-objects.js';
import { createDimensionRefresher } from '#src/dimensions/dimension-refresher.js';
import type { DimensionDocument } from '#src/dimensions/publish-dimensions.js';
import { AwsClients } from '../shared/clients.js';
import { readConfig } from '../shared/config.js';
import { buildIngestDeps } from '../shared/deps.js';
import { ingestSinksFromConfig } from '../shared/sinks.js';
import { createIngestHandler } from './create-ingest-handler.js';

// Built once per container: config, validators, dimensions, SDK clients.
const config = readConfig(process.env);
const clients = new AwsClients();
const bootLogger = new Logger({ serviceName: 'fleetstream-ingest', logLevel: config.logLevel });
const { dataBucket } = config;

/** The Lambda entry point (serverless.yml `functions.ingest`). */
export const handler = createIngestHandler(
  buildIngestDeps({
    sinks: ingestSinksFromConfig(config, bootLogger, clients),
    config,
    metrics: new Metrics({
      namespace: 'fleetstream',
      serviceName: 'ingest',
      defaultDimensions: { stage: config.stage },
    }),
    // With a data bucket, enrichment follows the dimension store the load-dimensions state machine
    // publishes (checked once a minute); without one, the bundled data/*.csv.
    refreshDimensions: dataBucket
      ? createDimensionRefresher({
          load: async () => {
            const text = await readS3Text(clients.s3, dataBucket, 'dimensions/store/current.json');
            return text === undefined ? undefined : (JSON.parse(text) as DimensionDocument);
          },
          intervalMs: 60_000,
          now: Date.now,
          onError: (error) =>
            bootLogger.warn('dimension store unreadable; enriching with the dimensions in use', { error }),
        })
      : undefined,
  }),
);
