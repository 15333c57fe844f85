import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { AwsClients } from '../shared/clients.js';
import { readConfig } from '../shared/config.js';
import { buildAggregateDeps } from '../shared/deps.js';
import { aggregateSinksFromConfig } from '../shared/sinks.js';
import { createAggregateHandler } from './create-aggregate-handler.js';

// Built once per container: config, validators, dimensions, SDK clients.
const config = readConfig(process.env);
const bootLogger = new Logger({ serviceName: 'fleetstream-aggregate', logLevel: config.logLevel });

/** The Lambda entry point (serverless.yml `functions.aggregate`). */
export const handler = createAggregateHandler(
  buildAggregateDeps({
    sinks: aggregateSinksFromConfig(config, bootLogger, new AwsClients()),
    config,
    metrics: new Metrics({
      namespace: 'fleetstream',
      serviceName: 'aggregate',
      defaultDimensions: { stage: config.stage },
    }),
  }),
);
