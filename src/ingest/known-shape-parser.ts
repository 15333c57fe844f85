import { type ColumnType, resolveProperty, tableColumns } from '../schema/columns.js';
import { schemaChecksSource } from '../schema/compile-schema-checks.js';
import { EVENT_TYPES, type EventType, eventSchemas, type JsonSchema } from '../schema/registry.js';
import { rememberingRegExp } from '../schema/validate-event.js';
import { LINE_BODY } from '../sinks/serialize-event.js';
import { plainConstructor } from '../telemetry/plain-object.js';

/**
 * A parser specialised to our schemas, for the shape nearly all telemetry has: every property of
 * the type's schema present once, in the schema's order (the order our producers write), no
 * whitespace, strings of printable ASCII without escapes, plain decimal numbers of at most 15
 * digits, and `location` as `{"lat":…,"lon":…}`. For such text it returns exactly the object
 * JSON.parse would (same keys, same order, same values), and such text cannot hold a duplicated
 * key, nesting past 2, a lone surrogate or an escape: so the caller may skip the structure checks.
 * Anything else returns undefined and takes the general path (JSON.parse and the exact checks);
 * the fast path never decides a reject. Validation (ajv) still runs on what it returns.
 *
 * @example parseKnownShape('{"type":"car_sensor",…}') // { type: 'car_sensor', … } or undefined
 */
export function parseKnownShape(text: string): Record<string, unknown> | undefined {
  return shapeOf(text)?.parse(text);
}

/**
 * The compiled parser (and view) of the event type `text` starts with, or undefined: the type's
 * first character picks the candidates, one startsWith() confirms (a call each was ~15 ns, and the
 * parse of a reading made a dozen).
 */
function shapeOf(text: string): (typeof PARSERS)[number] | undefined {
  const candidates = BY_FIRST_CHARACTER[text.charCodeAt(TYPE_PREFIX.length)];
  if (candidates === undefined) return undefined;
  for (let p = 0; p < candidates.length; p++) if (text.startsWith(candidates[p]!.prefix)) return candidates[p];
  return undefined;
}

/**
 * What parseKnownShape would return for `text`, as a view: one object per event type, refilled by
 * every call, so a caller that reads a few fields per record (the aggregate) builds no object, no
 * `location` and no kept text per record. The view has the same keys and values as the object
 * parseKnownShape returns, without its kept line body; its `location` is one reused `{lat, lon}`,
 * and a string equal to the one the same property had last time is that same string. Read what
 * you need before the next call; knownShapeMeetsSchema() answers for the view as for a parse.
 *
 * @example const view = viewKnownShape(text); if (view?.type === 'car_sensor') sum += view.speed as number;
 */
export function viewKnownShape(text: string): Record<string, unknown> | undefined {
  return shapeOf(text)?.view(text);
}

/**
 * Whether the object parseKnownShape returned last meets its type's schema: the parser checks, in
 * the same pass, every keyword ajv would check on an object of exactly that shape (compiled from
 * `schemas/` by schemaChecksSource), so the caller may skip ajv when this is true. False for a
 * type whose schema uses a keyword the compiled checks do not cover (then ajv decides), and for an
 * object that fails a check (ajv then decides the reject and its reason, as before).
 */
export function knownShapeMeetsSchema(): boolean {
  return last.valid;
}

const TYPE_PREFIX = '{"type":"';
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
/** Digits a number may have for its mantissa to stay below 2^53 (then m / 10^k is correctly rounded). */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * What the last read left: where the value ended (the index after it), and whether it is written
 * exactly as the serialiser would write it (a number as JavaScript formats it, any string or literal).
 */
const last = { at: 0, exact: true, valid: false };

/** A string of printable ASCII without escapes starting at `i` (a quote), or undefined. */
function readString(text: string, i: number): string | undefined {
  if (text.charCodeAt(i) !== QUOTE) return undefined;
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      last.at = j + 1;
      last.exact = true;
      return text.slice(i + 1, j);
    }
    if (c < 0x20 || c > 0x7e || c === BACKSLASH) return undefined;
  }
  return undefined;
}

