import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES, type EventType } from '#src/schema/registry.js';
import type { WindowAggregateRow } from '#src/sinks/sink.js';
import type { RuleName } from '#src/telemetry/event.js';
import { type LakeConnection, openLake } from '../query.js';
import type { RunReport } from '../run/run-report.js';
import type { SubjectKind } from './dashboard-messages.js';
import { DashboardState, LIMITS } from './dashboard-state.js';
import { SUBJECT_SOURCES } from './subjects.js';

/** Positions read per subject before the state samples its trail; bounds what a huge lake costs. */
const POSITIONS_PER_SUBJECT = 2000;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The event tables that have a `location` column in this lake (a lake written before cars had one has none there). */
async function locatedTables(lake: LakeConnection): Promise<EventType[]> {
  const { rows } = await lake.query("SELECT table_name FROM duckdb_columns() WHERE column_name = 'location'");
  const tables = new Set(rows.map(([table]) => String(table)));
  return (Object.keys(SUBJECT_SOURCES) as EventType[]).filter((type) => tables.has(type));
}

async function loadPositions(lake: LakeConnection, state: DashboardState, tables: EventType[]): Promise<void> {
  if (tables.length === 0) return;
  const located = tables.map((table) => {
    const source = SUBJECT_SOURCES[table]!;
    const speed = source.speedField ? `CAST("${source.speedField}" AS DOUBLE)` : 'CAST(NULL AS DOUBLE)';
    return `SELECT '${source.kind}' AS kind, CAST("${source.idField}" AS VARCHAR) AS id, ts, location.lat AS lat, location.lon AS lon, ${speed} AS speed FROM "${table}" WHERE location IS NOT NULL`;
  });
  // The city trip's five streams carry the same position at the same time: one row per (subject, ts).
  const { rows } = await lake.query(`
    WITH located AS (${located.join(' UNION ALL ')}),
    points AS (SELECT kind, id, ts, any_value(lat) AS lat, any_value(lon) AS lon, max(speed) AS speed FROM located GROUP BY ALL),
    numbered AS (
      SELECT *, row_number() OVER (PARTITION BY kind, id ORDER BY ts) AS n, count(*) OVER (PARTITION BY kind, id) AS total
      FROM points
    )
    SELECT kind, id, CAST(epoch_ms(ts) AS DOUBLE), lat, lon, speed FROM numbered
    WHERE (n - 1) % CAST(ceil(total / ${POSITIONS_PER_SUBJECT}) AS BIGINT) = 0 OR n = total
    ORDER BY kind, id, ts`);
  const labels = await carAndVehicleLabels(lake, tables);
  for (const [kind, id, ts, lat, lon, speed] of rows as [
    SubjectKind,
    string,
    number,
    number,
    number,
    number | null,
  ][]) {
    state.addPosition(kind, id, { ts, lat, lon, speed }, labels.get(`${kind}:${id}`));
  }
}

/** What the enrichment says of each car (make, model, colour) and what the city vehicle says of itself. */
async function carAndVehicleLabels(lake: LakeConnection, tables: EventType[]) {
  const labels = new Map<string, Record<string, unknown>>();
  if (tables.includes('car_sensor')) {
    const { rows } = await lake.query(
      'SELECT CAST(car_id AS VARCHAR), any_value(make), any_value(model), any_value(color) FROM car_sensor GROUP BY 1',
    );
    for (const [id, make, model, color] of rows) labels.set(`car:${id}`, { make, model, color });
  }
  if (tables.includes('vehicle')) {
    const { rows } = await lake.query('SELECT vehicle_id, any_value(make), any_value(model) FROM vehicle GROUP BY 1');
    for (const [id, make, model] of rows) labels.set(`vehicle:${id}`, { make, model });
  }
  return labels;
}

