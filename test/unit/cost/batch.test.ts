import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchClusterOf, emrCost, stepFunctionsCost, successPathStates } from '#src/cost/batch.js';
import { cloudWatchCost, logBytesPerInvocation } from '#src/cost/observability.js';
import { flatBook, lineUsd, testAssumptions, testStage } from './helpers.js';

const asl = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../statemachines/batch-analytics.asl.json'), 'utf8'),
);

describe('Batch: the nightly run', () => {
  it('walks the ASL success path per engine and finds the cluster shape', () => {
    // Act
    const cluster = successPathStates(asl, 'cluster');
    const serverless = successPathStates(asl, 'serverless');

    // Assess
    expect(cluster).toEqual([
      'Settings',
      'ChooseEngine',
      'CheckSubnet',
      'CreateCluster',
      'RunJob',
      'TerminateCluster',
      'NotifySuccess',
      'Succeeded',
    ]);
    expect(serverless).toEqual(['Settings', 'ChooseEngine', 'RunServerlessJob', 'NotifySuccess', 'Succeeded']);
    expect(batchClusterOf(asl)).toEqual({ instanceType: 'm6g.xlarge', coreNodes: 2 });
  });

  it('prices 30.4167 runs a month: transitions, and 3 nodes for 10 + 4 GB × 1 min / 2 core nodes minutes', () => {
    // Prepare
    const stage = testStage({ batchSchedule: true, batchEngine: 'cluster' });
    const runs = 730 / 24;

    // Act
    const transitions = stepFunctionsCost(stage, 7, flatBook());
    const emr = emrCost(stage, { instanceType: 'm6g.xlarge', coreNodes: 2 }, 4, testAssumptions(), flatBook());
    const off = emrCost(
      testStage({ batchSchedule: false }),
      { instanceType: 'm6g.xlarge', coreNodes: 2 },
      4,
      testAssumptions(),
      flatBook(),
    );

    // Assess
    expect(transitions.usd).toBeCloseTo((runs * 7) / 1000, 12);
    // 3 nodes × (10 + 2) min / 60 × runs = 18.25 instance-hours, EC2 and EMR charge each.
    expect(lineUsd(emr, 'EC2')).toBeCloseTo(18.25, 9);
    expect(lineUsd(emr, 'EMR charge')).toBeCloseTo(18.25, 9);
    expect(off.usd).toBe(0);
  });
});

describe('CloudWatch: logs by level and retention', () => {
  it('INFO adds the function line to the platform and EMF bytes; DEBUG multiplies it; WARN drops it', () => {
    // Prepare
    const assumptions = testAssumptions();

    // Act
    const bytes = ['INFO', 'DEBUG', 'WARN'].map((level) => logBytesPerInvocation('ingest', level, assumptions));

    // Assess
    expect(bytes).toEqual([1800 + 700, 1800 + 700 * 5, 1800]);
  });

  it('stores ingested logs for the retention: 7 days of a 30.4167-day month', () => {
    // Prepare
    const profile = {
      name: 'ingest',
      memoryMb: 1024,
      invocationsPerSecond: 1,
      eventsPerInvocation: 1,
      durationMs: 1,
      warnings: [],
    };
    const inventory = { customMetrics: 14, alarms: 16, dashboards: 1 };

    // Act
    const cost = cloudWatchCost(
      testStage({ logRetentionInDays: 7 }),
      [profile],
      inventory,
      testAssumptions(),
      flatBook(),
    );

    // Assess
    // 2,628,000 invocations × 2,500 B / 2^30 GB ingested; stored × 7 / 30.4167.
    const ingested = (2_628_000 * 2500) / 1024 ** 3;
    expect(lineUsd(cost, 'logs ingested')).toBeCloseTo(ingested, 9);
    expect(lineUsd(cost, 'logs stored')).toBeCloseTo(ingested * (7 / (730 / 24)), 9);
    expect(lineUsd(cost, 'custom metrics')).toBe(14);
    expect(lineUsd(cost, 'alarms')).toBe(16);
  });
});
