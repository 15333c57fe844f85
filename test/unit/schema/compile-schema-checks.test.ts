import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type DecodedRecord, decodePayload, decodeRecord } from '#src/ingest/decode-record.js';
import { knownShapeMeetsSchema, parseKnownShape } from '#src/ingest/known-shape-parser.js';
import { resolveProperty } from '#src/schema/columns.js';
import { schemaChecksSource } from '#src/schema/compile-schema-checks.js';
import { EVENT_TYPES, type EventType, eventSchemas, type JsonSchema } from '#src/schema/registry.js';
import { createEventValidator, type EventValidator } from '#src/schema/validate-event.js';

const validate = createEventValidator();
/** The same checks through a validator of another making: decodePayload then always runs ajv. */
const ajvOnly: EventValidator = (payload) => validate(payload);
const position = { stream: 'telemetry', shardId: 'shardId-000000000000', partitionKey: 'k', sequenceNumber: '1' };
const fixtures = join(import.meta.dirname, '../../fixtures');

/** Texts of every fixture: each Kinesis record's data (base64 decoded) and each hostile JSONL line. */
function fixtureTexts(): string[] {
  const dir = join(fixtures, 'events/kinesis');
  const texts: string[] = [];
  for (const file of readdirSync(dir)) {
    const event = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { Records?: { kinesis?: { data: string } }[] };
    for (const record of event.Records ?? [])
      if (record.kinesis) texts.push(Buffer.from(record.kinesis.data, 'base64').toString('latin1'));
  }
  return texts.concat(readFileSync(join(fixtures, 'jsonl/hostile.jsonl'), 'utf8').split('\n'));
}

/** JSON literals for one property: first one the schema accepts, then its boundaries and the wrong types. */
function literalsOf(property: JsonSchema): string[] {
  const schema = resolveProperty(property);
  const wrongTypes = ['"x"', '1', '1.5', '-0', 'true', 'false', 'null', '""'];
  if (schema.const !== undefined) return [JSON.stringify(schema.const), '"other"', ...wrongTypes];
  if (Array.isArray(schema.enum))
    return [...schema.enum.map((v) => JSON.stringify(v)), `"${schema.enum[0]}x"`, ...wrongTypes];
  if (Array.isArray(schema.anyOf))
    return [
      '"2026-11-24T08:00:00.000Z"',
      '"2026-11-24T08:00:00Z"',
      '"2026-11-24T08:00:00.123456789Z"',
      '"2026-11-24T08:00:00.1234567890Z"',
      '"2026-11-24T08:00:00+00:00"',
      '"2026-11-24T08:00:00-0000"',
      '"2026-11-24T08:00:00+01:00"',
      '"2026-11-24 08:00:00Z"',
      '"2026-02-30T08:00:00Z"',
      '"1999-12-31T23:59:59Z"',
      '1795507200000',
      '946684800000',
      '4102444800000',
      '946684799999',
      '4102444800001',
      '1795507200000.5',
      ...wrongTypes,
    ];
  if (schema.properties) {
    const lat = ['51.5', '90', '-90', '90.000001', '-90.5', '0', '-0', '"51"', 'null'];
    const lon = ['-0.12', '180', '-180', '180.5', '-180.000001', '0', 'true'];
    return [
      '{"lat":51.5,"lon":-0.12}',
      ...lat.flatMap((a) => lon.map((o) => `{"lat":${a},"lon":${o}}`)),
      '{"lon":1,"lat":2}',
      ...wrongTypes,
    ];
  }
  const types = [schema.type].flat();
  if (types.includes('string')) {
    const min = (schema.minLength as number | undefined) ?? 0;
    const max = Math.min((schema.maxLength as number | undefined) ?? 300, 70_000);
    const of = (n: number) => `"${'a'.repeat(Math.max(0, n))}"`;
    return [of(Math.max(min, 3)), of(min), of(min - 1), of(max), of(max + 1), '"a b~"', ...wrongTypes];
  }
  const min = (schema.minimum as number | undefined) ?? -1e6;
  const max = (schema.maximum as number | undefined) ?? 1e6;
  const mid = Math.round((min + max) / 2);
  const numbers = [mid, min, max, min - 1, max + 1, min - 0.001, max + 0.001, mid + 0.5, 0, 123456789012345];
  return [...numbers.map(String), '-0', '0.0', '1.50', ...wrongTypes];
}

/** Texts in exactly the schema's shape (every property once, in order), mostly valid, each property sometimes off. */
function shapedText(type: EventType): fc.Arbitrary<string> {
  const properties = eventSchemas[type].properties as Record<string, JsonSchema>;
  const parts = Object.entries(properties).map(([name, property]) => {
    const literals = literalsOf(property);
    const value =
      name === 'type'
        ? fc.constant(JSON.stringify(type))
        : fc.oneof(
            { weight: 3, arbitrary: fc.constant(literals[0]!) },
            { weight: 1, arbitrary: fc.constantFrom(...literals) },
          );
    return value.map((literal) => `${JSON.stringify(name)}:${literal}`);
  });
  return fc.tuple(...parts).map((members) => `{${members.join(',')}}`);
}

