/** The value kinds a serialiser distinguishes (a projection of the lake column types). */
export type SerialKind = 'string' | 'number' | 'boolean' | 'timestamp' | 'location' | 'json';

/** One output field: its name and how to write its value. */
export interface SerialField {
  name: string;
  kind: SerialKind;
}

/** Turns one row into a JSON line (no trailing newline). */
export type Serializer = (row: object) => string;

/**
 * Compiles a JSON serialiser for a fixed list of fields, once per table. The output carries
 * exactly these fields in this order (a producer's unknown extra fields are dropped, as the Glue
 * table would, also inside a location), with `null` for absent values. Several times faster than `JSON.stringify` on
 * telemetry rows, which matters on the ingest hot path: every accepted event is written twice
 * (lake and search). `open` replaces the leading `{` (`,` continues a line begun elsewhere); `internStrings` for columns whose values repeat (see internedQuote); `rememberLines`
 * for rows that repeat whole (the derived columns of one car): the line is built once per distinct row.
 *
 * @example
 *   const toLine = compileSerializer([{ name: 'event_id', kind: 'string' }, { name: 'speed', kind: 'number' }]);
 *   toLine({ event_id: 'a', speed: 1, extra: true }) // '{"event_id":"a","speed":1}'
 */
export function compileSerializer(
  fields: readonly SerialField[],
  open = '{',
  options: { internStrings?: boolean; rememberLines?: boolean } = {},
): Serializer {
  const parts = fields.map((field, index) => {
    const key = JSON.stringify(field.name);
    const prefix = JSON.stringify(`${index === 0 ? open : ','}${key}:`);
    const access = `row[${key}]`;
    switch (field.kind) {
      case 'string':
        return `${prefix} + (typeof ${access} === 'string' ? str(${access}) : ${access} == null ? 'null' : str(String(${access})))`;
      case 'number':
      case 'timestamp':
        return `${prefix} + (typeof ${access} === 'number' && Number.isFinite(${access}) ? ${access} : 'null')`;
      case 'boolean':
        return `${prefix} + (${access} === true ? 'true' : ${access} === false ? 'false' : 'null')`;
      case 'location':
        // Only the schema's lat and lon: keys a producer added inside `location` never reach a sink.
        return `${prefix} + (${access} != null && typeof ${access}.lat === 'number' && typeof ${access}.lon === 'number' ? '{"lat":' + ${access}.lat + ',"lon":' + ${access}.lon + '}' : 'null')`;
      default:
        return `${prefix} + (${access} === undefined ? 'null' : JSON.stringify(${access}))`;
    }
  });
  const body = `return ${parts.length === 0 ? "'{'" : parts.join(' + ')} + '}';`;
  const str = options.internStrings ? internedQuote(jsonString) : jsonString;
  if (!options.rememberLines || fields.length === 0)
    return new Function('str', `return function serialize(row) { ${body} };`)(str) as Serializer;
  // The line of the last row seen with each value of the first field, with the other fields'
  // values: a row whose values are all the same primitives gets the same line (objects could have
  // changed inside, so a row holding one is never remembered).
  const values = fields.map((field, k) => `const v${k} = row[${JSON.stringify(field.name)}];`).join(' ');
  const same = fields.map((_, k) => `hit[${k + 1}] === v${k}`).join(' && ');
  const primitive = fields.map((_, k) => `(typeof v${k} !== 'object' || v${k} === null)`).join(' && ');
  const entry = ['line', ...fields.map((_, k) => `v${k}`)].join(', ');
  return new Function(
    'str',
    'memo',
    'limit',
    `return function serialize(row) {
      ${values}
      const hit = memo.get(v0);
      if (hit !== undefined && ${same}) return hit[0];
      const line = (() => { ${body} })();
      if (${primitive}) {
        if (memo.size >= limit) memo.clear();
        memo.set(v0, [${entry}]);
      }
      return line;
    };`,
  )(str, new Map<unknown, unknown[]>(), REMEMBERED_LINES) as Serializer;
}

/** Lines a remembering serialiser keeps (one per value of its first field) before it forgets them all. */
export const REMEMBERED_LINES = 4096;

/** Distinct strings an interning serialiser remembers before it forgets them all. */
export const INTERNED_STRINGS = 4096;

/**
 * `quote` remembering its answers: for columns whose values come from a small set (the dimension
 * tables' makes, models and colours) the same strings come back every event, and a lookup costs
 * less than testing and quoting them again (and allocates nothing). Bounded: a set that outgrows
 * INTERNED_STRINGS is forgotten whole.
 */
function internedQuote(quote: (value: string) => string): (value: string) => string {
  const quoted = new Map<string, string>();
  return (value) => {
    let text = quoted.get(value);
    if (text === undefined) {
      text = quote(value);
      if (quoted.size >= INTERNED_STRINGS) quoted.clear();
      quoted.set(value, text);
    }
    return text;
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters.
const SAFE = /^[^"\\\u0000-\u001f\u2028\u2029\ud800-\udfff]*$/;

/**
 * `JSON.stringify(value)` for a string, without the call for text it writes as itself between
 * quotes (nearly all ids and names): none of quote, backslash, control characters, U+2028/9 or
 * surrogates (a lone one is escaped; a pair is not, but telling them apart is JSON.stringify's job).
 *
 * @example jsonString('car-07') // '"car-07"'
 */
export function jsonString(value: string): string {
  return SAFE.test(value) ? `"${value}"` : JSON.stringify(value);
}