async function loadAlerts(lake: LakeConnection, state: DashboardState, tables: EventType[]): Promise<void> {
  const histogram = await lake.query(
    `SELECT CAST(epoch_ms(ts) // ${LIMITS.histogramBucketMs} * ${LIMITS.histogramBucketMs} AS DOUBLE) AS bucket, rule, CAST(count(*) AS INTEGER) FROM alerts GROUP BY ALL ORDER BY bucket`,
  );
  for (const [bucket, rule, count] of histogram.rows as [number, string, number][])
    state.countAlerts(bucket, rule, count);
  // The feed's alerts, each placed where its event was.
  const positions = tables.length
    ? tables.map((table) => `SELECT event_id, location FROM "${table}" WHERE location IS NOT NULL`).join(' UNION ALL ')
    : 'SELECT CAST(NULL AS VARCHAR) AS event_id, CAST(NULL AS STRUCT(lat DOUBLE, lon DOUBLE)) AS location WHERE false';
  const { rows } = await lake.query(`
    WITH newest AS (SELECT * FROM alerts ORDER BY ts DESC, alert_id DESC LIMIT ${LIMITS.feed}),
    located AS (SELECT event_id, any_value(location) AS location FROM (${positions}) WHERE event_id IN (SELECT event_id FROM newest) GROUP BY event_id)
    SELECT alert_id, rule, source_type, subject_id, CAST(epoch_ms(ts) AS DOUBLE), CAST(to_json("values") AS VARCHAR), location.lat, location.lon
    FROM newest LEFT JOIN located USING (event_id)
    ORDER BY ts, alert_id`);
  for (const [alertId, rule, sourceType, subjectId, ts, values, lat, lon] of rows as [
    string,
    RuleName,
    EventType,
    string,
    number,
    string,
    number | null,
    number | null,
  ][]) {
    state.addAlert(
      { alert_id: alertId, rule, source_type: sourceType, subject_id: subjectId, ts, values: JSON.parse(values) },
      lat === null || lon === null ? null : { lat, lon },
    );
  }
}

async function loadWindows(lake: LakeConnection, state: DashboardState): Promise<void> {
  const { rows } = await lake.query(`
    SELECT dimension, dimension_value, CAST(epoch_ms(window_start) AS DOUBLE), CAST(sum("count") AS DOUBLE),
      sum(sum_speed), max(max_speed), max(max_rpm)
    FROM window_aggregates GROUP BY ALL ORDER BY ALL`);
  state.onWindows(
    (rows as [WindowAggregateRow['dimension'], string, number, number, number, number, number][]).map(
      ([dimension, value, windowStart, count, sumSpeed, maxSpeed, maxRpm]) => ({
        window_id: `${dimension}:${value}:${windowStart}`,
        window_start: windowStart,
        window_end: windowStart,
        dimension,
        dimension_value: value,
        count,
        sum_speed: sumSpeed,
        avg_speed: count === 0 ? 0 : sumSpeed / count,
        max_speed: maxSpeed,
        max_rpm: maxRpm,
        speeding_alerts: 0,
        high_rpm_alerts: 0,
        wrong_gear_alerts: 0,
        final: true,
      }),
    ),
  );
}

async function loadRejects(lake: LakeConnection, state: DashboardState, outDir: string): Promise<void> {
  const path = join(outDir, 'rejects.jsonl.gz');
  if (!existsSync(path) || statSync(path).size === 0) return;
  const { rows } = await lake.query(
    `SELECT reason, CAST(count(*) AS INTEGER) FROM read_json(${quote(path)}, format = 'newline_delimited', columns = {reason: 'VARCHAR'}) GROUP BY reason`,
  );
  state.setRejects(Object.fromEntries(rows as [string, number][]));
}

async function eventsByType(lake: LakeConnection): Promise<Record<string, number>> {
  const counts = EVENT_TYPES.map(
    (table) => `SELECT '${table}' AS type, CAST(count(*) AS INTEGER) AS n FROM "${table}"`,
  );
  const { rows } = await lake.query(counts.join(' UNION ALL '));
  return Object.fromEntries((rows as [string, number][]).filter(([, n]) => n > 0));
}

/**
 * The dashboard of a finished run, read from its output folder: positions, trails and alerts from
 * the lake through DuckDB (the same views as `fleetstream query`), window rows merged as the named
 * queries merge them, rejects from `rejects.jsonl.gz`, and the summary from `report.json` when there is one.
 *
 * @example const state = await loadLakeState('.fleetstream');
 */
export async function loadLakeState(outDir: string): Promise<DashboardState> {
  const reportPath = join(outDir, 'report.json');
  const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as RunReport) : undefined;
  const state = new DashboardState({ outDir, scenario: report?.scenario ?? null });
  const lake = await openLake(outDir);
  try {
    const tables = await locatedTables(lake);
    await loadPositions(lake, state, tables);
    await loadAlerts(lake, state, tables);
    await loadWindows(lake, state);
    await loadRejects(lake, state, outDir);
    state.run.eventsByType = await eventsByType(lake);
  } finally {
    lake.close();
  }
  state.run.phase = 'finished';
  state.run.source = 'lake';
  if (report) {
    state.run.report = {
      in: report.in,
      accepted: report.accepted,
      rejected: report.rejected,
      duplicates: report.duplicates,
      eventsPerSec: report.events_per_sec,
      wallSeconds: report.wall_seconds,
      byRule: report.by_rule,
    };
  }
  state.settle();
  return state;
}
