import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StreamRecordData } from '#src/ingest/decode-record.js';
import { decodeUnits } from '#src/ingest/record-units.js';
import { dedupeKey, rawTableName } from '#src/schema/dedupe-views.js';
import { EVENT_TYPES, type TableName } from '#src/schema/registry.js';
import { createEventValidator } from '#src/schema/validate-event.js';
import type { IndexFamilyName } from '#src/search/index-templates.js';
import { spoolPathOf } from '../esm/event-source-mapping.js';
import { type LakeConnection, openLake } from '../query.js';
import { spoolPaths } from '../run/run-accounting.js';

/** What one sink holds against what it must hold: each expected id exactly once, as a reader sees it. */
export interface SinkCheck {
  /** Distinct ids the sink must hold (accepted by ingest, or raised as alerts). */
  expected: number;
  /** Distinct ids it holds. */
  found: number;
  /** Expected ids it lacks. */
  lost: number;
  /** Ids a reader sees more than once (rows of the lake views, notifications a subscriber received). */
  doubled: number;
  /** Ids it holds that nothing expected (effects of dead-lettered records excepted, below). */
  unexpected: number;
  /**
   * Ids of records the mapping dead-lettered: their batch may have stored some effects before it
   * gave up (a search document written before the lake refused the batch), as on AWS; they are
   * sent again by `fleetstream redrive --dlq`.
   */
  dead_lettered: number;
  /** Extra copies written and absorbed by the sink's key (raw lake rows, overwritten documents). */
  absorbed: number;
}

/** The run's verification, also in report.json → verification. */
export interface Verification {
  ok: boolean;
  /**
   * Producer duplicates ingest accepted again because the container that saw them did not remember
   * the original (a cold or another environment), per type: the sinks' keys absorbed them.
   */
  downstream_duplicates: Record<string, number>;
  /** The alerts those duplicates raised again, per rule (the topic, views and index absorbed them). */
  downstream_duplicate_alerts: Record<string, number>;
  /** Every record that came in ended accepted, rejected, duplicate or dead-lettered, once. */
  accounting: {
    in: number;
    accepted: number;
    rejected: number;
    duplicates: number;
    dead_lettered: number;
    ok: boolean;
  };
  sinks: Record<string, SinkCheck>;
  /** Window rows (merged per window and dimension value) against a recomputation from the lake's accepted car events. */
  windows: { groups: number; mismatched: number; examples: string[] };
  problems: string[];
}

/**
 * DuckDB's memory for the verification's joins and counts; it spills to disk past it. The process
 * goes past it by what DuckDB does not count, more in a longer run, and the verification is the
 * whole command's peak: `fleetstream verify` of a 10M-event run peaked at 897-906 MB RSS at 512MB,
 * 721-773 MB at 384MB in about the same CPU time (94 and 98 s); at 256MB its first check ran out
 * of memory.
 */
export const VERIFY_MEMORY_LIMIT = '384MB';

/**
 * The rows a reader of the view `<table>` sees, listing only `columns`: one per dedupe key, as a
 * GROUP BY over the raw table (copies of a row are the same row). The view itself numbers rows
 * in a window, which DuckDB holds in memory; a grouping spills, so a 10M-event run verifies in
 * VERIFY_MEMORY_LIMIT.
 */
