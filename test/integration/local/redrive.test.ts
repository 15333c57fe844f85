import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runQuery } from '#local/query.js';
import { redriveLocal } from '#local/redrive/redrive-local.js';
import { loadCars, runPipeline, type SourceItem } from '#local/run/run-pipeline.js';
import { verifyRun } from '#local/verify/verify-run.js';
import { simulateFleet } from '#src/simulate/fleet.js';
import type { ProducedRecord } from '#src/simulate/produced-record.js';
import { SinkWriteError } from '#src/sinks/sink.js';
import type { TelemetryEvent } from '#src/telemetry/event.js';
import { readJsonl, tempOut } from '#test/helpers/output-files.js';

const repoRoot = process.cwd();
const START = Date.UTC(2026, 10, 24, 8);
const EVENTS = 3000;

function fleetRecords(seed: number): ProducedRecord[] {
  return [...simulateFleet({ cars: loadCars(repoRoot), seed, startMs: START, events: EVENTS })];
}

function* itemsOf(records: readonly ProducedRecord[]): Generator<SourceItem> {
  for (const record of records) yield { kind: 'record', record };
}

const eventIdOf = (record: ProducedRecord) => (JSON.parse(String(record.data)) as { event_id: string }).event_id;

/** A finished run whose lake sink refuses one event every time, so its batch's rest is dead-lettered. */
async function runWithPoisonedLake(name: string) {
  const records = fleetRecords(11);
  const poison = eventIdOf(records[1234]!);
  const from = tempOut(name);
  const report = await runPipeline({
    source: itemsOf(records),
    scenario: 'fleet',
    outDir: from,
    repoRoot,
    shards: 2,
    seed: 11,
    wrapLakeSink: (sink) => ({
      name: sink.name,
      async write(events: readonly TelemetryEvent[]) {
        const at = events.findIndex((event) => event.event_id === poison);
        if (at < 0) return sink.write(events);
        await sink.write(events.slice(0, at));
        throw new SinkWriteError('the lake refuses this event', 'lake', at);
      },
    }),
  });
  return { records, from, report };
}

