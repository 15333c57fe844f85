import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { definitionsSchema, EVENT_TYPES, type EventType, eventSchemas, isEventType } from './registry.js';

/** The result of validating one parsed payload. */
export type ValidationResult = { ok: true; type: EventType } | { ok: false; reason: string; message: string };

/** Validates parsed payloads against `schemas/<type>.schema.json`, dispatching on `type`. */
export type EventValidator = (payload: unknown) => ValidationResult;

/** Our annotation keywords: ajv must know them in strict mode, they carry no validation. */
const ANNOTATIONS = ['x-derived', 'x-column', 'x-output'];

function describeError(error: ErrorObject): { reason: string; message: string } {
  const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
  const path = `${error.instancePath}${missing}` || '/';
  // `ts` is "ISO-8601 string or epoch ms": report a failed anyOf as a format problem, not as anyOf.
  const keyword = error.keyword === 'anyOf' ? 'format' : error.keyword;
  return { reason: `schema:${path}:${keyword}`, message: `${path} ${error.message ?? keyword}` };
}

/**
 * The RegExp engine ajv compiles `pattern`s with: the same RegExp, answering again without matching
 * when asked about the text it was asked last. Readings come in bursts that share a timestamp (a
 * fleet reports each second), and the `ts` pattern was the costliest step of validating one. A
 * RegExp without the `g` or `y` flag keeps no state between tests, so the answer is the same.
 */
export const rememberingRegExp: NonNullable<NonNullable<Options['code']>['regExp']> = Object.assign(
  (pattern: string, flags: string) => {
    const regExp = new RegExp(pattern, flags);
    let lastText: string | undefined;
    let lastAnswer = false;
    return {
      test(text: string): boolean {
        if (text === lastText) return lastAnswer;
        lastAnswer = regExp.test(text);
        lastText = text;
        return lastAnswer;
      },
      toString: () => regExp.toString(),
    };
  },
  { code: 'rememberingRegExp' },
);

/** The validators createEventValidator built: they check `schemas/` and nothing else. */
const schemaValidators = new WeakSet<EventValidator>();

/**
 * Whether `validate` is one createEventValidator built, i.e. exactly the checks of `schemas/`: then
 * the known-shape parser's compiled checks of the same schemas may stand in for it. A validator
 * of any other making (a wrapper, a test's fake) is always called.
 */
export function isSchemaValidator(validate: EventValidator): boolean {
  return schemaValidators.has(validate);
}

/**
 * Validates with one compiled validator per event type, each compiled when the first payload of its
 * type needs it, then kept. Compiling per request would cost milliseconds per batch; the compiled
 * functions validate a car_sensor payload in well under a microsecond. Compiling every schema at
 * cold start cost each environment about 0.2 CPU-s (a tenth of a local run's start, each Lambda
 * cold start alike), while the known-shape parser's own compiled checks (src/ingest) decide nearly
 * every record without ajv. `compileEventSchemas` compiles them all at once (the tests' check that
 * every schema compiles in strict mode).
 *
 * @example
 *   const validate = createEventValidator();
 *   validate({ type: 'car_sensor', ... }) // { ok: true, type: 'car_sensor' } | { ok: false, reason: 'schema:/speed:minimum', ... }
 */
export function createEventValidator(): EventValidator {
  let ajv: Ajv | undefined;
  const compiled = new Map<string, ValidateFunction>();
  const validatorOf = (type: EventType): ValidateFunction => {
    let validate = compiled.get(type);
    if (validate === undefined) {
      ajv ??= newAjv();
      validate = ajv.compile(eventSchemas[type]);
      compiled.set(type, validate);
    }
    return validate;
  };
  // One frozen result per type: a valid payload costs no allocation.
  const valid = new Map<string, ValidationResult>(
    EVENT_TYPES.map((type) => [type, Object.freeze({ ok: true as const, type })]),
  );

  const validator = (payload: unknown): ValidationResult => {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return { ok: false, reason: 'schema:/:type', message: 'payload is not a JSON object' };
    }
    const type = (payload as { type?: unknown }).type;
    if (type === undefined) return { ok: false, reason: 'schema:/type:required', message: 'missing "type"' };
    if (!isEventType(type)) {
      return { ok: false, reason: 'type:unknown', message: `unknown type ${JSON.stringify(type).slice(0, 64)}` };
    }
    const validate = validatorOf(type);
    if (validate(payload)) return valid.get(type)!;
    const errors = validate.errors ?? [];
    const last = errors[errors.length - 1];
    return last ? { ok: false, ...describeError(last) } : { ok: false, reason: 'schema:/:unknown', message: 'invalid' };
  };
  schemaValidators.add(validator);
  return validator;
}

/** An ajv instance that knows our annotation keywords and the shared definitions. */
function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, keywords: ANNOTATIONS, code: { regExp: rememberingRegExp } });
  ajv.addSchema(definitionsSchema);
  return ajv;
}

/** Compiles every event type's schema in strict mode, throwing on the first that does not compile. */
export function compileEventSchemas(): void {
  const ajv = newAjv();
  for (const type of EVENT_TYPES) ajv.compile(eventSchemas[type]);
}
