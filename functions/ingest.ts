import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { readS3Text } from '../src/adapters/aws/s3-objects.js';
import { createDimensionRefresher } from '../src/dimensions/dimension-refresher.js';
import type { DimensionDocument } from '../src/dimensions/publish-dimensions.js';
import { readConfig } from './commons/config.js';
import { buildIngestDeps } from './commons/deps.js';
import { createIngestHandler } from './commons/ingest-handler.js';
import { ingestSinksFromConfig } from './commons/sinks-from-config.js';

// Built once per container: config, validators, dimensions, SDK clients.
const config = readConfig(process.env);
const bootLogger = new Logger({ serviceName: 'fleetstream-ingest', logLevel: config.logLevel });

const deps = buildIngestDeps({
  sinks: ingestSinksFromConfig(config, bootLogger),
  config,
  metrics: new Metrics({
    namespace: 'fleetstream',
    serviceName: 'ingest',
    defaultDimensions: { stage: config.stage },
  }),
});
// With a data bucket, enrichment follows the dimension store the load-dimensions state machine
// publishes (checked once a minute); without one, the bundled data/*.csv.
const dataBucket = process.env.FLEETSTREAM_DATA_BUCKET;
if (dataBucket) {
  const s3 = new S3Client({});
  deps.refreshDimensions = createDimensionRefresher({
    load: async () => {
      const text = await readS3Text(s3, dataBucket, 'dimensions/store/current.json');
      return text === undefined ? undefined : (JSON.parse(text) as DimensionDocument);
    },
    intervalMs: 60_000,
    now: Date.now,
    onError: (error) => bootLogger.warn('dimension store unreadable; enriching with the dimensions in use', { error }),
  });
}

/** The Lambda entry point (serverless.yml `functions.ingest`). */
export const handler = createIngestHandler(deps);
