import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createAggregateHandler } from './commons/aggregate-handler.js';
import { readConfig } from './commons/config.js';
import { buildAggregateDeps } from './commons/deps.js';
import { aggregateSinksFromConfig } from './commons/sinks-from-config.js';

// Built once per container: config, validators, dimensions, SDK clients.
const config = readConfig(process.env);
const bootLogger = new Logger({ serviceName: 'fleetstream-aggregate', logLevel: config.logLevel });

/** The Lambda entry point (serverless.yml `functions.aggregate`). */
export const handler = createAggregateHandler(
  buildAggregateDeps({
    sinks: aggregateSinksFromConfig(config, bootLogger),
    config,
    metrics: new Metrics({
      namespace: 'fleetstream',
      serviceName: 'aggregate',
      defaultDimensions: { stage: config.stage },
    }),
  }),
);
