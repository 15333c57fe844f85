import { join } from 'node:path';
import { loadDimensionsFromDir } from '#src/adapters/file/load-dimensions.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import { pretenuringDecisions, repoRoot } from '../../helpers/pretenuring.js';

const from = (path: string) => JSON.stringify(join(repoRoot, path));

/**
 * Runs processBatch over 150 batches of 200 fleet readings (about 3 % of them alerts), with a young
 * collection while each batch is being delivered: what a collection during a batch finds alive.
 * The input records are read with JSON.parse, which makes no allocation site of the probe's own.
 */
const probe = `import { readFileSync } from 'node:fs';
import { loadDimensionsFromDir } from ${from('src/adapters/file/load-dimensions.ts')};
import { indexDimensions } from ${from('src/enrich/dimensions.ts')};
import { DeliveryLedger } from ${from('src/ingest/delivery-ledger.ts')};
import { processBatch } from ${from('src/ingest/process-batch.ts')};
import { DEFAULT_RULE_CONFIG } from ${from('src/rules/rule-config.ts')};
import { TrajectoryTracker } from ${from('src/rules/trajectory-tracker.ts')};
import { createEventValidator } from ${from('src/schema/validate-event.ts')};
import { serializeEvent } from ${from('src/sinks/serialize-event.ts')};
const dimensions = loadDimensionsFromDir(${from('data')});
const batches = JSON.parse(readFileSync(new URL('batches.json', import.meta.url), 'utf8'));
let written = 0;
const sink = (name, serialise, collect) => ({
  name,
  async write(items) {
    for (const item of items) written += serialise(item).length;
    if (collect) globalThis.gc({ type: 'minor' });
  },
});
const sinks = {
  lake: sink('lake', serializeEvent, true),
  search: sink('search', serializeEvent),
  alerts: [sink('alerts', JSON.stringify)],
  rejects: sink('rejects', JSON.stringify),
  duplicates: sink('duplicates', JSON.stringify),
};
const ctx = {
  validate: createEventValidator(),
  dimensions: indexDimensions(dimensions),
  rules: DEFAULT_RULE_CONFIG,
  trajectories: new TrajectoryTracker(DEFAULT_RULE_CONFIG.gpsJumpKmh),
  ledger: new DeliveryLedger(100000),
};
let accepted = 0;
if (process.env.PROBE_BATCHES === 'none') {
  // The same start and young collections without the batches: the decisions the setup makes.
  for (let b = 0; b < batches.length; b++) globalThis.gc({ type: 'minor' });
  accepted = 30000;
  written = 1;
} else {
  // As a mapping does: the result is kept until the invocation ends, then its effects are read.
  let last;
  for (const batch of batches) {
    const result = await processBatch(batch, { stream: 'probe', shardId: 'shardId-000000000000' }, ctx, sinks);
    if (last) written += last.effects().events.length;
    last = result;
    accepted += result.counts.accepted;
  }
}
console.log('accepted', accepted, written > 0);`;

/** 150 Kinesis batches of 200 simulated fleet readings. */
function fleetBatches(): string {
  const batches: { data: string; partitionKey: string; sequenceNumber: string }[][] = [[]];
  let sequence = 0;
  for (const record of simulateFleet({
    cars: loadDimensionsFromDir(join(repoRoot, 'data')).cars,
    seed: 1,
    startMs: Date.UTC(2026, 10, 24, 8),
    events: 30_000,
  })) {
    if (batches.at(-1)!.length === 200) batches.push([]);
    batches.at(-1)!.push({
      data: Buffer.from(record.data).toString('base64'),
      partitionKey: record.partitionKey,
      sequenceNumber: String(++sequence).padStart(56, '0'),
    });
  }
  return JSON.stringify(batches);
}

describe('Function: processBatch()', () => {
  it("keeps a batch's bookkeeping in objects V8 does not pretenure: no allocation site is tenured by a collection during a batch", () => {
    // Prepare
    const files = { 'batches.json': fleetBatches() };

    // Act
    const withBatches = pretenuringDecisions(probe, 'accepted 30000 true', files);
    const setupOnly = pretenuringDecisions(probe, 'accepted 30000 true', files, { PROBE_BATCHES: 'none' });

    // Assess: the batches add no decision to the setup's (module loading and schema compilation
    // keep a site's objects for good); with literals, the channels, outboxes, unit lists, alerts
    // and counts had V8 tenure six or more sites
    expect(withBatches).toEqual(setupOnly);
  });
});
