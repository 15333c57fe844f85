import { resolveProperty } from './columns.js';
import type { JsonSchema } from './registry.js';

/** Keywords that carry no validation (ours are declared to ajv as annotations too). */
const ANNOTATIONS = new Set(['description', 'title', '$comment', 'x-column', 'x-output']);
/** The top-level keywords of an event schema the checks account for; any other leaves the type to ajv. */
const TOP_LEVEL = new Set(['$schema', '$id', 'title', 'description', 'type', 'required', 'properties', 'x-derived']);

/**
 * A JavaScript expression over `value` that is true exactly when ajv (draft-07, `strictNumbers`,
 * `unicodeRegExp`) accepts that value for `schema`, for the values the known-shape parser reads:
 * finite numbers, strings of printable ASCII (so a string's length counts its code points, as
 * ajv's minLength does), true, false, null, and `{lat, lon}` objects. Undefined when the schema
 * uses a keyword this does not cover: then the caller keeps ajv for that type.
 * `patterns` collects the RegExp sources the expression names as `patterns[k]`.
 */
function checkOf(schema: JsonSchema, value: string, patterns: string[]): string | undefined {
  const resolved = resolveProperty(schema);
  const terms: string[] = [];
  for (const [keyword, argument] of Object.entries(resolved)) {
    if (ANNOTATIONS.has(keyword)) continue;
    const term = termOf(keyword, argument, resolved, value, patterns);
    if (term === undefined) return undefined;
    terms.push(term);
  }
  return terms.length === 0 ? 'true' : terms.map((term) => `(${term})`).join(' && ');
}

/** ajv's test of one JSON type (https://ajv.js.org/json-types.html: `integer` is a finite whole number). */
function typeTest(type: unknown, value: string): string | undefined {
  switch (type) {
    case 'string':
      return `typeof ${value} === 'string'`;
    case 'number':
      return `typeof ${value} === 'number' && Number.isFinite(${value})`;
    case 'integer':
      return `Number.isInteger(${value})`;
    case 'boolean':
      return `typeof ${value} === 'boolean'`;
    case 'null':
      return `${value} === null`;
    case 'object':
      return `typeof ${value} === 'object' && ${value} !== null && !Array.isArray(${value})`;
    default:
      return undefined;
  }
}

/** A primitive JSON literal (what const and enum compare with ===), or undefined for an array or object. */
function primitive(argument: unknown): string | undefined {
  if (argument === null || ['string', 'number', 'boolean'].includes(typeof argument)) return JSON.stringify(argument);
  return undefined;
}

function termOf(
  keyword: string,
  argument: unknown,
  schema: JsonSchema,
  value: string,
  patterns: string[],
): string | undefined {
  const numeric = (op: string) =>
    typeof argument === 'number' ? `typeof ${value} !== 'number' || ${value} ${op} ${argument}` : undefined;
  const length = (op: string) =>
    Number.isInteger(argument) ? `typeof ${value} !== 'string' || ${value}.length ${op} ${argument}` : undefined;
  switch (keyword) {
    case 'type': {
      const tests = [argument].flat().map((type) => typeTest(type, value));
      return tests.includes(undefined) || tests.length === 0 ? undefined : tests.map((t) => `(${t})`).join(' || ');
    }
    case 'const':
      return primitive(argument) === undefined ? undefined : `${value} === ${primitive(argument)}`;
    case 'enum': {
      if (!Array.isArray(argument) || argument.length === 0) return undefined;
      const literals = argument.map(primitive);
      return literals.includes(undefined) ? undefined : literals.map((l) => `${value} === ${l}`).join(' || ');
    }
    case 'minimum':
      return numeric('>=');
    case 'maximum':
      return numeric('<=');
    case 'exclusiveMinimum':
      return numeric('>');
    case 'exclusiveMaximum':
      return numeric('<');
    case 'minLength':
      return length('>=');
    case 'maxLength':
      return length('<=');
    case 'pattern': {
      if (typeof argument !== 'string') return undefined;
      patterns.push(argument);
      return `typeof ${value} !== 'string' || patterns[${patterns.length - 1}].test(${value})`;
    }
    case 'anyOf': {
      if (!Array.isArray(argument) || argument.length === 0) return undefined;
      const branches = argument.map((branch) => checkOf(branch as JsonSchema, value, patterns));
      return branches.includes(undefined) ? undefined : branches.map((b) => `(${b})`).join(' || ');
    }
    case 'properties': {
      // Only the one object the parser reads (readLocation): exactly `lat` then `lon`, each present.
      const properties = argument as Record<string, JsonSchema>;
      if (Object.keys(properties).join() !== 'lat,lon' || schema.type !== 'object') return undefined;
      const checks = Object.entries(properties).map(([name, inner]) => checkOf(inner, `${value}.${name}`, patterns));
      if (checks.includes(undefined)) return undefined;
      return `typeof ${value} !== 'object' || ${value} === null || (${checks.join(' && ')})`;
    }
    case 'required': {
      // Present by construction for the `{lat, lon}` object (see properties).
      const properties = Object.keys((schema.properties as object | undefined) ?? {});
      return Array.isArray(argument) && argument.every((name) => properties.includes(name)) ? 'true' : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The source of one boolean expression over `values` (the variable holding each property's value,
 * in the schema's order) that is true exactly when ajv accepts an object with exactly those
 * properties, once each, and no other (the known-shape parser's objects): every property's
 * keywords, `required` (all present), `additionalProperties` (none other). Undefined when the
 * schema uses a keyword not covered here. `patterns` collects the RegExp sources it names.
 *
 * @example schemaChecksSource(eventSchemas.car_sensor, ['v0', …], patterns) // "(v0 === \"car_sensor\") && …"
 */
export function schemaChecksSource(schema: JsonSchema, values: string[], patterns: string[]): string | undefined {
  if (Object.keys(schema).some((keyword) => !TOP_LEVEL.has(keyword)) || schema.type !== 'object') return undefined;
  const properties = schema.properties as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  const required = (schema.required as unknown[] | undefined) ?? [];
  if (values.length !== names.length || !required.every((name) => names.includes(name as string))) return undefined;
  const checks = names.map((name, k) => checkOf(properties[name]!, values[k]!, patterns));
  return checks.includes(undefined) ? undefined : checks.map((check) => `(${check})`).join(' &&\n');
}
