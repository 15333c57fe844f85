/** Strings at least this long are measured without being written out (shorter ones cost nothing to write). */
const LONG_STRING = 4096;
/** The characters JSON.stringify escapes in an ASCII string: the control characters, `"` and `\`. */
const ESCAPED = [...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)), '"', '\\'];

/**
 * Long strings found to be written verbatim, in two generations (the older is dropped when the
 * newer reaches MEMO_CHARS, after which a string still in use is found again and moved up). A
 * tumbling window's state carries its seen set as chunks (src/windows/seen-event-ids.ts), each
 * full chunk the same string from call to call: looked up here, a state costs the check of what
 * changed since the last call (its last chunk), not of all 683 KiB. A lookup matches by content,
 * so a string equal to one checked before is known verbatim whatever object it is.
 */
let recent = new Set<string>();
let older = new Set<string>();
let recentChars = 0;
/** Characters each generation holds: the seen sets of a few shards at capacity (2 x 2 MiB held at most). */
const MEMO_CHARS = 2 * 2 ** 20;
/**
 * Strings up to this length are remembered: V8 hashes a longer string by its length alone, so a
 * Set of them would compare the contents of every one of the same length (a seen state written as
 * one string, before chunks, is checked in full at every call).
 */
const MEMO_MAX_LENGTH = 16_383;

function remember(text: string): void {
  if (text.length > MEMO_MAX_LENGTH) return;
  if (recentChars + text.length > MEMO_CHARS) {
    older = recent;
    recent = new Set();
    recentChars = 0;
  }
  recent.add(text);
  recentChars += text.length;
}

/** Whether JSON.stringify writes the string as itself between quotes: ASCII with nothing to escape. */
function writesVerbatim(text: string): boolean {
  if (recent.has(text)) return true;
  if (older.has(text)) {
    remember(text);
    return true;
  }
  if (Buffer.byteLength(text) !== text.length) return false;
  // One native search per character is far cheaper than JSON.stringify's escape check of every character.
  for (const char of ESCAPED) if (text.includes(char)) return false;
  remember(text);
  return true;
}

/**
 * `Buffer.byteLength(JSON.stringify(value))` (0 for what JSON.stringify leaves undefined), without
 * building the text of long strings that need no escaping: a tumbling window's state carries
 * hundreds of KiB of them (the aggregate's seen ids as base64 chunks), whose escape check dominated
 * writing the state out at every invocation; a string checked before is not checked again.
 *
 * @example jsonByteLength({ seen: 'AAAA', n: 1 }) // 19, as Buffer.byteLength('{"seen":"AAAA","n":1}')
 */
export function jsonByteLength(value: unknown): number {
  return isPlainObject(value) ? plainObjectByteLength(value) : replacedByteLength(value);
}

/** Whether JSON.stringify writes the value as its own enumerable string keys: a plain object, no toJSON. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !hasToJson(value);
}

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * A plain object (a window state) member by member: a long string, or an array of strings (the
 * seen chunks), measured aside; any other member written by JSON.stringify's own fast path, which a
 * replacer (a call back into JavaScript for every key and number of the open windows) turns off.
 * A member with a toJSON (which JSON.stringify calls with the member's key) goes the general way.
 */
function plainObjectByteLength(object: Record<string, unknown>): number {
  const keys = Object.keys(object);
  for (const key of keys) {
    const member = object[key];
    if (typeof member === 'object' && member !== null && hasToJson(member)) return replacedByteLength(object);
  }
  let bytes = 2;
  let written = 0;
  for (const key of keys) {
    const member = object[key];
    const memberBytes =
      typeof member === 'string'
        ? stringByteLength(member)
        : Array.isArray(member) && allStrings(member)
          ? stringsByteLength(member)
          : textByteLength(JSON.stringify(member));
    if (memberBytes === 0) continue;
    bytes += textByteLength(JSON.stringify(key)) + 1 + memberBytes + (written++ > 0 ? 1 : 0);
  }
  return bytes;
}

/** Whether every element is a string (a hole is not: JSON.stringify writes it as null). */
function allStrings(array: readonly unknown[]): array is readonly string[] {
  for (let i = 0; i < array.length; i++) if (typeof array[i] !== 'string') return false;
  return true;
}

/** `["a","b"]`: brackets, commas, each string. */
function stringsByteLength(strings: readonly string[]): number {
  let bytes = 2 + Math.max(0, strings.length - 1);
  for (const text of strings) bytes += stringByteLength(text);
  return bytes;
}

function stringByteLength(text: string): number {
  return text.length >= LONG_STRING && writesVerbatim(text) ? text.length + 2 : textByteLength(JSON.stringify(text));
}

/** The bytes of JSON text, 0 for undefined (what JSON.stringify leaves out). */
function textByteLength(text: string | undefined): number {
  return text === undefined ? 0 : Buffer.byteLength(text);
}

/** Any value: JSON.stringify with each long verbatim string written as "" and its characters counted aside. */
function replacedByteLength(value: unknown): number {
  let verbatim = 0;
  const text = JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member !== 'string' || member.length < LONG_STRING || !writesVerbatim(member)) return member;
    // Written as "" here: the string's own characters, one byte each, are counted aside.
    verbatim += member.length;
    return '';
  });
  return text === undefined ? 0 : Buffer.byteLength(text) + verbatim;
}