function viewRows(table: TableName, columns: readonly string[]): string {
  const key = dedupeKey(table).map((name) => `"${name}"`);
  const values = columns.map((name) => `any_value("${name}") AS "${name}"`);
  return `(SELECT ${[...key, ...values].join(', ')} FROM "${rawTableName(table)}" GROUP BY ${key.join(', ')})`;
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

const rows = (lake: LakeConnection, sql: string): Promise<Record<string, unknown>[]> => lake.queryObjects(sql);

/**
 * Compares a relation of ids (`id`, possibly repeated) with the expected ids. `repeatsDouble`: a
 * reader sees each repeat (view rows, notifications); `absorbedFrom`: the copies a key absorbed.
 */
async function checkIds(
  connection: LakeConnection,
  expected: string,
  found: string,
  options: { repeatsDouble: boolean; absorbedFrom?: string; deadLettered?: string },
): Promise<SinkCheck> {
  // COUNT(DISTINCT) keeps its set in memory; a DISTINCT subquery is a hash aggregate that spills.
  const repeats = (relation: string) =>
    `((SELECT COUNT(*) FROM ${relation}) - (SELECT COUNT(*) FROM (SELECT DISTINCT id FROM ${relation})))`;
  // An alert id is `<event id>:<rule>`: it belongs to a dead-lettered record if its event id does.
  const dead = options.deadLettered ?? NONE;
  const [result] = await rows(
    connection,
    `WITH e AS (SELECT DISTINCT id FROM ${expected}), fd AS (SELECT DISTINCT id FROM ${found}),
          d AS (SELECT DISTINCT id FROM ${dead}),
          extra AS (SELECT id FROM fd ANTI JOIN e USING (id)),
          dl AS (SELECT x.id FROM extra x SEMI JOIN d ON x.id = d.id OR starts_with(x.id, d.id || ':'))
     SELECT (SELECT COUNT(*) FROM e) AS expected,
            (SELECT COUNT(*) FROM fd) AS found,
            (SELECT COUNT(*) FROM e ANTI JOIN fd USING (id)) AS lost,
            (SELECT COUNT(*) FROM extra) - (SELECT COUNT(*) FROM dl) AS unexpected,
            (SELECT COUNT(*) FROM dl) AS dead_lettered,
            ${options.repeatsDouble ? repeats(found) : '0'} AS doubled,
            ${options.absorbedFrom ? repeats(options.absorbedFrom) : '0'} AS absorbed`,
  );
  const number = (key: string) => Number(result![key]);
  return {
    expected: number('expected'),
    found: number('found'),
    lost: number('lost'),
    doubled: number('doubled'),
    unexpected: number('unexpected'),
    dead_lettered: number('dead_lettered'),
    absorbed: number('absorbed'),
  };
}

/** The `_id`s of a `_bulk` file's action lines, as a relation `(id)`. */
function bulkIds(path: string): string {
  return `(SELECT "index"._id AS id FROM read_json(${quote(path)}, format = 'newline_delimited', columns = {'index': 'STRUCT(_index VARCHAR, _id VARCHAR)'}) WHERE "index" IS NOT NULL)`;
}

/** An empty relation of ids. */
const NONE = '(SELECT CAST(NULL AS VARCHAR) AS id WHERE false)';

/** A spool or JSONL file's `field` as a relation `(id)`, empty when the file does not exist. */
function jsonIds(path: string, field: string): string {
  if (!existsSync(path)) return NONE;
  return `(SELECT "${field}" AS id FROM read_json(${quote(path)}, format = 'newline_delimited', columns = {'${field}': 'VARCHAR'}))`;
}

/**
 * The event ids of the records the ingest mapping dead-lettered, decoded from its spool
 * (`dlq/ingest.records.jsonl`) as ingest decodes them (KPL user records each), written to
 * `verify/dead-lettered-ids.jsonl` as a relation `(id)`; empty when nothing was dead-lettered.
 */
function deadLetteredIds(outDir: string, report: { stream?: { name?: string; stream_name?: string } }): string {
  const spool = spoolPathOf(join(outDir, 'dlq', 'ingest.jsonl'));
  if (!existsSync(spool)) return NONE;
  const stream = report.stream?.name ?? report.stream?.stream_name ?? '';
  const validate = createEventValidator();
  const ids: string[] = [];
  for (const line of readFileSync(spool, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { shardId, ...record } = JSON.parse(line) as StreamRecordData & { shardId: string };
    for (const { decoded } of decodeUnits(record, stream, shardId, validate).units)
      if (decoded.ok) ids.push(`${JSON.stringify({ id: decoded.event.event_id })}\n`);
  }
  const path = join(outDir, 'verify', 'dead-lettered-ids.jsonl');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, ids.join(''));
  return ids.length > 0 ? jsonIds(path, 'id') : NONE;
}

/**
 * The window rows the run wrote, merged per window and dimension value, against the same aggregates
 * recomputed from the lake: the accepted car events (each once, the view), minus the late ones
 * (late.jsonl), with the car rules' alerts from the alerts table.
 */
async function checkWindows(
  connection: LakeConnection,
  outDir: string,
  windowMs: number,
): Promise<Verification['windows']> {
  const late = jsonIds(join(outDir, 'late.jsonl'), 'event_id');
  const result = await rows(
    connection,
    `WITH cars AS (
       SELECT c.event_id, epoch_ms(c.ts) AS ms, c.speed, c.rpm, coalesce(c.color, 'unknown') AS color, coalesce(c.model, 'unknown') AS model
       FROM ${viewRows('car_sensor', ['ts', 'speed', 'rpm', 'color', 'model'])} c ANTI JOIN ${late} l ON l.id = c.event_id),
     car_alerts AS (
       SELECT a.event_id, COUNT(*) FILTER (WHERE rule = 'speeding') AS speeding, COUNT(*) FILTER (WHERE rule = 'high_rpm') AS high_rpm,
              COUNT(*) FILTER (WHERE rule = 'wrong_gear') AS wrong_gear
       FROM ${viewRows('alerts', ['event_id', 'rule', 'source_type'])} a WHERE a.source_type = 'car_sensor' GROUP BY a.event_id),
     readings AS (
       SELECT cars.*, (ms // ${windowMs}) * ${windowMs} AS window_start,
              coalesce(speeding, 0) AS speeding, coalesce(high_rpm, 0) AS high_rpm, coalesce(wrong_gear, 0) AS wrong_gear
       FROM cars LEFT JOIN car_alerts USING (event_id)),
     expected AS (
       SELECT window_start, dimension, value, COUNT(*) AS n, round(SUM(speed), 2) AS sum_speed, MAX(speed) AS max_speed, MAX(rpm) AS max_rpm,
              SUM(speeding) AS speeding, SUM(high_rpm) AS high_rpm, SUM(wrong_gear) AS wrong_gear
       FROM (SELECT *, 'color' AS dimension, color AS value FROM readings UNION ALL SELECT *, 'model', model FROM readings)
       GROUP BY ALL),
     written AS (
       SELECT epoch_ms(window_start) AS window_start, dimension, dimension_value AS value, SUM("count") AS n, round(SUM(sum_speed), 2) AS sum_speed,
              MAX(max_speed) AS max_speed, MAX(max_rpm) AS max_rpm, SUM(speeding_alerts) AS speeding, SUM(high_rpm_alerts) AS high_rpm,
              SUM(wrong_gear_alerts) AS wrong_gear
       FROM window_aggregates GROUP BY ALL)
     SELECT coalesce(e.window_start, w.window_start) AS window_start, coalesce(e.dimension, w.dimension) AS dimension,
            coalesce(e.value, w.value) AS value, e.n AS expected_n, w.n AS written_n,
            (e.n IS NOT DISTINCT FROM w.n AND abs(coalesce(e.sum_speed, 0) - coalesce(w.sum_speed, 0)) < 0.05
             AND e.max_speed IS NOT DISTINCT FROM w.max_speed AND e.max_rpm IS NOT DISTINCT FROM w.max_rpm
             AND e.speeding IS NOT DISTINCT FROM w.speeding AND e.high_rpm IS NOT DISTINCT FROM w.high_rpm
             AND e.wrong_gear IS NOT DISTINCT FROM w.wrong_gear) AS same
     FROM expected e FULL JOIN written w USING (window_start, dimension, value)`,
  );
  const mismatched = result.filter((row) => row.same !== true);
  return {
    groups: result.length,
    mismatched: mismatched.length,
    examples: mismatched
      .slice(0, 5)
      .map(
        (row) =>
          `${new Date(Number(row.window_start)).toISOString()} ${row.dimension}=${row.value}: expected ${row.expected_n ?? 0} readings, written ${row.written_n ?? 0}`,
      ),
  };
}

/** Options of verifyRun. */
export interface VerifyOptions {
  outDir: string;
  /** The aggregate window length (ms), from the stage's `tumblingWindowInSeconds`. */
  windowMs: number;
}

/**
 * Proves a finished run's outputs against its own account of every record (local/run/run-accounting.ts):
 * the counts add up; each accepted event is in the lake exactly once as queries see it (the views)
 * and in the search index exactly once (by `_id`); each alert reached the topic's subscriber exactly
 * once, the alerts table and the alerts index once; the window rows equal a recomputation from the
 * lake. Reports lost, doubled, unexpected and absorbed (extra copies a key made harmless) per sink.
 *
 * @example const verification = await verifyRun({ outDir: '.fleetstream', windowMs: 900_000 });
 */
export async function verifyRun(options: VerifyOptions): Promise<Verification> {
  const { outDir } = options;
  const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8'));
  const spool = spoolPaths(outDir);
  // Bounded: the id sets grow with the run (a 10M-event run's verification took 3.4 GB unbounded).
  const connection = await openLake(outDir, { memoryLimit: VERIFY_MEMORY_LIMIT });
  try {
    const deadLettered = deadLetteredIds(outDir, report);
    const acceptedIds = jsonIds(spool.acceptedIds, 'id');
    const alertIds = jsonIds(spool.alertIds, 'id');
    const viewIds = EVENT_TYPES.map((t) => `SELECT event_id AS id FROM ${viewRows(t, [])}`).join(' UNION ALL ');
    const rawIds = EVENT_TYPES.map((t) => `SELECT event_id AS id FROM "${rawTableName(t)}"`).join(' UNION ALL ');
    // Lake: readers see the views (a repeat there is doubled); the raw tables' repeats were absorbed.
    const sinks: Record<string, SinkCheck> = {
      lake: await checkIds(connection, acceptedIds, `(${viewIds})`, {
        repeatsDouble: true,
        absorbedFrom: `(${rawIds})`,
        deadLettered,
      }),
      alerts_lake: await checkIds(connection, alertIds, `(SELECT alert_id AS id FROM ${viewRows('alerts', [])})`, {
        repeatsDouble: true,
        absorbedFrom: `(SELECT alert_id AS id FROM "${rawTableName('alerts')}")`,
        deadLettered,
      }),
      notifications: await checkIds(connection, alertIds, jsonIds(join(outDir, 'alerts.jsonl'), 'alert_id'), {
        repeatsDouble: true,
        deadLettered,
      }),
    };
    if (report.search?.kind === 'files') {
      const searchFiles: Record<string, IndexFamilyName> = { search: 'events', alerts_search: 'alerts' };
      for (const [sink, family] of Object.entries(searchFiles)) {
        const path = join(report.search.dir, `${family}.ndjson`);
        const ids = existsSync(path) ? bulkIds(path) : NONE;
        // `_id` = the row's id: a document written again overwrites itself, so repeats are absorbed.
        sinks[sink] = await checkIds(connection, family === 'events' ? acceptedIds : alertIds, ids, {
          repeatsDouble: false,
          absorbedFrom: ids,
          deadLettered,
        });
      }
    }
    const windows = await checkWindows(connection, outDir, options.windowMs);
    const downstream: Record<string, number> = {};
    if (existsSync(spool.acceptedIds))
      for (const row of await rows(
        connection,
        `SELECT type, COUNT(*) - COUNT(DISTINCT id) AS n FROM read_json(${quote(spool.acceptedIds)}, format = 'newline_delimited', columns = {'id': 'VARCHAR', 'type': 'VARCHAR'}) GROUP BY type HAVING COUNT(*) > COUNT(DISTINCT id)`,
      ))
        downstream[String(row.type)] = Number(row.n);
    const accounting = {
      in: report.in,
      accepted: report.accepted,
      rejected: report.rejected,
      duplicates: report.duplicates,
      dead_lettered: report.dead_lettered,
      ok: report.in === report.accepted + report.rejected + report.duplicates + report.dead_lettered,
    };
    const problems: string[] = [];
    if (!accounting.ok) problems.push('the counts do not add up');
    for (const [name, check] of Object.entries(sinks)) {
      if (check.lost > 0) problems.push(`${name}: ${check.lost} lost`);
      if (check.doubled > 0) problems.push(`${name}: ${check.doubled} doubled`);
      if (check.unexpected > 0) problems.push(`${name}: ${check.unexpected} unexpected`);
    }
    // Dead-lettered records never reached the lake through ingest but may have been aggregated: the
    // window check is then reported, not judged (redrive them and verify again).
    if (windows.mismatched > 0 && accounting.dead_lettered === 0)
      problems.push(`windows: ${windows.mismatched} of ${windows.groups} differ from the lake`);
    const downstreamAlerts: Record<string, number> = {};
    if (existsSync(spool.alertIds))
      for (const row of await rows(
        connection,
        `SELECT regexp_extract(id, ':([a-z_]+)$', 1) AS rule, COUNT(*) - COUNT(DISTINCT id) AS n FROM read_json(${quote(spool.alertIds)}, format = 'newline_delimited', columns = {'id': 'VARCHAR'}) GROUP BY rule HAVING COUNT(*) > COUNT(DISTINCT id)`,
      ))
        downstreamAlerts[String(row.rule)] = Number(row.n);
    return {
      ok: problems.length === 0,
      downstream_duplicates: downstream,
      downstream_duplicate_alerts: downstreamAlerts,
      accounting,
      sinks,
      windows,
      problems,
    };
  } finally {
    connection.close();
  }
}

/** The verification as a table, one line per sink. */
export function formatVerification(verification: Verification): string {
  const lines = [
    `accounting: in ${verification.accounting.in} = accepted ${verification.accounting.accepted} + rejected ${verification.accounting.rejected} + duplicates ${verification.accounting.duplicates} + dead-lettered ${verification.accounting.dead_lettered}: ${verification.accounting.ok ? 'ok' : 'MISMATCH'}`,
    `${'sink'.padEnd(14)} ${'expected'.padStart(9)} ${'found'.padStart(9)} ${'lost'.padStart(6)} ${'doubled'.padStart(8)} ${'unexpected'.padStart(10)} ${'absorbed'.padStart(9)} ${'dead-lettered'.padStart(13)}`,
    ...Object.entries(verification.sinks).map(
      ([name, c]) =>
        `${name.padEnd(14)} ${String(c.expected).padStart(9)} ${String(c.found).padStart(9)} ${String(c.lost).padStart(6)} ${String(c.doubled).padStart(8)} ${String(c.unexpected).padStart(10)} ${String(c.absorbed).padStart(9)} ${String(c.dead_lettered).padStart(13)}`,
    ),
    `windows: ${verification.windows.groups - verification.windows.mismatched} of ${verification.windows.groups} equal a recomputation from the lake`,
    ...verification.windows.examples.map((e) => `  ${e}`),
    verification.ok ? 'verified: nothing lost, nothing doubled' : `NOT VERIFIED: ${verification.problems.join('; ')}`,
  ];
  return lines.join('\n');
}
