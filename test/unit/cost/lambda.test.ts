import { sizeStream } from '#src/cost/kinesis.js';
import { lambdaCost, profileInvocations } from '#src/cost/lambda.js';
import { flatBook, lineUsd, testAssumptions, testStage, testWorkload } from './helpers.js';

const assumptions = testAssumptions(); // 100,000 events/s per core; one vCPU at 1,024 MB

describe('Function: profileInvocations()', () => {
  it('full batches: 1,000 records/s on 1 shard, batch 500 → 2 invocations/s of 500 events, 100 + 5 ms', () => {
    // Prepare
    const stage = testStage();
    const sizing = sizeStream(stage, testWorkload(), assumptions);

    // Act
    const profile = profileInvocations({
      name: 'ingest',
      settings: stage.ingest,
      sizing,
      eventsPerRecord: 1,
      ioMsPerBatch: 100,
      assumptions,
    });
    const cost = lambdaCost([profile], flatBook());

    // Assess
    // per shard max(1,000 / 500 = 2, min(1,000, 1 / 1 s)) = 2; 500 events / 100,000 per s = 5 ms of CPU.
    expect(profile.invocationsPerSecond).toBe(2);
    expect(profile.eventsPerInvocation).toBe(500);
    expect(profile.durationMs).toBeCloseTo(105, 9);
    // 2 × 2,628,000 = 5.256 million requests; × 0.105 s × 1 GB = 551,880 GB-s.
    expect(lineUsd(cost, 'ingest requests')).toBeCloseTo(5.256, 9);
    expect(lineUsd(cost, 'ingest duration')).toBeCloseTo(551_880, 3);
  });

  it('sparse batches: 100 records/s, batch 1,000, window 5 s, parallelization 2 → 0.4 invocations/s of 250 events', () => {
    // Prepare
    const settings = { ...testStage().ingest, batchSize: 1000, batchWindowSeconds: 5, parallelizationFactor: 2 };
    const sizing = sizeStream(testStage(), testWorkload({ eventsPerSecond: 100 }), assumptions);

    // Act
    const profile = profileInvocations({
      name: 'ingest',
      settings,
      sizing,
      eventsPerRecord: 1,
      ioMsPerBatch: 0,
      assumptions,
    });

    // Assess
    // max(100 / 1,000 = 0.1, min(100, 2 batches / 5 s = 0.4)) = 0.4 per s; 100 / 0.4 = 250 events, 2.5 ms.
    expect(profile.invocationsPerSecond).toBeCloseTo(0.4, 12);
    expect(profile.eventsPerInvocation).toBeCloseTo(250, 9);
    expect(profile.durationMs).toBeCloseTo(2.5, 9);
  });

  it('half the memory is half a vCPU: twice the CPU time; a tumbling window adds one final call per 900 s', () => {
    // Prepare
    const stage = testStage();
    const sizing = sizeStream(stage, testWorkload(), assumptions);

    // Act
    const profile = profileInvocations({
      name: 'aggregate',
      settings: stage.aggregate,
      sizing,
      eventsPerRecord: 1,
      ioMsPerBatch: 0,
      assumptions,
    });

    // Assess
    // 512 MB / 1,024 MB = 0.5 vCPU; (2 + 1/900) invocations/s; events 1,000 / that; CPU = events / 50,000 per s.
    const invocations = 2 + 1 / 900;
    expect(profile.invocationsPerSecond).toBeCloseTo(invocations, 12);
    expect(profile.durationMs).toBeCloseTo((1000 / invocations / 50_000) * 1000, 9);
  });

  it('caps a batch at the 6 MB payload: 100,000-byte records make batches of 62', () => {
    // Prepare
    const stage = testStage();
    const sizing = sizeStream(stage, testWorkload({ eventsPerSecond: 10, eventBytes: 100_000 }), assumptions);
    const settings = { ...stage.ingest, batchSize: 10_000, batchWindowSeconds: 60 };

    // Act
    const profile = profileInvocations({
      name: 'ingest',
      settings,
      sizing,
      eventsPerRecord: 1,
      ioMsPerBatch: 0,
      assumptions,
    });

    // Assess
    // floor(6,291,456 / 100,000) = 62 records; 10 records/s: max(10 / 62, min(10, 1 / 60)) = 10 / 62.
    expect(profile.invocationsPerSecond).toBeCloseTo(10 / 62, 12);
  });

  it('warns when a shard brings more events than its batches can take', () => {
    // Prepare
    const stage = testStage();
    const sizing = sizeStream(stage, testWorkload(), assumptions);
    const settings = { ...stage.ingest, batchSize: 10 };

    // Act
    const profile = profileInvocations({
      name: 'ingest',
      settings,
      sizing,
      eventsPerRecord: 1,
      ioMsPerBatch: 1000,
      assumptions,
    });

    // Assess
    // 10 events per 1,000.1 ms ≈ 9 events/s per shard, against 1,000 arriving.
    expect(profile.warnings).toHaveLength(1);
    expect(profile.warnings[0]).toContain('falls behind at 1000');
  });
});