/**
 * readString that answers with the string it gave last time for the same property (`memo[k]`)
 * when the text holds that string again, without building a new one: readings come in bursts that
 * share a timestamp (a fleet reports each second) and a city trip's ids repeat. The memo holds
 * only what readString returned, which has no quote, so the same characters between two quotes
 * are exactly what readString would read.
 */
function readRepeatedString(text: string, i: number, memo: string[], k: number): string | undefined {
  const previous = memo[k]!;
  const end = i + 1 + previous.length;
  if (
    previous.length > 0 &&
    text.charCodeAt(i) === QUOTE &&
    text.charCodeAt(end) === QUOTE &&
    text.startsWith(previous, i + 1)
  ) {
    last.at = end + 1;
    last.exact = true;
    return previous;
  }
  const value = readString(text, i);
  if (value !== undefined) memo[k] = value;
  return value;
}

/**
 * A number `-?(0|[1-9][0-9]*)(\.[0-9]+)?` of at most 15 digits starting at `i`, followed by `,` or
 * `}`, or undefined. Both the digits as an integer m and 10^k are exact doubles, so m / 10^k is the
 * correctly rounded value, the same double JSON.parse gives (Clinger's fast path).
 */
function readNumber(text: string, i: number): number | undefined {
  const negative = text.charCodeAt(i) === MINUS;
  let j = negative ? i + 1 : i;
  let c = text.charCodeAt(j);
  if (!(c >= ZERO && c <= NINE)) return undefined;
  let mantissa = c - ZERO;
  let digits = 1;
  j++;
  if (mantissa !== 0) {
    for (c = text.charCodeAt(j); c >= ZERO && c <= NINE; c = text.charCodeAt(++j)) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
    }
  }
  let fraction = 0;
  if (text.charCodeAt(j) === DOT) {
    j++;
    for (c = text.charCodeAt(j); c >= ZERO && c <= NINE; c = text.charCodeAt(++j)) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      fraction++;
    }
    if (fraction === 0) return undefined;
  }
  c = text.charCodeAt(j);
  if (digits > MAX_DIGITS || (c !== COMMA && c !== CLOSE_BRACE)) return undefined;
  last.at = j;
  const magnitude = fraction === 0 ? mantissa : mantissa / POW10[fraction]!;
  const value = negative ? -magnitude : magnitude;
  // With at most 15 digits the digits are the shortest that give this double, so String(value) is
  // the text itself unless it has a trailing fraction zero, is -0, or is below 1e-6 (then 1e-7 form).
  last.exact =
    (fraction === 0 || text.charCodeAt(j - 1) !== ZERO) &&
    !(negative && mantissa === 0) &&
    (magnitude === 0 || magnitude >= 1e-6);
  return value;
}

/** Where readLocation reads a point before it makes the event's own. */
const scratchPoint = { lat: 0, lon: 0 };

/** `{"lat":<number>,"lon":<number>}` at `i`, or undefined. */
function readLocation(text: string, i: number): { lat: number; lon: number } | undefined {
  const point = readLocationInto(text, i, scratchPoint);
  return point === undefined ? undefined : new newGeoPoint(point.lat, point.lon);
}

/** `{"lat":<number>,"lon":<number>}` at `i`, its values written into `point` (a view's reused one), or undefined. */
function readLocationInto(text: string, i: number, point: { lat: number; lon: number }): typeof point | undefined {
  if (!text.startsWith('{"lat":', i)) return undefined;
  const lat = readNumber(text, i + 7);
  if (lat === undefined || !text.startsWith(',"lon":', last.at)) return undefined;
  const exact = last.exact;
  const lon = readNumber(text, last.at + 7);
  if (lon === undefined || text.charCodeAt(last.at) !== CLOSE_BRACE) return undefined;
  last.at++;
  last.exact = exact && last.exact;
  point.lat = lat;
  point.lon = lon;
  return point;
}

/** readValue for a view: a string equal to the property's last one is that string (readRepeatedString). */
function readRepeatedValue(text: string, i: number, memo: string[], k: number): unknown {
  return text.charCodeAt(i) === QUOTE ? readRepeatedString(text, i, memo, k) : readValue(text, i);
}

/**
 * An event's `location`, by a constructor rather than a literal (plainConstructor says why; for
 * events, which live for one batch, literals made two runs in three of the ingest bench run at 60 %
 * speed).
 */
