import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readServerlessConfig } from '#local/serverless-config.js';
import {
  batchWaitSeconds,
  renderLatencyTable,
  STAGES,
  withRenderedLatencyTable,
} from '../../../scripts/latency-table.js';

const root = join(import.meta.dirname, '../../..');

describe('docs/latency.md: the latency table agrees with serverless.yml', () => {
  it('holds exactly the table rendered from serverless.yml', () => {
    // Prepare
    const page = readFileSync(join(root, 'docs/latency.md'), 'utf8');

    // Act
    const table = renderLatencyTable(root);

    // Assess
    expect(table.split('\n')).toHaveLength(2 + STAGES.length);
    expect(page).toContain(table);
    expect(withRenderedLatencyTable(page, root)).toBe(page);
  });

  it.each(STAGES)('shows stage %s with its ingest batch size and window', (stage) => {
    // Prepare
    const ingest = readServerlessConfig(join(root, 'serverless.yml'), stage).mappings.ingest!;

    // Act
    const row = renderLatencyTable(root)
      .split('\n')
      .find((line) => line.startsWith(`| ${stage} |`));

    // Assess
    expect(row).toContain(`batchSize ${ingest.batchSize}, batchWindow ${ingest.batchWindow} s`);
  });
});

describe('Function: batchWaitSeconds()', () => {
  it.each([
    [{ batchSize: 500, batchWindow: 1, parallelizationFactor: 1 }, 1000, 0.5],
    [{ batchSize: 500, batchWindow: 1, parallelizationFactor: 1 }, 100, 1],
    [{ batchSize: 1000, batchWindow: 5, parallelizationFactor: 2 }, 1000, 2],
    [{ batchSize: 500, batchWindow: 0, parallelizationFactor: 1 }, 10, 0],
  ])('for %j at %d records/s a shard is %d s', (settings, rate, expected) => {
    // Act
    const wait = batchWaitSeconds(settings, rate);

    // Assess
    expect(wait).toBe(expected);
  });
});

describe('Function: readServerlessConfig()', () => {
  it.each([
    ['local', true],
    ['dev', false],
    ['prod', true],
  ])('on stage %s gives ingest enhanced fan-out %s, and aggregate (no consumer) none', (stage, ingest) => {
    // Act
    const { mappings } = readServerlessConfig(join(root, 'serverless.yml'), stage);

    // Assess
    expect(mappings.ingest!.enhancedFanOut).toBe(ingest);
    expect(mappings.aggregate!.enhancedFanOut).toBe(false);
  });
});
