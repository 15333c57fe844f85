import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readConfig } from './commons/config.js';
import { buildIngestDeps } from './commons/deps.js';
import { createIngestHandler } from './commons/ingest-handler.js';
import { ingestSinksFromConfig } from './commons/sinks-from-config.js';

// Built once per container: config, validators, dimensions, SDK clients.
const config = readConfig(process.env);
const bootLogger = new Logger({ serviceName: 'fleetstream-ingest', logLevel: config.logLevel });

/** The Lambda entry point (serverless.yml `functions.ingest`). */
export const handler = createIngestHandler(
  buildIngestDeps({
    sinks: ingestSinksFromConfig(config, bootLogger),
    config,
    metrics: new Metrics({
      namespace: 'fleetstream',
      serviceName: 'ingest',
      defaultDimensions: { stage: config.stage },
    }),
  }),
);