const newGeoPoint = plainConstructor(function (this: { lat: number; lon: number }, lat: number, lon: number) {
  this.lat = lat;
  this.lon = lon;
});

/** One JSON value at `i` of the kinds the fast path takes, or undefined. */
function readValue(text: string, i: number): unknown {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return readString(text, i);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return readNumber(text, i);
  if (text.startsWith('true', i)) return literal(i + 4, true);
  if (text.startsWith('false', i)) return literal(i + 5, false);
  if (text.startsWith('null', i)) return literal(i + 4, null);
  return undefined;
}

function literal<T>(end: number, value: T): T {
  last.at = end;
  last.exact = true;
  return value;
}

type ShapeParser = (text: string) => Record<string, unknown> | undefined;

/**
 * Source testing that `text` holds `key` at `i`, one UTF-16 code unit at a time: inline in the
 * compiled parser, where a startsWith() call per key cost more (the ingest micro-benchmark went from
 * 0.477 to 0.504 of its floor with this and shapeOf's index, medians of 5 alternating runs).
 */
function matchSource(key: string): string {
  return Array.from({ length: key.length }, (_, k) => `text.charCodeAt(i + ${k}) === ${key.charCodeAt(k)}`).join(
    ' && ',
  );
}

/**
 * Whether a schema property's value, once accepted by the schema (and `ts` normalised), always has
 * its column's JSON type, so JSON.stringify writes what the compiled serialiser would.
 */
function pinsColumnType(name: string, property: JsonSchema, column: ColumnType): boolean {
  const schema = resolveProperty(property);
  if (column === 'timestamp') return name === 'ts';
  if (column === 'location') return true;
  const types = [schema.type].flat().filter((t) => typeof t === 'string' && t !== 'null');
  if (types.length === 0) return column === 'string' && typeof schema.const === 'string';
  if (types.length !== 1) return false;
  const expected: Partial<Record<ColumnType, string[]>> = {
    string: ['string'],
    bigint: ['integer'],
    double: ['number', 'integer'],
    boolean: ['boolean'],
  };
  return expected[column]?.includes(types[0] as string) ?? false;
}

/**
 * The reader for a property's values: by its schema's one JSON type when it has one (a value of
 * another type is left to the general path, where the schema rejects it), else any value.
 */
function readerOf(schema: JsonSchema): 'readLocation' | 'readString' | 'readNumber' | 'readValue' {
  if (schema.properties) return 'readLocation';
  if (schema.type === 'string') return 'readString';
  if (schema.type === 'number' || schema.type === 'integer') return 'readNumber';
  return 'readValue';
}

/**
 * Compiles the fast parser of one event type from its schema's `properties`: one straight-line
 * function that expects each key in turn (the schema's order) and builds the object with one
 * constructor (one hidden class). When the table's columns are `event_id`, `type`, `ts`, then the schema's other
 * properties in its order (then derived ones) and the schema pins their JSON types, it also keeps
 * the text of those other properties as LINE_BODY when they are written exactly as the serialiser would.
 */