describe('Function: redriveLocal()', () => {
  it('given a run whose lake refused a batch, redrives its dlq/ range: every record ends accepted and nothing is lost', async () => {
    // Prepare
    const { records, from, report: original } = await runWithPoisonedLake('redrive-dlq');
    expect(original.dead_lettered).toBeGreaterThan(0);
    expect(readJsonl(join(from, 'dlq', 'ingest.jsonl')).length).toBeGreaterThan(0);
    // The refused event's search document landed before the lake refused it: explained, not unexpected.
    expect(original.verification!.sinks.search).toMatchObject({ unexpected: 0, dead_lettered: 1 });
    const out = tempOut('redrive-dlq-out');

    // Act
    const result = await redriveLocal({ mode: 'dlq', from, out, repoRoot, functions: ['ingest'] });

    // Assess: the redriven records are the dead-lettered ones, and each ended accepted once
    expect(result.queues!.ingest!.messages).toEqual({
      redriven: original.mappings.ingest!.dlqBatches,
      expired: 0,
      failed: 0,
      invalid: 0,
    });
    expect(result.records).toBe(original.dead_lettered);
    expect(result.report).toMatchObject({
      in: original.dead_lettered,
      accepted: original.dead_lettered,
      rejected: 0,
      duplicates: 0,
      dead_lettered: 0,
    });
    expect(result.complete).toBe(true);
    expect(readFileSync(join(from, 'dlq', 'ingest.jsonl'), 'utf8')).toBe('');
    // The two lakes together hold every event of the input.
    const ids = new Set<string>();
    for (const dir of [from, out]) {
      const { rows } = await runQuery(dir, 'SELECT DISTINCT event_id FROM car_sensor');
      for (const [id] of rows) ids.add(String(id));
    }
    expect(ids.size).toBe(EVENTS);
    expect([...ids].sort()).toEqual(records.map(eventIdOf).sort());
  });

  it('given a dlq/ message whose range is no longer kept, reports it expired and keeps the message', async () => {
    // Prepare: the spool is the local stand-in for the stream's retention; without it the range is gone
    const { from, report: original } = await runWithPoisonedLake('redrive-expired');
    rmSync(join(from, 'dlq', 'ingest.records.jsonl'));
    const before = readFileSync(join(from, 'dlq', 'ingest.jsonl'), 'utf8');

    // Act
    const result = await redriveLocal({ mode: 'dlq', from, out: tempOut('redrive-expired-out'), repoRoot });

    // Assess
    expect(result.queues!.ingest!.messages.expired).toBe(original.mappings.ingest!.dlqBatches);
    expect(result.queues!.ingest!.records.expired).toBe(original.dead_lettered);
    expect(result.queues!.ingest!.outcomes[0]).toMatchObject({
      kind: 'expired',
      detail: expect.stringContaining('not the whole range'),
    });
    expect(result.records).toBe(0);
    expect(result.report).toBeUndefined();
    expect(result.complete).toBe(false);
    expect(readFileSync(join(from, 'dlq', 'ingest.jsonl'), 'utf8')).toBe(before);
  });

  it('given a dead-lettered run, verify still reports a document that belongs to no record as unexpected', async () => {
    // Prepare
    const { from } = await runWithPoisonedLake('redrive-verify');
    const id = 'fleetstream-no-such-event';
    appendFileSync(
      join(from, 'search', 'events.ndjson'),
      `${JSON.stringify({ index: { _index: 'fleetstream-events-2026-11-24', _id: id } })}\n${JSON.stringify({ event_id: id })}\n`,
    );

    // Act
    const verification = await verifyRun({ outDir: from, windowMs: 900_000 });

    // Assess
    expect(verification.sinks.search).toMatchObject({ unexpected: 1, dead_lettered: 1 });
    expect(verification.problems).toContain('search: 1 unexpected');
  });

  it('given stored rejects and a reason, re-submits only those and every one ends with an outcome', async () => {
    // Prepare: a run where every 40th reading has a speed that is no number, and a few lines are no JSON
    const records = fleetRecords(12).slice(0, 1200);
    const source = records.map((record, i): ProducedRecord => {
      if (i % 40 === 0) return { ...record, data: String(record.data).replace(/"speed":[\d.]+/, '"speed":"fast"') };
      if (i % 97 === 0) return { ...record, data: `not json ${i}` };
      return record;
    });
    const from = tempOut('redrive-rejects');
    const original = await runPipeline({
      source: itemsOf(source),
      scenario: 'jsonl',
      outDir: from,
      repoRoot,
      shards: 2,
      seed: 1,
    });
    const schemaReasons = Object.entries(original.by_reason).filter(([reason]) => reason.startsWith('schema:'));
    const schemaRejects = schemaReasons.reduce((sum, [, n]) => sum + n, 0);
    expect(schemaRejects).toBe(30);
    expect(original.rejected).toBeGreaterThan(schemaRejects);

    // Act
    const result = await redriveLocal({
      mode: 'rejects',
      from,
      out: tempOut('redrive-rejects-out'),
      repoRoot,
      reason: 'schema',
    });

    // Assess: the schema is unchanged, so each ends rejected again with its reason; the counts add up
    expect(result.rejects).toMatchObject({ read: original.rejected, matched: schemaRejects, skipped: [] });
    expect(result.records).toBe(schemaRejects);
    const report = result.report!;
    expect(report.in).toBe(schemaRejects);
    expect(report.accepted + report.rejected + report.duplicates + report.dead_lettered).toBe(report.in);
    expect(report.by_reason).toEqual(Object.fromEntries(schemaReasons));
    expect(existsSync(join(from, 'rejects.jsonl.gz'))).toBe(true);
  });
});
