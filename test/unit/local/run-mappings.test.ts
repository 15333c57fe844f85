import { join } from 'node:path';
import { ruleConfigOf } from '#local/run/run-mappings.js';
import { readServerlessConfig } from '#local/serverless-config.js';

const root = join(import.meta.dirname, '../../..');

describe('Function: ruleConfigOf()', () => {
  it.each(['local', 'prod'])(
    "gives stage %s's warm ledger the stage's dedupeCapacity, as the deployed function gets it",
    (stage) => {
      // Prepare
      const config = readServerlessConfig(join(root, 'serverless.yml'), stage);

      // Act
      const { dedupeCapacity } = ruleConfigOf(config);

      // Assess: serverless.yml's param (FLEETSTREAM_DEDUPE_CAPACITY on AWS), never a constant of the run's
      expect(dedupeCapacity).toBe(config.numberParam('dedupeCapacity'));
    },
  );

  it('bounds the local stage below a 1M-event run, so a longer run holds no more ids', () => {
    // Prepare
    const config = readServerlessConfig(join(root, 'serverless.yml'), 'local');

    // Act
    const { dedupeCapacity } = ruleConfigOf(config);

    // Assess: each of two ingest workers sees 500,000 events of a 1M-event run; its ledger is full by then
    expect(dedupeCapacity).toBeLessThanOrEqual(500_000);
  });
});
