import defs from '#schemas/defs.schema.json' with { type: 'json' };

const numericTs = defs.definitions.ts.anyOf.find((form) => form.type === 'integer') as {
  minimum: number;
  maximum: number;
};

/**
 * The event times the schemas accept (`ts` in schemas/defs.schema.json, both ends included), in
 * epoch milliseconds. Ingest rejects anything outside, and the lake's partition projection covers
 * exactly these days, so Athena sees every event ingest accepted.
 *
 * @example EVENT_TIME_RANGE.minMs // 946684800000 (2000-01-01)
 */
export const EVENT_TIME_RANGE = { minMs: numericTs.minimum, maxMs: numericTs.maximum } as const;

/**
 * The first and last `dt` partition (UTC day, `YYYY-MM-DD`) an accepted event can land in.
 *
 * @example eventDayRange() // { first: '2000-01-01', last: '2100-01-01' }
 */
export function eventDayRange(): { first: string; last: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { first: day(EVENT_TIME_RANGE.minMs), last: day(EVENT_TIME_RANGE.maxMs) };
}
