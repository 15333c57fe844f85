/** What one pass over valid JSON text tells, besides what JSON.parse does. */
export interface JsonScan {
  /** Object members in all: one `:` outside strings each. JSON.parse keeps one per key, so fewer parsed members means a duplicated key. */
  members: number;
  /** The deepest nesting of objects and arrays. */
  depth: number;
  /** Whether a string holds a `\u` escape (only then can a lone surrogate hide in it). */
  unicodeEscapes: boolean;
  /** ` ("<key>")`: the first key that appears twice in one object, for a reject's message (slow; call only then). */
  duplicateKeyHint(text: string): string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const LETTER_U = 0x75;

/**
 * Scans JSON text that JSON.parse accepted, once, without allocating: it counts object members
 * (colons outside strings), measures nesting and notes `\u` escapes. A string is skipped with
 * indexOf to its closing quote (native), so the cost is mostly that of the structural characters.
 *
 * @example const scan = scanJson(text); if (countMembers(JSON.parse(text)) !== scan.members) reject('json:duplicate_key');
 */
export function scanJson(text: string): JsonScan {
  let members = 0;
  let depth = 0;
  let deepest = 0;
  let unicodeEscapes = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip to the closing quote: the next quote not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (!unicodeEscapes) {
        const backslash = text.indexOf('\\', i + 1);
        if (backslash >= 0 && backslash < end) unicodeEscapes = hasUnicodeEscape(text, backslash, end);
      }
      i = end;
    } else if (c === COLON) members++;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > deepest) deepest = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return { members, depth: deepest, unicodeEscapes, duplicateKeyHint };
}

/** Whether a `\u` escape sits between `from` (a backslash) and `end` (a closing quote). */
function hasUnicodeEscape(text: string, from: number, end: number): boolean {
  for (let i = from; i >= 0 && i < end; i = text.indexOf('\\', i + 2)) {
    if (text.charCodeAt(i + 1) === LETTER_U) return true;
  }
  return false;
}

/** Finds the first key that appears twice in one object, by walking the text with a stack of key sets. */
function duplicateKeyHint(text: string): string {
  const stack: (Set<string> | null)[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const keys = stack[stack.length - 1];
      let next = end + 1;
      while (next < n && /\s/.test(text[next]!)) next++;
      if (keys && text.charCodeAt(next) === COLON) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return ` (${JSON.stringify(key).slice(0, 80)})`;
        keys.add(key);
      }
      i = end;
    } else if (c === OPEN_BRACE) stack.push(new Set());
    else if (c === OPEN_BRACKET) stack.push(null);
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) stack.pop();
  }
  return '';
}
