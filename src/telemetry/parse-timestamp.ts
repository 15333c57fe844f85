import { EVENT_TIME_RANGE } from './event-time-range.js';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MIN_TS = EVENT_TIME_RANGE.minMs;
const MAX_TS = EVENT_TIME_RANGE.maxMs;

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return Number.NaN;
    value = value * 10 + code;
  }
  return value;
}

/**
 * Converts an event `ts` (ISO-8601 UTC string or epoch ms, already shape-checked by the schema) to
 * epoch milliseconds, or NaN when it names no real instant in range (2021-02-30, hour 25, …).
 * Hand-rolled because `Date.parse` accepts impossible dates and costs more on the hot path.
 *
 * @example parseTimestamp('2026-11-24T08:00:00.250Z') // 1795507200250
 */
export function parseTimestamp(ts: string | number): number {
  if (typeof ts === 'number') return ts >= MIN_TS && ts <= MAX_TS ? ts : Number.NaN;
  // Readings come in bursts that share a timestamp (a fleet reports each second): the last one is kept.
  if (ts === lastText) return lastValue;
  const value = parseIsoTimestamp(ts);
  lastText = ts;
  lastValue = value;
  return value;
}

let lastText = '';
let lastValue = Number.NaN;

function parseIsoTimestamp(ts: string): number {
  const year = digits(ts, 0, 4);
  const month = digits(ts, 5, 2);
  const day = digits(ts, 8, 2);
  const hour = digits(ts, 11, 2);
  const minute = digits(ts, 14, 2);
  const second = digits(ts, 17, 2);
  if (!(month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
  const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0) ? 1 : 0;
  if (!(day >= 1 && day <= DAYS_IN_MONTH[month - 1]! + leap)) return Number.NaN;
  let millis = 0;
  if (ts.charCodeAt(19) === 46 /* . */) {
    // Keep milliseconds, drop finer digits.
    let scale = 100;
    for (let i = 20; i < ts.length && scale >= 1; i++, scale /= 10) {
      const code = ts.charCodeAt(i) - 48;
      if (code < 0 || code > 9) break;
      millis += code * scale;
    }
  }
  const value = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return value >= MIN_TS && value <= MAX_TS ? value : Number.NaN;
}
