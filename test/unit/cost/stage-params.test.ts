import { join } from 'node:path';
import { declaredStages, readStageSettings } from '#local/cost/read-stage-settings.js';
import { readStackInventory } from '#local/cost/stack-inventory.js';
import { readServerlessConfig } from '#local/serverless-config.js';
import { estimateMonthlyCost } from '#src/cost/estimate.js';
import { COST_NEUTRAL_PARAMS, COST_PARAMS, type StageSettings } from '#src/cost/stage-settings.js';
import { flatBook, testAssumptions, testStage, testWorkload } from './helpers.js';

const root = join(import.meta.dirname, '../../..');
const config = readServerlessConfig(join(root, 'serverless.yml'), 'dev');
const declared = new Set(Object.values(config.declaredParams).flatMap((params) => Object.keys(params)));

describe('The cost model and serverless.yml stay in step', () => {
  it('every param of every stage is read by the model or listed as cost-neutral with a reason', () => {
    // Prepare
    const known = new Set<string>([...COST_PARAMS, ...Object.keys(COST_NEUTRAL_PARAMS)]);

    // Assess
    expect(declared.size).toBeGreaterThan(20);
    // A new param in serverless.yml fails here until it is priced or explained.
    expect([...declared].filter((name) => !known.has(name))).toEqual([]);
    // A param removed from serverless.yml fails here until the lists drop it.
    expect([...known].filter((name) => !declared.has(name))).toEqual([]);
    expect(COST_PARAMS.filter((name) => name in COST_NEUTRAL_PARAMS)).toEqual([]);
    for (const reason of Object.values(COST_NEUTRAL_PARAMS)) expect(reason.length).toBeGreaterThan(10);
  });

  it.each(['dev', 'prod'])('reads %s as serverless.yml resolves it', (stage) => {
    // Prepare
    const resolved = readServerlessConfig(join(root, 'serverless.yml'), stage);
    const params = resolved.params;

    // Act
    const settings = readStageSettings(root, stage);

    // Assess
    expect(settings.streamMode).toBe(params.streamMode);
    expect(settings.shardCount).toBe(params.shardCount);
    expect(settings.enhancedFanOut).toBe(params.enhancedFanOut);
    expect(settings.ingest).toEqual({
      memoryMb: params.ingestMemoryMb,
      batchSize: params.batchSize,
      batchWindowSeconds: params.batchWindow,
      parallelizationFactor: params.parallelizationFactor,
      tumblingWindowSeconds: undefined,
    });
    // aggregate: provider memory, its own batches, parallelization fixed at 1 for its tumbling windows.
    expect(settings.aggregate.memoryMb).toBe(resolved.functionMemoryMb.aggregate);
    expect([settings.aggregate.batchSize, settings.aggregate.batchWindowSeconds]).toEqual([
      params.aggregateBatchSize,
      params.aggregateBatchWindow,
    ]);
    expect(settings.aggregate.parallelizationFactor).toBe(1);
    expect(settings.aggregate.tumblingWindowSeconds).toBe(params.tumblingWindowInSeconds);
    expect([settings.lakeBufferSizeMb, settings.lakeBufferIntervalSeconds]).toEqual([
      params.lakeBufferSizeMb,
      params.lakeBufferIntervalSeconds,
    ]);
    expect([settings.searchInstanceType, settings.searchInstanceCount, settings.searchVolumeGb]).toEqual([
      params.searchInstanceType,
      params.searchInstanceCount,
      params.searchVolumeGb,
    ]);
    expect(settings.athenaBytesScannedCutoff).toBe(params.athenaBytesScannedCutoff);
    expect(settings.logRetentionInDays).toBe(params.logRetentionInDays);
    expect(settings.logLevel).toBe(params.logLevel);
    expect(declaredStages(root)).toContain(stage);
  });

  // Each setting the model reads moves the bill: changing it changes the total.
  const changes: [string, (s: StageSettings) => StageSettings][] = [
    ['shardCount', (s) => ({ ...s, shardCount: 2 * s.shardCount })],
    ['ingestMemoryMb', (s) => ({ ...s, ingest: { ...s.ingest, memoryMb: 2 * s.ingest.memoryMb } })],
    // at 100 events/s batches close on the 1 s window; a batch of 50 fills first.
    ['batchSize', (s) => ({ ...s, ingest: { ...s.ingest, batchSize: 50 } })],
    ['batchWindow', (s) => ({ ...s, ingest: { ...s.ingest, batchWindowSeconds: 2 * s.ingest.batchWindowSeconds } })],
    ['parallelizationFactor', (s) => ({ ...s, ingest: { ...s.ingest, parallelizationFactor: 2 } })],
    ['aggregateBatchSize', (s) => ({ ...s, aggregate: { ...s.aggregate, batchSize: 50 } })],
    [
      'aggregateBatchWindow',
      (s) => ({ ...s, aggregate: { ...s.aggregate, batchWindowSeconds: 2 * s.aggregate.batchWindowSeconds } }),
    ],
    ['tumblingWindowInSeconds', (s) => ({ ...s, aggregate: { ...s.aggregate, tumblingWindowSeconds: 450 } })],
    ['lakeBufferIntervalSeconds', (s) => ({ ...s, lakeBufferIntervalSeconds: 2 * s.lakeBufferIntervalSeconds })],
    ['lakeBufferSizeMb', (s) => ({ ...s, lakeBufferSizeMb: 1, lakeBufferIntervalSeconds: 900 })],
    ['searchInstanceCount', (s) => ({ ...s, searchInstanceCount: 2 * s.searchInstanceCount })],
    ['searchVolumeGb', (s) => ({ ...s, searchVolumeGb: 2 * s.searchVolumeGb })],
    // a one-day window at 100 events/s scans tens of MB, far under dev's 10 GiB: the cutoff moves the
    // bill only when a run scans past it, as one of 10 MB makes it.
    ['athenaBytesScannedCutoff', (s) => ({ ...s, athenaBytesScannedCutoff: 10 * 1024 ** 2 })],
    ['logRetentionInDays', (s) => ({ ...s, logRetentionInDays: 2 * s.logRetentionInDays })],
    ['logLevel', (s) => ({ ...s, logLevel: 'DEBUG' })],
    ['streamMode', (s) => ({ ...s, streamMode: 'ON_DEMAND' })],
    ['enhancedFanOut', (s) => ({ ...s, enhancedFanOut: true })],
    ['batchEngine', (s) => ({ ...s, batchEngine: 'serverless' })],
    ['batchSchedule', (s) => ({ ...s, batchSchedule: false })],
    ['analytics', (s) => ({ ...s, analytics: false })],
  ];
  it.each(changes)('changing %s changes the estimate', (_name, change) => {
    // Prepare
    const stage = testStage();
    const inputs = {
      workload: testWorkload({ eventsPerSecond: 100 }),
      assumptions: testAssumptions(),
      inventory: readStackInventory(root, readStageSettings(root, 'dev')),
      book: flatBook(),
    };

    // Act
    const before = estimateMonthlyCost({ ...inputs, stage }).totalUsd;
    const after = estimateMonthlyCost({ ...inputs, stage: change(stage) }).totalUsd;

    // Assess
    expect(before).toBeGreaterThan(0);
    expect(after).not.toBeCloseTo(before, 6);
  });
});