/** The outcome of decodePayload with the parser's checks standing in for ajv, and with ajv always. */
function bothPaths(text: string): { fused: DecodedRecord; ajv: DecodedRecord } {
  return {
    fused: decodePayload({ text }, position, validate),
    ajv: decodePayload({ text }, position, ajvOnly),
  };
}

describe('Function: schemaChecksSource() compiles the checks ajv makes on a known-shape object', () => {
  it.each(EVENT_TYPES)('covers every keyword of the %s schema', (type) => {
    // Prepare
    const names = Object.keys(eventSchemas[type].properties as object).map((_, k) => `v${k}`);
    // Act
    const source = schemaChecksSource(eventSchemas[type], names, []);
    // Assess
    expect(source).toBeDefined();
    expect(source).not.toBe('true');
  });

  it.each([
    ['a keyword it does not know', { multipleOf: 5, type: 'number' }],
    ['an object other than {lat, lon}', { type: 'object', properties: { x: { type: 'number' } } }],
    ['a const that is an object', { const: { a: 1 } }],
  ])('leaves a schema with %s to ajv', (_case, property) => {
    // Prepare
    const schema = { type: 'object', required: ['type'], properties: { type: { const: 't' }, p: property } };
    // Act, Assess
    expect(schemaChecksSource(schema, ['v0', 'v1'], [])).toBeUndefined();
  });

  it('leaves a schema with additionalProperties or a required property it does not list to ajv', () => {
    // Prepare
    const properties = { type: { const: 't' } };
    // Act, Assess
    expect(schemaChecksSource({ type: 'object', properties, additionalProperties: false }, ['v0'], [])).toBeUndefined();
    expect(schemaChecksSource({ type: 'object', properties, required: ['type', 'x'] }, ['v0'], [])).toBeUndefined();
  });
});

describe('Function: decodePayload() with the parser checks agrees with ajv on accept, reject and reason', () => {
  it('on every fixture, hostile ones included', () => {
    // Prepare
    const texts = fixtureTexts();
    let fusedAccepts = 0;
    // Act, Assess
    expect(texts.length).toBeGreaterThan(30);
    for (const text of texts) {
      const { fused, ajv } = bothPaths(text);
      expect({ text, outcome: fused }).toEqual({ text, outcome: ajv });
      const parsed = parseKnownShape(text);
      if (parsed !== undefined && knownShapeMeetsSchema()) fusedAccepts++;
    }
    expect(fusedAccepts).toBeGreaterThan(5);
  });

  it.each(EVENT_TYPES)('on %s texts in the exact shape with values on and past every bound', (type) => {
    // Prepare
    let met = 0;
    let failed = 0;
    // Act, Assess
    fc.assert(
      fc.property(shapedText(type), (text) => {
        const parsed = parseKnownShape(text);
        if (parsed !== undefined) {
          const meets = knownShapeMeetsSchema();
          expect({ text, meets }).toEqual({ text, meets: validate(parsed).ok });
          if (meets) met++;
          else failed++;
        }
        const { fused, ajv } = bothPaths(text);
        expect({ text, outcome: fused }).toEqual({ text, outcome: ajv });
      }),
      { numRuns: 1500 },
    );
    expect(met).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(50);
  });

  it('through decodeRecord (base64, the hot path) as well', () => {
    // Prepare
    const texts = fc.sample(fc.oneof(...EVENT_TYPES.map(shapedText)), 2000).concat(fixtureTexts());
    // Act, Assess
    for (const text of texts) {
      const record = { data: Buffer.from(text, 'latin1').toString('base64'), partitionKey: 'k', sequenceNumber: '1' };
      const fused = decodeRecord(record, 'telemetry', 'shardId-000000000000', validate);
      const ajv = decodeRecord(record, 'telemetry', 'shardId-000000000000', ajvOnly);
      expect({ text, outcome: fused }).toEqual({ text, outcome: ajv });
    }
  });

  it('skips ajv for a valid known-shape record, and calls a validator of another making', () => {
    // Prepare
    const text = `{"type":"car_sensor","event_id":"e1","ts":"2026-11-24T08:00:00.000Z","car_id":1452650,"speed":50,"rpm":2000,"gear":3,"location":{"lat":51.5,"lon":-0.1}}`;
    let calls = 0;
    const counting: EventValidator = (payload) => {
      calls++;
      return validate(payload);
    };
    // Act
    const decoded = decodePayload({ text }, position, counting);
    parseKnownShape(text);
    // Assess
    expect(decoded.ok).toBe(true);
    expect(calls).toBe(1);
    expect(knownShapeMeetsSchema()).toBe(true);
  });
});