function compileShapeParser(type: EventType): { parse: ShapeParser; view: ShapeParser } {
  const schema = eventSchemas[type];
  const properties = schema.properties as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (names[0] !== 'type') throw new Error(`schema ${type}: "type" must be the first property for the fast parser`);
  const columns = tableColumns(type);
  const bodyNames = names.slice(3);
  const keepsBody =
    names[1] === 'event_id' &&
    names[2] === 'ts' &&
    ['event_id', 'type', 'ts', ...bodyNames].every((name, k) => columns[k]?.name === name) &&
    bodyNames.every((name, k) => pinsColumnType(name, properties[name]!, columns[k + 3]!.type));
  // The parser keeps the line body; the view (viewKnownShape) reads the same text with the same
  // checks into one reused object. The id stays a slice of the text: the ledger copies what it
  // keeps of an id (IdSet), so no kept id holds a payload alive.
  const stepsOf = (view: boolean) =>
    names.slice(1).map((name, k) => {
      const key = `,${JSON.stringify(name)}:`;
      const read = readerOf(resolveProperty(properties[name]!));
      const at = `text, i + ${key.length}`;
      // Every event has an id of its own: only the other strings are worth remembering, a `ts`
      // (readValue: text or epoch ms) too. Readings of one second share it, and the same string is
      // then a pointer comparison in the memos of the ts pattern and parseTimestamp, not a new slice
      // compared character by character twice (`node dist/bench.js --ingest` 0.491 -> 0.510 of
      // its floor, medians of 5 alternating runs, 4 of 5 faster).
      let call = `${read}(${at})`;
      if (read === 'readString' && name !== 'event_id') call = `readRepeatedString(${at}, memo, ${k})`;
      else if (read === 'readValue') call = `readRepeatedValue(${at}, memo, ${k})`;
      else if (view && read === 'readLocation') call = `readLocationInto(${at}, point)`;
      return `${k === 2 && !view ? 'const bodyStart = i;' : ''}
      if (!(${matchSource(key)})) return undefined;
      let v${k + 1} = ${call};
      if (v${k + 1} === undefined) return undefined;
      i = last.at;
      ${k >= 2 && !view ? 'exact = exact && last.exact;' : ''}`;
    });
  // The event is built by a constructor with Object.prototype (see plainConstructor for why not a literal).
  const params = names.map((_, k) => `v${k}`);
  const values = [JSON.stringify(type), ...params.slice(1)];
  const assignments = names.map((name, k) => `this[${JSON.stringify(name)}] = v${k};`);
  if (keepsBody) assignments.push('this[LINE_BODY] = lineBody;');
  const patterns: string[] = [];
  const checks = schemaChecksSource(schema, values, patterns) ?? 'false';
  const bodyOf = (view: boolean, result: string) => `let i = ${TYPE_PREFIX.length + type.length + 1};
    ${view ? '' : 'let exact = true;'}
    ${stepsOf(view).join('\n')}
    if (i !== text.length - 1 || text.charCodeAt(i) !== ${CLOSE_BRACE}) return undefined;
    last.valid = ${checks};
    ${result}`;
  const parseBody = bodyOf(
    false,
    `return new Shape(${[...values, keepsBody ? 'exact ? text.slice(bodyStart, i) : undefined' : 'undefined'].join(', ')});`,
  );
  const viewBody = bodyOf(
    true,
    `${names.map((name, k) => `view[${JSON.stringify(name)}] = ${values[k]};`).join(' ')} return view;`,
  );
  const compile = (view: boolean, source: string) =>
    new Function(
      'readValue',
      'readString',
      'readNumber',
      'readLocation',
      'last',
      'LINE_BODY',
      'patterns',
      'readRepeatedString',
      'memo',
      'readRepeatedValue',
      'readLocationInto',
      'point',
      `function Shape(${[...params, 'lineBody'].join(', ')}) { ${assignments.join(' ')} }
      Shape.prototype = Object.prototype;
      function View(${params.join(', ')}) { ${assignments.slice(0, names.length).join(' ')} }
      View.prototype = Object.prototype;
      const view = new View(${names.map(() => 'undefined').join(', ')});
      return function ${view ? 'view' : 'parse'}_${type}(text) { ${source} };`,
    )(
      readValue,
      readString,
      readNumber,
      readLocation,
      last,
      LINE_BODY,
      patterns.map((pattern) => rememberingRegExp(pattern, 'u')),
      readRepeatedString,
      names.map(() => ''),
      readRepeatedValue,
      readLocationInto,
      new newGeoPoint(0, 0),
    ) as ShapeParser;
  return { parse: compile(false, parseBody), view: compile(true, viewBody) };
}

const PARSERS: { prefix: string; parse: ShapeParser; view: ShapeParser }[] = EVENT_TYPES.map((type) => ({
  prefix: `${TYPE_PREFIX}${type}"`,
  ...compileShapeParser(type),
}));

/** PARSERS by the first character of their type (an index for shapeOf). */
const BY_FIRST_CHARACTER: (typeof PARSERS)[number][][] = [];
for (const parser of PARSERS) {
  const first = parser.prefix.charCodeAt(TYPE_PREFIX.length);
  BY_FIRST_CHARACTER[first] = [...(BY_FIRST_CHARACTER[first] ?? []), parser];
}
