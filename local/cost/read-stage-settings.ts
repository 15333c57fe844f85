import { join } from 'node:path';
import type { BatchEngine, FunctionSettings, StageSettings } from '#src/cost/stage-settings.js';
import { readServerlessConfig, type ServerlessConfig } from '../serverless-config.js';

function oneOf<T extends string>(config: ServerlessConfig, name: string, allowed: readonly T[]): T {
  const value = String(config.params[name]);
  if (!allowed.includes(value as T))
    throw new Error(
      `serverless.yml: param ${name} on stage ${config.stage} is "${value}", the cost model knows ${allowed.join(', ')}`,
    );
  return value as T;
}

function flag(config: ServerlessConfig, name: string): boolean {
  return oneOf(config, name, ['true', 'false']) === 'true';
}

function text(config: ServerlessConfig, name: string): string {
  const value = config.params[name];
  if (typeof value !== 'string' || value === '')
    throw new Error(`serverless.yml: param ${name} on stage ${config.stage} must be a string`);
  return value;
}

function streamFunction(config: ServerlessConfig, name: string): FunctionSettings {
  const mapping = config.mappings[name];
  const memoryMb = config.functionMemoryMb[name];
  if (!mapping || memoryMb === undefined)
    throw new Error(`serverless.yml: no Kinesis stream event on function ${name}`);
  return {
    memoryMb,
    batchSize: mapping.batchSize,
    batchWindowSeconds: mapping.batchWindow,
    parallelizationFactor: mapping.parallelizationFactor,
    tumblingWindowSeconds: mapping.tumblingWindowInSeconds,
  };
}

/** The stages serverless.yml declares params for, besides `default`. */
export function declaredStages(repoRoot: string): string[] {
  const config = readServerlessConfig(join(repoRoot, 'serverless.yml'), 'default');
  return Object.keys(config.declaredParams).filter((stage) => stage !== 'default');
}

/** A stage's cost-relevant settings, read from serverless.yml the way `sls` resolves them. */
export function readStageSettings(repoRoot: string, stage: string): StageSettings {
  const config = readServerlessConfig(join(repoRoot, 'serverless.yml'), stage);
  return {
    stage,
    region: text(config, 'region'),
    streamMode: oneOf(config, 'streamMode', ['PROVISIONED', 'ON_DEMAND'] as const),
    shardCount: config.numberParam('shardCount'),
    enhancedFanOut: flag(config, 'enhancedFanOut'),
    ingest: streamFunction(config, 'ingest'),
    aggregate: streamFunction(config, 'aggregate'),
    analytics: flag(config, 'analytics'),
    lakeBufferSizeMb: config.numberParam('lakeBufferSizeMb'),
    lakeBufferIntervalSeconds: config.numberParam('lakeBufferIntervalSeconds'),
    searchInstanceType: text(config, 'searchInstanceType'),
    searchInstanceCount: config.numberParam('searchInstanceCount'),
    searchVolumeGb: config.numberParam('searchVolumeGb'),
    athenaBytesScannedCutoff: config.numberParam('athenaBytesScannedCutoff'),
    logRetentionInDays: config.numberParam('logRetentionInDays'),
    logLevel: text(config, 'logLevel'),
    batchEngine: oneOf(config, 'batchEngine', ['cluster', 'serverless'] as const satisfies readonly BatchEngine[]),
    batchSchedule: flag(config, 'batchSchedule'),
  };
}
