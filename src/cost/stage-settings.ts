/** A stream function's settings as the model needs them: memory and its Kinesis event source mapping. */
export interface FunctionSettings {
  memoryMb: number;
  batchSize: number;
  batchWindowSeconds: number;
  parallelizationFactor: number;
  tumblingWindowSeconds: number | undefined;
}

/** The engine of the nightly batch job (statemachines/batch-analytics.asl.json `engine` input). */
export type BatchEngine = 'cluster' | 'serverless';

/** Everything about a stage (serverless.yml params and functions) that changes what it costs. */
export interface StageSettings {
  stage: string;
  region: string;
  streamMode: 'PROVISIONED' | 'ON_DEMAND';
  shardCount: number;
  enhancedFanOut: boolean;
  ingest: FunctionSettings;
  aggregate: FunctionSettings;
  analytics: boolean;
  lakeBufferSizeMb: number;
  lakeBufferIntervalSeconds: number;
  searchInstanceType: string;
  searchInstanceCount: number;
  searchVolumeGb: number;
  athenaBytesScannedCutoff: number;
  logRetentionInDays: number;
  logLevel: string;
  batchEngine: BatchEngine;
  batchSchedule: boolean;
}

/**
 * The serverless.yml params the cost model reads (through StageSettings). A param of the stage
 * must be here or in COST_NEUTRAL_PARAMS: a test fails on one that is in neither, so a new knob
 * cannot change the bill without the model knowing.
 */
export const COST_PARAMS = [
  'region',
  'streamMode',
  'shardCount',
  'enhancedFanOut',
  'batchSize',
  'batchWindow',
  'aggregateBatchSize',
  'aggregateBatchWindow',
  'parallelizationFactor',
  'tumblingWindowInSeconds',
  'ingestMemoryMb',
  'analytics',
  'lakeBufferSizeMb',
  'lakeBufferIntervalSeconds',
  'searchInstanceType',
  'searchInstanceCount',
  'searchVolumeGb',
  'athenaBytesScannedCutoff',
  'logRetentionInDays',
  'logLevel',
  'batchEngine',
  'batchSchedule',
] as const;

/** The serverless.yml params that do not change the monthly bill, each with the reason. */
export const COST_NEUTRAL_PARAMS: Readonly<Record<string, string>> = {
  maximumRetryAttempts: 'retries happen only on failures; the model costs the failure-free path',
  maximumRecordAgeInSeconds: 'bounds retries of failing records; the failure-free path never reaches it',
  startingPosition: 'where a new mapping starts reading, not how much it reads',
  allowedLatenessSeconds: 'which late events a window still takes, not how many invocations or rows',
  speedingKmh: 'a rule threshold: its effect on the bill is the alert ratio, an input (--alert-ratio)',
  highRpm: 'a rule threshold: its effect on the bill is the alert ratio, an input (--alert-ratio)',
  poorAqi: 'a rule threshold: its effect on the bill is the alert ratio, an input (--alert-ratio)',
  gpsJumpKmh: 'a rule threshold: its effect on the bill is the alert ratio, an input (--alert-ratio)',
  dedupeCapacity: 'entries of the in-memory dedupe set inside the function, whose billed size is its memory',
  emrServerlessApplicationId: 'an identifier; the engine and its size are what cost',
  emrSubnetId: 'an identifier; the engine and its size are what cost',
  emr: 'off only on the emulator stage, which is not billed',
  deletionPolicy: 'what a stack keeps when it is deleted; no monthly charge',
  destinations: 'files only for `sls invoke local`; deployed stages use aws',
};
