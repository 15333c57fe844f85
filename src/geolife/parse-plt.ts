import type { Reject } from '../telemetry/event.js';
import { rejectPayload } from '../telemetry/reject-payload.js';

/** One data line of a .plt file: a trajectory_point payload, or why the line is not one. */
export type PltLine =
  | { ok: true; line: number; point: Record<string, unknown> }
  | { ok: false; line: number; reason: string; raw: string };

/** Who a .plt file belongs to, and how to name it in rejects. */
export interface PltIds {
  userId: string;
  trajectoryId: string;
  source: string;
}

const HEADER_LINES = 6;
/** Geolife's day count starts at 1899-12-30 (the spreadsheet epoch), 25,569 days before 1970-01-01. */
const EPOCH_OFFSET_DAYS = 25_569;
const DAY_MS = 86_400_000;
const UNKNOWN_ALTITUDE = -777;

function fail(line: number, reason: string, raw: string): PltLine {
  return { ok: false, line, reason, raw };
}

/**
 * Parses a Microsoft Geolife `.plt` file: 6 header lines, then
 * `lat,lon,0,altitude_ft,days_since_1899-12-30,date,time` (GMT). CRLF or LF, a BOM, trailing blank
 * lines are fine. The date/time columns and the day fraction must agree within a second; altitude
 * -777 means unknown (null). A malformed line yields a reason, never a throw.
 *
 * @example for (const line of parsePlt(text, { userId: '000', trajectoryId: '20081023025304', source: 'Data/000/Trajectory/20081023025304.plt' })) …
 */
export function* parsePlt(text: string, ids: PltIds): Generator<PltLine> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length < HEADER_LINES) {
    yield fail(1, 'geolife:header', lines.join('\\n'));
    return;
  }
  for (let i = HEADER_LINES; i < lines.length; i++) {
    const raw = lines[i]!;
    const lineNumber = i + 1;
    const cells = raw.split(',');
    if (cells.length !== 7) {
      yield fail(lineNumber, 'geolife:column_count', raw);
      continue;
    }
    const [latText, lonText, , altitudeText, daysText, date, time] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const lat = Number(latText);
    const lon = Number(lonText);
    const altitude = Number(altitudeText);
    const days = Number(daysText);
    if (
      [latText, lonText, altitudeText, daysText].some((cell) => cell.trim() === '') ||
      ![lat, lon, altitude, days].every(Number.isFinite)
    ) {
      yield fail(lineNumber, 'geolife:not_a_number', raw);
      continue;
    }
    if (lat < -90 || lat > 90) {
      yield fail(lineNumber, 'geolife:lat_range', raw);
      continue;
    }
    if (lon < -180 || lon > 180) {
      yield fail(lineNumber, 'geolife:lon_range', raw);
      continue;
    }
    const fromDays = Math.round((days - EPOCH_OFFSET_DAYS) * DAY_MS);
    const fromColumns = Date.parse(`${date.trim()}T${time.trim()}Z`);
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(date.trim()) ||
      !/^\d{2}:\d{2}:\d{2}$/.test(time.trim()) ||
      Number.isNaN(fromColumns)
    ) {
      yield fail(lineNumber, 'geolife:timestamp_format', raw);
      continue;
    }
    if (Math.abs(fromColumns - fromDays) > 1000) {
      yield fail(lineNumber, 'geolife:timestamp_mismatch', raw);
      continue;
    }
    yield {
      ok: true,
      line: lineNumber,
      point: {
        type: 'trajectory_point',
        event_id: `geolife-${ids.userId}-${ids.trajectoryId}-${lineNumber}`,
        ts: new Date(fromColumns).toISOString(),
        user_id: ids.userId,
        trajectory_id: ids.trajectoryId,
        location: { lat, lon },
        altitude_ft: altitude === UNKNOWN_ALTITUDE ? null : altitude,
      },
    };
  }
}

/** A source-side reject for a malformed .plt line, naming the file and line. */
export function pltReject(ids: PltIds, line: Extract<PltLine, { ok: false }>): Reject {
  return {
    reject_id: `${ids.source}:${line.line}`,
    reason: line.reason,
    message: `${ids.source} line ${line.line}: ${line.reason}`,
    source: { stream: 'geolife', shard_id: '', partition_key: ids.userId, sequence_number: '' },
    event_id: null,
    type: 'trajectory_point',
    ...rejectPayload(line.raw),
  };
}
